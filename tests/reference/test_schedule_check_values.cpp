// Known answers from theory/kl_bound.md §4a and §6 for the a(t)x schedules.
#include <gtest/gtest.h>

#include <cmath>

#include "fmkit/core/quadrature.hpp"
#include "fmkit/dist/schedule.hpp"

using fm::dist::Schedule;

namespace {

double kl_linear(const Schedule& p, const Schedule& q, double t, int d = 2) {
  const double r = std::exp(2 * (p.A(t) - q.A(t)));
  return 0.5 * d * (r - 1 - std::log(r));
}

TEST(ScheduleCheckValues, TerminalVariances) {
  EXPECT_NEAR(std::pow(Schedule("a1").sigma(1), 2), 3.572407, 5e-7);
  EXPECT_NEAR(std::pow(Schedule("a2").sigma(1), 2), 1.491825, 5e-7);
  EXPECT_NEAR(std::pow(Schedule("a3").sigma(1), 2), 1.0, 1e-15);
  EXPECT_NEAR(std::pow(Schedule("a3").sigma(0.5), 2), std::exp(-0.25), 1e-15);
}

TEST(ScheduleCheckValues, AIsTheIntegralOfa) {
  for (const char* n : {"a1", "a2", "a3"}) {
    const Schedule s(n);
    for (double t : {0.2, 0.5, 1.0})
      EXPECT_NEAR(s.A(t), fm::quadrature([&](double u) { return s.a(u); }, 0, t), 1e-14) << n;
  }
}

TEST(ScheduleCheckValues, E0ClosedFormRows) {
  const Schedule a1("a1"), a2("a2"), a3("a3");
  const double r12[] = {4.0660e-5, 0.032798, 0.304994, 0.521416};
  const double r23[] = {0.083675, 0.257366, 0.208399, 0.091825};
  for (int i = 0; i < 4; ++i) {
    const double t = 0.25 * (i + 1);
    EXPECT_NEAR(kl_linear(a1, a2, t), r12[i], 5e-5 * r12[i] + 5e-7) << t;
    EXPECT_NEAR(kl_linear(a2, a3, t), r23[i], 5e-5 * r23[i] + 5e-7) << t;
  }
}

// Constant δ = β: KL(p1‖q1) = e^{−2β} − 1 + 2β in d = 2, the same for every schedule.
TEST(ScheduleCheckValues, E2AConstantShiftKl) {
  auto kl = [](double beta) { return std::exp(-2 * beta) - 1 + 2 * beta; };
  EXPECT_NEAR(kl(0.05), 4.8374e-3, 5e-8);
  EXPECT_NEAR(kl(0.1), 1.8731e-2, 5e-7);
}

// a1, δ = 0.1: ε² = d∫δ²e^{2A}, S = d∫(1 − e^{−2D})² e^{−2A}, ε√S (exact integrals).
TEST(ScheduleCheckValues, E2ARowA1Beta01) {
  const Schedule a1("a1");
  const double beta = 0.1;
  const double eps2 = 2 * fm::quadrature([&](double t) { return beta * beta * std::exp(2 * a1.A(t)); }, 0, 1);
  const double S = 2 * fm::quadrature(
                           [&](double t) {
                             const double r = 1 - std::exp(-2 * beta * t);
                             return r * r * std::exp(-2 * a1.A(t));
                           },
                           0, 1);
  EXPECT_NEAR(std::sqrt(eps2), 0.204279, 5e-7);
  EXPECT_NEAR(S, 8.7850e-3, 5e-8);
  EXPECT_NEAR(std::sqrt(eps2 * S), 1.9147e-2, 5e-7);
}

}  // namespace
