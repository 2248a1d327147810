#include "fmkit/core/rng.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>
#include <numeric>
#include <vector>

#include "fmkit/core/sincos.hpp"

namespace fm {
namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

inline std::uint32_t mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& hi) {
  const std::uint64_t p = static_cast<std::uint64_t>(a) * b;
  hi = static_cast<std::uint32_t>(p >> 32);
  return static_cast<std::uint32_t>(p);
}

// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3").
std::array<std::uint32_t, 4> philox(std::array<std::uint32_t, 4> c, std::array<std::uint32_t, 2> k) {
  constexpr std::uint32_t M0 = 0xD2511F53, M1 = 0xCD9E8D57, W0 = 0x9E3779B9, W1 = 0xBB67AE85;
  for (int r = 0; r < 10; ++r) {
    std::uint32_t hi0, hi1;
    const std::uint32_t lo0 = mulhilo(M0, c[0], hi0);
    const std::uint32_t lo1 = mulhilo(M1, c[2], hi1);
    c = {hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0};
    k[0] += W0;
    k[1] += W1;
  }
  return c;
}

// Philox blocks for `count` consecutive low counters starting at `lo` (high words fixed), written
// as 4 words per block. Lanes are independent, so the rounds vectorise across blocks.
void philox_blocks(std::uint64_t lo, std::uint32_t c2, std::uint32_t c3, std::array<std::uint32_t, 2> key,
                   int count, std::uint32_t* out) {
  constexpr int kMax = 64;
  std::uint32_t a[kMax], b[kMax], c[kMax], d[kMax];
  for (int j = 0; j < count; ++j) {
    a[j] = static_cast<std::uint32_t>(lo + static_cast<std::uint64_t>(j));
    b[j] = static_cast<std::uint32_t>((lo + static_cast<std::uint64_t>(j)) >> 32);
    c[j] = c2;
    d[j] = c3;
  }
  std::uint32_t k0 = key[0], k1 = key[1];
  for (int r = 0; r < 10; ++r) {
    for (int j = 0; j < count; ++j) {
      const std::uint64_t p0 = static_cast<std::uint64_t>(0xD2511F53u) * a[j];
      const std::uint64_t p1 = static_cast<std::uint64_t>(0xCD9E8D57u) * c[j];
      const std::uint32_t na = static_cast<std::uint32_t>(p1 >> 32) ^ b[j] ^ k0;
      const std::uint32_t nb = static_cast<std::uint32_t>(p1);
      const std::uint32_t nc = static_cast<std::uint32_t>(p0 >> 32) ^ d[j] ^ k1;
      const std::uint32_t nd = static_cast<std::uint32_t>(p0);
      a[j] = na;
      b[j] = nb;
      c[j] = nc;
      d[j] = nd;
    }
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  for (int j = 0; j < count; ++j) {
    out[4 * j] = a[j];
    out[4 * j + 1] = b[j];
    out[4 * j + 2] = c[j];
    out[4 * j + 3] = d[j];
  }
}

}  // namespace

std::uint64_t purpose_id(std::string_view purpose) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char ch : purpose) {
    h ^= ch;
    h *= 0x100000001b3ULL;
  }
  return h;
}

Rng::Rng(std::uint64_t seed, std::string_view purpose, std::uint64_t index)
    : Rng(seed, purpose_id(purpose), index) {}

Rng::Rng(std::uint64_t seed, std::uint64_t purpose, std::uint64_t index) {
  // Key: the seed mixed with the purpose; counter high words: the stream index; low words: position.
  const std::uint64_t k = splitmix64(seed ^ splitmix64(purpose));
  key_ = {static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(k >> 32)};
  const std::uint64_t ix = splitmix64(index ^ (purpose << 1));
  ctr_ = {0, 0, static_cast<std::uint32_t>(ix), static_cast<std::uint32_t>(ix >> 32)};
}

void Rng::refill() {
  buf_ = philox(ctr_, key_);
  if (++ctr_[0] == 0) ++ctr_[1];
  pos_ = 0;
}

std::uint32_t Rng::next_u32() {
  if (pos_ >= 4) refill();
  return buf_[pos_++];
}

std::uint64_t Rng::next_u64() {
  const std::uint64_t hi = next_u32();
  return (hi << 32) | next_u32();
}

double Rng::uniform() {
  // 53 random bits, offset by half a unit: never exactly 0 or 1, so log() is always finite.
  return (static_cast<double>(next_u64() >> 11) + 0.5) * 0x1.0p-53;
}

double Rng::uniform(double a, double b) { return a + (b - a) * uniform(); }

