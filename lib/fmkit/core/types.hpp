// Shared numeric aliases: a batch of points is an n×d row-major matrix, one point per row,
// so rows are contiguous (per-point work, HDF5 and .npy I/O need no transposes).
#pragma once
#include <Eigen/Dense>
#include <cstdint>

namespace fm {

using Index = Eigen::Index;
using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vec = Eigen::VectorXd;
using RowVec = Eigen::RowVectorXd;
// A 2-vector literal for the many 2-D toys and tests: Vec2(a, b).
inline Vec Vec2(double a, double b) {
  Vec v(2);
  v << a, b;
  return v;
}
// A square d×d matrix that is not a batch (covariances, weights).
using Square = Eigen::MatrixXd;
// Map of one row of a batch as a d×d row-major matrix (per-point Jacobians are stored
// as rows of an n×(d·d) batch).
using SquareMap = Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
using ConstSquareMap =
    Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;

}  // namespace fm
