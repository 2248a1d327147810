// The check values of theory/dfm.md §8 (to 4 significant digits, the grid method to 5+) and the
// closed forms of §4.1, §4.4 and §6.
#include <gtest/gtest.h>

#include <cmath>

#include "fmkit/bounds/dfm_bound.hpp"
#include "fmkit/bounds/dfm_evaluate.hpp"
#include "fmkit/bounds/dfm_moments.hpp"

using namespace fm;
using namespace fm::bounds;

namespace {

DfmProblem problem(const std::string& spec, double sigma2) {
  return make_dfm_problem(cfg::json::parse(spec), sigma2, "problem");
}

const char* kStationary = R"({"target": {"type": "gaussian", "mean": [0], "std": 1}})";
const char* kShifted = R"({"target": {"type": "gaussian", "mean": [2], "std": 0.5}})";

cfg::json run(const DfmProblem& p, long N, const DfmDrift& drift = {}, const std::string& km = "auto") {
  DfmOptions o;
  o.steps = N;
  o.kl_method = km;
  return evaluate_dfm(p, drift, dfm_moments(*p.path, 1000, 1), o).to_json();
}

DfmDrift constant_shift(double eps) {
  DfmDrift d;
  d.perturbed = true;
  d.perturbation.type = "constant";
  d.eps = eps;
  return d;
}

void expect_sig4(double got, double want) { EXPECT_NEAR(got, want, 5e-5 * std::abs(want)) << "want " << want; }

const long kN[] = {8, 16, 32, 64, 128, 256, 512};

TEST(DfmCheckValues, StationaryKlMarg) {
  const double want[] = {8.0069e-4, 1.9114e-4, 4.6696e-5, 1.1540e-5, 2.8685e-6, 7.1506e-7, 1.7851e-7};
  const DfmProblem p = problem(kStationary, 2.0);
  for (int i = 0; i < 7; ++i) {
    const auto r = run(p, kN[i]);
    EXPECT_EQ(r["kl_method"], "gaussian");
    expect_sig4(r["kl_marg"], want[i]);
  }
}

TEST(DfmCheckValues, StationaryShiftedDrift) {
  const double want[] = {2.1029e-3, 1.4816e-3, 1.3313e-3, 1.2932e-3, 1.2830e-3, 1.2801e-3, 1.2792e-3};
  const DfmProblem p = problem(kStationary, 2.0);
  for (int i = 0; i < 7; ++i) {
    const auto r = run(p, kN[i], constant_shift(0.08));
    EXPECT_NEAR(r["eps2"].get<double>(), 0.0064, 1e-15);
    expect_sig4(r["kl_marg"], want[i]);
  }
}

TEST(DfmCheckValues, StationaryKlPathAndConstantShiftIdentity) {
  const double want[] = {2.9988e-2, 1.5305e-2, 7.7318e-3, 3.8860e-3, 1.9480e-3, 9.7529e-4, 4.8796e-4};
  const DfmProblem p = problem(kStationary, 2.0);
  for (int i = 0; i < 7; ++i) {
    const auto r = run(p, kN[i]);
    expect_sig4(r["kl_path"], want[i]);
    const double h = 1.0 / static_cast<double>(kN[i]);
    EXPECT_NEAR(r["kl_path"].get<double>(), 0.5 * static_cast<double>(kN[i]) * (h - 1 + std::exp(-h)), 1e-10);
    EXPECT_NEAR(r["D_h"].get<double>(), 2 * 2.0 * r["kl_path"].get<double>(), 1e-12);
    // I4: a constant shift raises KL_path by exactly ε²/(2σ²) = 0.0016.
    EXPECT_NEAR(run(p, kN[i], constant_shift(0.08))["kl_path"].get<double>() - r["kl_path"].get<double>(), 0.0016,
                1e-9);
  }
  // Leading order: 4N KL_path → ∫ tr(A Aᵀ) dt = 1, 0.9974 at N = 128.
  EXPECT_NEAR(4 * 128 * run(p, 128)["kl_path"].get<double>(), 0.9974, 5e-5);
}

TEST(DfmCheckValues, ShiftedTargetExactAndGrid) {
  const double want[] = {7.4238e-3, 1.7918e-3, 4.3843e-4, 1.0834e-4, 2.6923e-5, 6.7102e-6, 1.6750e-6};
  const DfmProblem p = problem(kShifted, 1.0);
  for (int i = 0; i < 7; ++i) expect_sig4(run(p, kN[i])["kl_marg"], want[i]);
  // The Nyström grid reproduces the exact law: 7.423785e-3 at N = 8 and 1.674984e-6 at N = 512.
  const auto g8 = run(p, 8, {}, "grid"), g512 = run(p, 512, {}, "grid");
  EXPECT_EQ(g8["kl_method"], "grid");
  EXPECT_NEAR(g8["kl_marg"].get<double>(), 7.423785e-3, 5e-6 * 7.423785e-3);
  EXPECT_NEAR(g512["kl_marg"].get<double>(), 1.674984e-6, 5e-6 * 1.674984e-6);
  EXPECT_NEAR(g512["grid_mass"].get<double>(), 1.0, 1e-9);
}

TEST(DfmCheckValues, IsotropicIsDTimesOneDimensional) {
  for (int d : {3, 16}) {
    const DfmProblem pd = problem(R"({"dim": )" + std::to_string(d) + R"(, "target": {"type": "gaussian", "mean": [2], "std": 0.5}})", 1.0);
    EXPECT_TRUE(pd.diagonal);
    const auto r = run(pd, 32), r1 = run(problem(kShifted, 1.0), 32);
    EXPECT_NEAR(r["kl_marg"].get<double>(), d * r1["kl_marg"].get<double>(), 1e-12 * d);
    EXPECT_NEAR(r["kl_path"].get<double>(), d * r1["kl_path"].get<double>(), 1e-12 * d);
  }
}

// A non-diagonal problem goes through the full d×d propagation; rotating an isotropic-per-axis
// problem must not change the KL (checks the matrix Φ, Σ and trace terms against the diagonal path).
TEST(DfmCheckValues, FullMatrixPathMatchesDiagonal) {
  const auto diag = run(problem(R"({"target": {"type": "gaussian", "mean": [1, -1], "cov": [[0.3, 0], [0, 1.7]]}})", 1.3), 24);
  // The same problem in a basis rotated by 30°: S1 = R diag R^T, m1 = R m.
  const double c = std::cos(M_PI / 6), s = std::sin(M_PI / 6);
  Square R(2, 2);
  R << c, -s, s, c;
  Square D = Square::Zero(2, 2);
  D(0, 0) = 0.3;
  D(1, 1) = 1.7;
  const Square S1 = R * D * R.transpose();
  Vec m(2);
  m << 1, -1;
  const Vec m1 = R * m;
  cfg::json spec = {{"target", {{"type", "gaussian"}, {"mean", {m1[0], m1[1]}},
                                {"cov", {{S1(0, 0), S1(0, 1)}, {S1(1, 0), S1(1, 1)}}}}}};
  const DfmProblem rot = make_dfm_problem(spec, 1.3, "problem");
  EXPECT_FALSE(rot.diagonal);
  const auto r = run(rot, 24);
  EXPECT_NEAR(r["kl_marg"].get<double>(), diag["kl_marg"].get<double>(), 1e-10);
  EXPECT_NEAR(r["kl_path"].get<double>(), diag["kl_path"].get<double>(), 1e-8);
}

TEST(DfmCheckValues, EighthMoments) {
  EXPECT_DOUBLE_EQ(gaussian_m8(Vec::Zero(1), Square::Identity(1, 1)), 105);
  EXPECT_DOUBLE_EQ(gaussian_m8(Vec::Zero(2), Square::Identity(2, 2)), 384);
  EXPECT_NEAR(gaussian_m8(Vec::Zero(5), Square::Identity(5, 5)), 3465, 1e-9);
  Square S = Square::Zero(2, 2);
  S(0, 0) = 0.7;
  S(1, 1) = 1.8;
  Vec m(2);
  m << 0.5, -1.2;
  EXPECT_NEAR(gaussian_m8(m, S), 8187.968, 1e-3);
  // Score of N(0, s1²): E|x/s1²|⁸ = 105/s1⁸.
  const DfmMoments mo = dfm_moments(*problem(R"({"target": {"type": "gaussian", "mean": [0], "std": 0.3}})", 1.0).path, 10, 1);
  EXPECT_NEAR(mo.S8_nu.value, 105 / std::pow(0.3, 8), 1e-6 * 105 / std::pow(0.3, 8));
}

TEST(DfmCheckValues, BracketsOfStandardGaussians) {
  for (double s2 : {1.0, 2.0}) {
    for (int d : {1, 3}) {
      const DfmProblem p = problem(R"({"dim": )" + std::to_string(d) + R"(, "target": {"type": "gaussian", "mean": [0], "std": 1}})", s2);
      const DfmMoments m = dfm_moments(*p.path, 10, 1);
      EXPECT_NEAR(m.J8.value, m8_standard(2 * d), 1e-9 * m8_standard(2 * d));
      EXPECT_NEAR(m.K8.value, m8_standard(d), 1e-9 * m8_standard(d));
      EXPECT_NEAR(m.S8_tilt.value, m8_standard(d) / std::pow(s2, 4), 1e-9 * m8_standard(d));
      const DfmBrackets b = dfm_brackets(0, "G1", 8, 0, d, m);
      if (s2 == 1.0) {
        const double dd = d;
        EXPECT_NEAR(b.F_orig, 6 * std::pow(dd, 4) + 60 * std::pow(dd, 3) + 220 * dd * dd + 240 * dd, 1e-6);
      }
      EXPECT_NEAR(b.F_fu, d * (d * d + std::sqrt(m8_standard(2 * d))), 1e-9);
    }
  }
  const DfmMoments m1 = dfm_moments(*problem(kStationary, 1.0).path, 10, 1);
  EXPECT_NEAR(dfm_brackets(0, "G1", 8, 0, 1, m1).F_orig, 526, 1e-9);
  EXPECT_NEAR(dfm_brackets(0, "G1", 8, 0, 1, m1).F_fu, 20.5959, 1e-4);
}

// ρ-coupling of standard Gaussians: K8 = m8(d)/(1 − ρ²)⁴ and J has eigenvalues 1 ± ρ.
TEST(DfmCheckValues, CorrelatedCouplingMoments) {
  const double rho = 0.6;
  const DfmProblem p = problem(R"({"dim": 2, "target": {"type": "gaussian", "mean": [0], "std": 1}, "coupling": {"type": "gaussian", "rho": 0.6}})", 2.0);
  const DfmMoments m = dfm_moments(*p.path, 10, 1);
  EXPECT_NEAR(m.K8.value, m8_standard(2) / std::pow(1 - rho * rho, 4), 1e-8 * m.K8.value);
  // J⁻¹ has eigenvalues 1/(1 ± ρ), each twice: compare with the cumulant formula on that spectrum.
  Square ev = Square::Zero(4, 4);
  ev.diagonal() << 1 / (1 + rho), 1 / (1 + rho), 1 / (1 - rho), 1 / (1 - rho);
  EXPECT_NEAR(m.J8.value, gaussian_m8(Vec::Zero(4), ev), 1e-8 * m.J8.value);
}

}  // namespace