double Rng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  const double u1 = uniform(), u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  double s, c;
  sincos_fast(2.0 * std::numbers::pi * u2, s, c);
  spare_ = r * s;
  has_spare_ = true;
  return r * c;
}

std::uint64_t Rng::below(std::uint64_t n) {
  if (n <= 1) return 0;
  // Reject the top partial bucket so every residue is equally likely.
  const std::uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
  std::uint64_t x;
  do {
    x = next_u64();
  } while (x >= limit);
  return x % n;
}

std::vector<Index> Rng::permutation(Index n) {
  std::vector<Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Index{0});
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[below(i)]);
  return order;
}

void Rng::fill_normal(Mat& m) {
  // The same Box–Muller pairs as normal(), transformed in bulk so log, sqrt and sincos vectorise
  // (scalar libm calls made drawing a training batch in d = 64 cost more than the network step).
  double* p = m.data();
  Index i = 0;
  const Index n = m.size();
  if (n > 0 && has_spare_) {
    p[i++] = spare_;
    has_spare_ = false;
  }
  const Index pairs = (n - i) / 2;
  Eigen::ArrayXd u1(pairs), u2(pairs);
  Index k = 0;
  // Words left in the current block go through uniform(); once aligned, every pair of uniforms
  // is exactly one fresh Philox block, generated in bulk.
  for (; k < pairs && pos_ != 4; ++k) {
    u1[k] = uniform();
    u2[k] = uniform();
  }
  std::uint32_t words[4 * 64];
  auto to_uniform = [](std::uint32_t hi, std::uint32_t lo) {
    const std::uint64_t w = (static_cast<std::uint64_t>(hi) << 32) | lo;
    return (static_cast<double>(w >> 11) + 0.5) * 0x1.0p-53;
  };
  while (k < pairs) {
    const int count = static_cast<int>(std::min<Index>(64, pairs - k));
    const std::uint64_t lo = (static_cast<std::uint64_t>(ctr_[1]) << 32) | ctr_[0];
    philox_blocks(lo, ctr_[2], ctr_[3], key_, count, words);
    const std::uint64_t next = lo + static_cast<std::uint64_t>(count);
    ctr_[0] = static_cast<std::uint32_t>(next);
    ctr_[1] = static_cast<std::uint32_t>(next >> 32);
    for (int j = 0; j < count; ++j, ++k) {
      u1[k] = to_uniform(words[4 * j], words[4 * j + 1]);
      u2[k] = to_uniform(words[4 * j + 2], words[4 * j + 3]);
    }
  }
  const Eigen::ArrayXd r = (-2.0 * u1.log()).sqrt();
  for (Index k = 0; k < pairs; ++k) {
    double s, c;
    sincos_fast(2.0 * std::numbers::pi * u2[k], s, c);
    p[i + 2 * k] = r[k] * c;
    p[i + 2 * k + 1] = r[k] * s;
  }
  i += 2 * pairs;
  if (i < n) p[i] = normal();  // odd count: the spare stays cached, as with normal()
}

Mat Rng::normal(Index rows, Index cols) {
  Mat m(rows, cols);
  fill_normal(m);
  return m;
}

std::array<std::uint64_t, 7> Rng::state() const {
  std::uint64_t spare_bits;
  std::memcpy(&spare_bits, &spare_, sizeof spare_bits);
  auto pack = [](std::uint32_t lo, std::uint32_t hi) { return (std::uint64_t(hi) << 32) | lo; };
  return {pack(key_[0], key_[1]), pack(ctr_[0], ctr_[1]), pack(ctr_[2], ctr_[3]),
          pack(buf_[0], buf_[1]), pack(buf_[2], buf_[3]),
          static_cast<std::uint64_t>(pos_) | (std::uint64_t(has_spare_) << 8), spare_bits};
}

void Rng::set_state(const std::array<std::uint64_t, 7>& s) {
  auto lo = [](std::uint64_t w) { return static_cast<std::uint32_t>(w); };
  auto hi = [](std::uint64_t w) { return static_cast<std::uint32_t>(w >> 32); };
  key_ = {lo(s[0]), hi(s[0])};
  ctr_ = {lo(s[1]), hi(s[1]), lo(s[2]), hi(s[2])};
  buf_ = {lo(s[3]), hi(s[3]), lo(s[4]), hi(s[4])};
  pos_ = static_cast<int>(s[5] & 0xff);
  has_spare_ = (s[5] >> 8) & 1;
  std::memcpy(&spare_, &s[6], sizeof spare_);
}

}  // namespace fm
