#include "fmkit/bounds/dfm_moments.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <limits>

#include "fmkit/core/error.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/dist/gmm.hpp"

namespace fm::bounds {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

Moment infinite() { return {kInf, 0, "infinite"}; }

// Mean and s.e. of ‖v_i‖⁸ over rows fed in chunks: the paper config draws 1e6 samples in up to
// 2·256 dimensions, and holding them at once took 15 GB. Chunks merge by Chan's update of
// (count, mean, M2), which stays accurate where Σq² would cancel.
class MomentAccumulator {
 public:
  void add(const Mat& v) {
    const Vec q4 = v.rowwise().squaredNorm().array().square().square();
    const double m = static_cast<double>(q4.size());
    if (m == 0) return;
    const double mean = q4.mean();
    const double m2 = (q4.array() - mean).square().sum();
    const double total = n_ + m, delta = mean - mean_;
    mean_ += delta * m / total;
    m2_ += m2 + delta * delta * n_ * m / total;
    n_ = total;
  }
  Moment moment() const {
    const double var = m2_ / std::max(1.0, n_ - 1);
    return {mean_, std::sqrt(var / n_), "monte_carlo"};
  }

 private:
  double n_ = 0, mean_ = 0, m2_ = 0;
};

// Calls draw(rows) for consecutive chunks totalling n rows. The samplers draw row by row from
// one stream, so chunking leaves every draw unchanged.
template <class Draw>
void in_chunks(long n, Draw draw) {
  constexpr long kChunk = 16384;
  for (long done = 0; done < n; done += kChunk) draw(static_cast<Index>(std::min(kChunk, n - done)));
}

bool positive_definite(const Square& s) {
  Eigen::LLT<Square> llt(s);
  return llt.info() == Eigen::Success && llt.matrixL().toDenseMatrix().diagonal().minCoeff() > 1e-150;
}

Square joint_cov(const path::CouplingBlock& b) {
  const Index d = b.m0.size();
  Square J(2 * d, 2 * d);
  J << b.S0, b.C, b.C.transpose(), b.S1;
  return J;
}

Vec joint_mean(const path::CouplingBlock& b) {
  Vec m(2 * b.m0.size());
  m << b.m0, b.m1;
  return m;
}

// The mixture Σ_b w_b N(mean(b), cov(b)) (duplicate components are harmless: the score is the same).
template <class MeanFn, class CovFn>
dist::GaussianMixture mixture_of(const std::vector<path::CouplingBlock>& blocks, MeanFn mean, CovFn cov) {
  Vec w(static_cast<Index>(blocks.size()));
  std::vector<dist::Gaussian> comps;
  for (std::size_t j = 0; j < blocks.size(); ++j) {
    w[static_cast<Index>(j)] = blocks[j].weight;
    comps.emplace_back(mean(blocks[j]), cov(blocks[j]));
  }
  return dist::GaussianMixture(w, std::move(comps));
}

// E‖score‖⁸ of one marginal (source side or target side of the blocks).
Moment score_m8(const std::vector<path::CouplingBlock>& blocks, bool target, long n, std::uint64_t seed) {
  auto mean = [target](const path::CouplingBlock& b) { return target ? b.m1 : b.m0; };
  auto cov = [target](const path::CouplingBlock& b) { return target ? b.S1 : b.S0; };
  bool single = true;
  for (const auto& b : blocks) {
    if (!positive_definite(cov(b))) return infinite();
    single = single && (mean(b) - mean(blocks[0])).norm() == 0 && (cov(b) - cov(blocks[0])).norm() == 0;
  }
  if (single) {
    const Square prec = cov(blocks[0]).inverse();
    return {gaussian_m8(Vec::Zero(prec.rows()), prec), 0, "exact"};
  }
  const dist::GaussianMixture mix = mixture_of(blocks, mean, cov);
  Rng rng(seed, target ? "dfm/moments/target_score" : "dfm/moments/source_score");
  MomentAccumulator acc;
  in_chunks(n, [&](Index rows) { acc.add(mix.score(mix.sample(rows, rng))); });
  return acc.moment();
}

// π = μ ⊗ ν* (every C = 0, block weights the products of the marginal weights): then
// ∇_{x0} log π_{0|1} = ∇ log μ and K8 = S8(μ) exactly.
bool product_coupling(const std::vector<path::CouplingBlock>& blocks) {
  auto same = [](const Vec& a, const Square& A, const Vec& b, const Square& B) {
    return (a - b).norm() == 0 && (A - B).norm() == 0;
  };
  for (const auto& b : blocks)
    if (b.C.norm() != 0) return false;
  for (const auto& b : blocks) {
    double ws = 0, wt = 0;
    for (const auto& c : blocks) {
      if (same(c.m0, c.S0, b.m0, b.S0)) wt += c.weight;  // weight of b's source component
      if (same(c.m1, c.S1, b.m1, b.S1)) ws += c.weight;  // weight of b's target component
    }
    if (std::abs(b.weight - ws * wt) > 1e-12) return false;
  }
  return true;
}

}  // namespace

