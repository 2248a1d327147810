#include "fmkit/dist/atoms.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "fmkit/core/error.hpp"

namespace fm::dist {

Atoms::Atoms(Mat y, Vec b) : y_(std::move(y)), b_(std::move(b)) {
  if (y_.rows() < 1 || b_.size() != y_.rows()) usage_error("atoms: expected one weight per atom");
  if (!y_.allFinite() || !b_.allFinite() || b_.minCoeff() < 0)
    usage_error("atoms: atoms and weights must be finite and the weights non-negative");
  if (std::abs(b_.sum() - 1.0) > 1e-9) usage_error("atoms: weights must sum to 1");
  cumulative_ = CumulativeWeights(b_);
}

Mat Atoms::sample(Index n, Rng& rng) const {
  Mat out(n, y_.cols());
  for (Index i = 0; i < n; ++i) {
    // The weights sum to 1 within 1e-9, so u is not scaled; a u above their rounded total takes
    // the last atom.
    out.row(i) = y_.row(cumulative_.pick(rng.uniform()));
  }
  return out;
}

bool Atoms::uniform() const { return (b_.array() - 1.0 / static_cast<double>(b_.size())).abs().maxCoeff() < 1e-12; }

double Atoms::min_separation() const {
  double best = std::numeric_limits<double>::infinity();
  for (Index i = 0; i < y_.rows(); ++i)
    for (Index j = i + 1; j < y_.rows(); ++j) best = std::min(best, (y_.row(i) - y_.row(j)).squaredNorm());
  return std::sqrt(best);
}

Atoms random_atoms(Index m, Index dim, const std::string& weights, std::uint64_t seed, const std::string& where) {
  if (m < 2) usage_error(where + ".m: expected at least 2 atoms");
  if (dim < 1) usage_error(where + ".dim: expected a positive integer");
  Rng ry(seed, "atoms/points"), rb(seed, "atoms/weights");
  Mat y(m, dim);
  for (Index i = 0; i < m; ++i)
    for (Index k = 0; k < dim; ++k) y(i, k) = ry.uniform(-1.0, 1.0);
  Vec b(m);
  if (weights == "uniform") {
    b.setConstant(1.0 / static_cast<double>(m));
  } else if (weights == "dirichlet") {
    // Dirichlet(1, …, 1) = normalised Exp(1) draws.
    for (Index j = 0; j < m; ++j) b[j] = -std::log(rb.uniform());
    b /= b.sum();
  } else {
    usage_error(where + ".weights: expected 'uniform' or 'dirichlet', got '" + weights + "'");
  }
  return Atoms(std::move(y), std::move(b));
}

}  // namespace fm::dist
