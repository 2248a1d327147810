#include "fmkit/dist/brenier_map.hpp"

#include <cmath>

#include <Eigen/QR>

#include "fmkit/core/error.hpp"

namespace fm::dist {

BrenierMap::BrenierMap(Index dim, std::uint64_t seed) {
  if (dim < 1) usage_error("brenier: dim must be a positive integer");
  Rng rng(seed, "brenier/parameters");
  // Haar Q: QR of a Gaussian matrix with the signs of R's diagonal moved into Q.
  Square g(dim, dim);
  for (Index i = 0; i < dim; ++i)
    for (Index j = 0; j < dim; ++j) g(i, j) = rng.normal();
  const Eigen::HouseholderQR<Square> qr(g);
  Square q = qr.householderQ();
  const Square r = qr.matrixQR().triangularView<Eigen::Upper>();
  for (Index j = 0; j < dim; ++j)
    if (r(j, j) < 0) q.col(j) = -q.col(j);
  Vec lambda(dim);
  for (Index i = 0; i < dim; ++i) lambda[i] = std::exp(rng.uniform(std::log(0.5), std::log(2.0)));
  a_ = q * lambda.asDiagonal() * q.transpose();
  a_ = 0.5 * (a_ + a_.transpose()).eval();  // exactly symmetric
  w_.resize(16, dim);
  const double sd = std::sqrt(4.0 / static_cast<double>(dim));
  for (Index k = 0; k < 16; ++k)
    for (Index j = 0; j < dim; ++j) w_(k, j) = sd * rng.normal();
  c_.resize(16);
  for (Index k = 0; k < 16; ++k) c_[k] = rng.normal();
}

Mat BrenierMap::map(const Mat& x) const {
  if (x.cols() != dim()) usage_error("brenier: points have dimension " + std::to_string(x.cols()) + ", expected " +
                                     std::to_string(dim()));
  Mat z = x * w_.transpose();  // n × 16
  z.rowwise() += c_.transpose();
  const Mat sig = (1.0 / (1.0 + (-z.array()).exp())).matrix();
  return x * a_ + sig * w_;  // A symmetric: x A = (A x)ᵀ row-wise
}

Mat BrenierMap::sample(Index n, Rng& rng) const { return map(rng.normal(n, dim())); }

}  // namespace fm::dist
