// The Brenier-map target (dist/brenier_map): ∇φ has a symmetric positive-definite Jacobian (it is
// the gradient of a strictly convex function), and — what makes it a ground truth — pairing x_i with
// ∇φ(x_i) is the optimal assignment between the two point sets (checked by network simplex).
#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>

#include "fmkit/core/error.hpp"
#include "fmkit/dist/brenier_map.hpp"
#include "fmkit/dist/spec.hpp"
#include "fmkit/ot/network_simplex.hpp"

using namespace fm;

namespace {

TEST(BrenierMap, QuadraticPartHasTheStatedSpectrum) {
  const dist::BrenierMap br(8, 3);
  const Eigen::SelfAdjointEigenSolver<Square> es(br.matrix());
  EXPECT_GE(es.eigenvalues().minCoeff(), 0.5 - 1e-12);
  EXPECT_LE(es.eigenvalues().maxCoeff(), 2.0 + 1e-12);
}

TEST(BrenierMap, JacobianIsSymmetricPositiveDefinite) {
  const dist::BrenierMap br(6, 1);
  Rng rng(2, "br-jac");
  const Mat x = rng.normal(5, 6);
  const double h = 1e-5;
  for (Index i = 0; i < x.rows(); ++i) {
    Square j(6, 6);
    for (Index k = 0; k < 6; ++k) {
      Mat xp = x.row(i), xm = x.row(i);
      xp(0, k) += h;
      xm(0, k) -= h;
      j.col(k) = ((br.map(xp) - br.map(xm)) / (2 * h)).transpose();
    }
    EXPECT_LT((j - j.transpose()).cwiseAbs().maxCoeff(), 1e-7);
    const Eigen::SelfAdjointEigenSolver<Square> es(0.5 * (j + j.transpose()));
    EXPECT_GE(es.eigenvalues().minCoeff(), 0.5 - 1e-6);  // ∇²φ ⪰ A ⪰ ½ I (softplus terms are convex)
  }
}

TEST(BrenierMap, IdentityPairingIsTheOptimalAssignment) {
  const dist::BrenierMap br(16, 4);
  Rng rng(5, "br-ot");
  const Mat x = rng.normal(300, 16);
  const auto r = ot::exact_assignment(ot::sq_euclidean_cost(x, br.map(x)));
  for (Index i = 0; i < 300; ++i) EXPECT_EQ(r.assignment[static_cast<std::size_t>(i)], i);
  // The test can fail: a map that is no convex gradient (a 90° rotation in every coordinate pair)
  // does not make the identity pairing optimal.
  Mat rot = x;
  for (Index k = 0; k < 16; k += 2) {
    rot.col(k) = -x.col(k + 1);
    rot.col(k + 1) = x.col(k);
  }
  const auto r2 = ot::exact_assignment(ot::sq_euclidean_cost(x, rot));
  Index moved = 0;
  for (Index i = 0; i < 300; ++i) moved += r2.assignment[static_cast<std::size_t>(i)] != i;
  EXPECT_GT(moved, 100);
}

TEST(BrenierMap, SpecBuildsAndValidates) {
  const auto d = dist::make_distribution(cfg::json::parse(R"({"type":"brenier","dim":8,"seed":2})"), "t");
  EXPECT_EQ(d->dim(), 8);
  EXPECT_THROW(dist::make_distribution(cfg::json::parse(R"({"type":"brenier","dim":0})"), "t"), Error);
  EXPECT_THROW(dist::make_distribution(cfg::json::parse(R"({"type":"brenier","dim":4,"scale":2})"), "t"), Error);
}

}  // namespace
