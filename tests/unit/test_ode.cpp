// Fixed-step orders and Dopri5 tolerance on ODEs with known solutions.
#include <gtest/gtest.h>

#include <cmath>

#include "fmkit/core/error.hpp"
#include "fmkit/integrate/dopri5.hpp"
#include "fmkit/integrate/ode.hpp"

using namespace fm;
using namespace fm::integrate;

namespace {

// y' = −2t y + cos t·y (per row, different initial values): y = y0 exp(−t² + sin t).
void rhs(double t, const Mat& y, Mat& dy) { dy = (std::cos(t) - 2 * t) * y; }
double exact(double y0, double t) { return y0 * std::exp(-t * t + std::sin(t)); }

double fixed_error(Method m, long steps) {
  Mat y(3, 1);
  y << 1.0, -0.5, 2.0;
  integrate_fixed(m, rhs, y, 0.0, 1.5, steps);
  return std::max({std::abs(y(0) - exact(1.0, 1.5)), std::abs(y(1) - exact(-0.5, 1.5)),
                   std::abs(y(2) - exact(2.0, 1.5))});
}

TEST(FixedStep, OrdersOneTwoFourUnderStepHalving) {
  const std::pair<Method, double> cases[] = {{Method::Euler, 1}, {Method::Heun, 2}, {Method::Rk4, 4}};
  for (auto [m, order] : cases) {
    const double e1 = fixed_error(m, 64), e2 = fixed_error(m, 128), e3 = fixed_error(m, 256);
    const double p1 = std::log2(e1 / e2), p2 = std::log2(e2 / e3);
    EXPECT_NEAR(p1, order, 0.15) << to_string(m);
    EXPECT_NEAR(p2, order, 0.1) << to_string(m);
  }
}

TEST(FixedStep, BackwardIntegrationReturnsToStart) {
  Mat y(1, 1);
  y << 1.3;
  integrate_fixed(Method::Rk4, rhs, y, 0.0, 1.0, 200);
  integrate_fixed(Method::Rk4, rhs, y, 1.0, 0.0, 200);
  EXPECT_NEAR(y(0), 1.3, 1e-9);
}

TEST(FixedStep, CountsEvaluations) {
  Mat y = Mat::Ones(2, 1);
  EXPECT_EQ(integrate_fixed(Method::Euler, rhs, y, 0, 1, 10), 10);
  EXPECT_EQ(integrate_fixed(Method::Heun, rhs, y, 0, 1, 10), 20);
  EXPECT_EQ(integrate_fixed(Method::Rk4, rhs, y, 0, 1, 10), 40);
}

TEST(Dopri5, ReachesRequestedTolerance) {
  for (double tol : {1e-4, 1e-6, 1e-8, 1e-10}) {
    Mat y(3, 1);
    y << 1.0, -0.5, 2.0;
    Dopri5Options o;
    o.rtol = tol;
    o.atol = tol * 1e-2;
    const auto r = dopri5(rhs, y, 0.0, 3.0, o);
    ASSERT_EQ(r.status, Status::Converged) << r.brief();
    const double err = std::abs(y(2) - exact(2.0, 3.0)) / std::abs(exact(2.0, 3.0));
    // Global error tracks the local tolerance within a modest factor.
    EXPECT_LT(err, 20 * tol) << "tol " << tol;
    EXPECT_GT(r.nfe, 6 * r.accepted);  // FSAL: 6 evaluations per step plus the first
  }
}

TEST(Dopri5, BackwardInTime) {
  Mat y(1, 1);
  y << exact(1.0, 2.0);
  Dopri5Options o;
  o.rtol = 1e-10;
  o.atol = 1e-12;
  const auto r = dopri5(rhs, y, 2.0, 0.0, o);
  ASSERT_EQ(r.status, Status::Converged);
  EXPECT_NEAR(y(0), 1.0, 1e-8);
}

TEST(Dopri5, StepLimitIsReportedNotSilent) {
  Mat y(1, 1);
  y << 1.0;
  Dopri5Options o;
  o.max_steps = 3;
  o.rtol = 1e-12;
  o.atol = 1e-14;
  const auto r = dopri5(rhs, y, 0.0, 5.0, o);
  EXPECT_EQ(r.status, Status::MaxIterations);
  EXPECT_LT(r.t_reached, 5.0);
}

TEST(Dopri5, RejectsBadOptions) {
  Dopri5Options o;
  o.rtol = -1;
  EXPECT_THROW(o.validate(), fm::Error);
}

}  // namespace