std::array<double, 5> gaussian_norm2_moments(const Vec& m, const Square& S) {
  Eigen::SelfAdjointEigenSolver<Square> es(S);
  const Vec lam = es.eigenvalues().cwiseMax(0.0);
  const Vec u = es.eigenvectors().transpose() * m;
  double k[5] = {0, 0, 0, 0, 0};
  const double fact[5] = {1, 1, 1, 2, 6};  // (n−1)!
  for (int n = 1; n <= 4; ++n) {
    double s = 0;
    for (Index i = 0; i < lam.size(); ++i) s += std::pow(lam[i], n - 1) * (lam[i] + n * u[i] * u[i]);
    k[n] = std::pow(2.0, n - 1) * fact[n] * s;
  }
  return {1.0, k[1], k[2] + k[1] * k[1], k[3] + 3 * k[2] * k[1] + std::pow(k[1], 3),
          k[4] + 4 * k[3] * k[1] + 3 * k[2] * k[2] + 6 * k[2] * k[1] * k[1] + std::pow(k[1], 4)};
}

double gaussian_m8(const Vec& m, const Square& S) { return gaussian_norm2_moments(m, S)[4]; }

double m8_standard(double d) { return d * (d + 2) * (d + 4) * (d + 6); }

DfmMoments dfm_moments(const path::GaussianMixturePath& path, long samples, std::uint64_t seed) {
  FM_REQUIRE(samples > 1, "dfm_moments: samples must be > 1");
  const auto& blocks = path.blocks();
  const Index d = path.dim();
  const double s2 = path.sigma2();
  FM_REQUIRE(s2 > 0, "dfm_moments: the tilted coupling needs sigma2 > 0");
  DfmMoments r;
  for (const auto& b : blocks) {
    r.M8_mu.value += b.weight * gaussian_m8(b.m0, b.S0);
    r.M8_nu.value += b.weight * gaussian_m8(b.m1, b.S1);
  }
  r.S8_mu = score_m8(blocks, false, samples, seed);
  r.S8_nu = score_m8(blocks, true, samples, seed);

  // (x1 − x0)/σ² as a linear map of z = (x0, x1).
  Mat D(d, 2 * d);
  D << -Square::Identity(d, d), Square::Identity(d, d);
  D /= s2;
  if (blocks.size() == 1) {
    const path::CouplingBlock& b = blocks[0];
    const Square J = joint_cov(b);
    const bool independent = b.C.norm() == 0;
    if (positive_definite(J)) {
      const Square Jinv = J.inverse();
      r.J8 = {gaussian_m8(Vec::Zero(2 * d), Jinv), 0, "exact"};
      r.K8 = {gaussian_m8(Vec::Zero(d), Jinv.topLeftCorner(d, d)), 0, "exact"};
      const Mat L = -Jinv.topRows(d) - D;  // ∇_{x0} log π − (x1 − x0)/σ² = L (z − m_z) − (m1 − m0)/σ²
      r.S8_tilt = {gaussian_m8(-(b.m1 - b.m0) / s2, L * J * L.transpose()), 0, "exact"};
    } else if (independent && positive_definite(b.S0)) {
      // A point-mass target: ∇_{x0} log π = ∇ log μ(x0) is still finite, the joint score is not.
      r.J8 = infinite();
      r.K8 = r.S8_mu;
      Mat L = -D;
      L.leftCols(d) -= b.S0.inverse();
      r.S8_tilt = {gaussian_m8(-(b.m1 - b.m0) / s2, L * J * L.transpose()), 0, "exact"};
    } else {
      r.J8 = r.K8 = r.S8_tilt = infinite();
    }
    return r;
  }
  for (const auto& b : blocks)
    if (!positive_definite(joint_cov(b))) {
      r.J8 = r.K8 = r.S8_tilt = infinite();
      return r;
    }
  if (product_coupling(blocks)) {
    // π = μ ⊗ ν*: independent d-dimensional draws (never a 2d-dimensional joint), ∇log π = (s_μ, s_ν).
    const auto src = mixture_of(blocks, [](const path::CouplingBlock& b) { return b.m0; },
                                [](const path::CouplingBlock& b) { return b.S0; });
    const auto tgt = mixture_of(blocks, [](const path::CouplingBlock& b) { return b.m1; },
                                [](const path::CouplingBlock& b) { return b.S1; });
    Rng r0(seed, "dfm/moments/x0"), r1(seed, "dfm/moments/x1");
    MomentAccumulator j8, tilt;
    in_chunks(samples, [&](Index rows) {
      const Mat x0 = src.sample(rows, r0), x1 = tgt.sample(rows, r1);
      const Mat s0 = src.score(x0), s1 = tgt.score(x1);
      Mat joint_score(rows, 2 * d);
      joint_score << s0, s1;
      j8.add(joint_score);
      tilt.add(s0 - (x1 - x0) / s2);
    });
    r.J8 = j8.moment();
    r.K8 = r.S8_mu;
    r.S8_tilt = tilt.moment();
    return r;
  }
  // A mixture coupling: the joint score in closed form at joint samples; its first d coordinates
  // are ∇_{x0} log π(x0, x1) = ∇_{x0} log π_{0|1}(x0 | x1).
  const dist::GaussianMixture joint = mixture_of(blocks, joint_mean, joint_cov);
  Rng rng(seed, "dfm/moments/joint");
  MomentAccumulator j8, k8, tilt;
  in_chunks(samples, [&](Index rows) {
    const Mat z = joint.sample(rows, rng);
    const Mat score = joint.score(z);
    j8.add(score);
    k8.add(score.leftCols(d));
    tilt.add(score.leftCols(d) - z * D.transpose());
  });
  r.J8 = j8.moment();
  r.K8 = k8.moment();
  r.S8_tilt = tilt.moment();
  return r;
}

}  // namespace fm::bounds
