// Counter-based random streams (Philox4x32-10) with our own uniform/normal transforms, so the
// same (seed, purpose, index) gives the same numbers on every compiler and thread count.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "fmkit/core/types.hpp"

namespace fm {

// Stable 64-bit hash of a purpose label (FNV-1a), so streams are named, not numbered by hand.
std::uint64_t purpose_id(std::string_view purpose);

class Rng {
 public:
  // Stream `index` of `purpose` under master `seed`; distinct triples give independent streams.
  Rng(std::uint64_t seed, std::string_view purpose, std::uint64_t index = 0);
  Rng(std::uint64_t seed, std::uint64_t purpose, std::uint64_t index);

  std::uint32_t next_u32();
  std::uint64_t next_u64();
  double uniform();                 // in the open interval (0, 1)
  double uniform(double a, double b);
  double normal();                  // standard normal, Box–Muller on our own uniforms
  std::uint64_t below(std::uint64_t n);  // uniform integer in [0, n), unbiased
  std::vector<Index> permutation(Index n);  // uniform random permutation of 0..n−1 (Fisher–Yates)
  void fill_normal(Mat& m);          // row by row, so the layout fixes the order
  Mat normal(Index rows, Index cols);

  // Full state, for checkpoints: key, counter, buffered words, cached normal.
  std::array<std::uint64_t, 7> state() const;
  void set_state(const std::array<std::uint64_t, 7>& s);

 private:
  void refill();
  std::array<std::uint32_t, 2> key_{};
  std::array<std::uint32_t, 4> ctr_{};
  std::array<std::uint32_t, 4> buf_{};
  int pos_ = 4;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace fm
