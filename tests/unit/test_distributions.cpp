// Distributions: exact log-densities against formulas, scores against finite differences,
// samplers against their moments, and spec validation.
#include <gtest/gtest.h>

#include <cmath>

#include "fmkit/core/error.hpp"
#include "fmkit/dist/dataset.hpp"
#include "fmkit/dist/gaussian.hpp"
#include "fmkit/dist/gmm.hpp"
#include "fmkit/dist/schedule.hpp"
#include "fmkit/dist/spec.hpp"
#include "fmkit/dist/toy2d.hpp"
#include "support/fd.hpp"

using namespace fm;
using fm::cfg::json;

namespace {

TEST(Gaussian, LogDensityMatchesFormulaAndScoreMatchesFiniteDifferences) {
  Square S(2, 2);
  S << 2.0, 0.6, 0.6, 0.5;
  Vec m(2);
  m << 1.0, -1.0;
  const dist::Gaussian g(m, S);
  Rng rng(1, "g");
  const Mat x = g.sample(20, rng);
  const Vec lp = g.log_density(x);
  for (Index i = 0; i < x.rows(); ++i) {
    const Vec y = x.row(i).transpose() - m;
    const double expect = -std::log(2 * M_PI) - 0.5 * std::log(S.determinant()) - 0.5 * y.dot(S.inverse() * y);
    EXPECT_NEAR(lp[i], expect, 1e-12);
  }
  EXPECT_LT(fmtest::max_rel(g.score(x), fmtest::fd_gradient([&](const Mat& y) { return g.log_density(y); }, x, 1e-5)),
            1e-8);
}

TEST(Gaussian, SamplesHaveTheRightCovariance) {
  Square S(2, 2);
  S << 2.0, 0.6, 0.6, 0.5;
  const dist::Gaussian g(Vec::Zero(2), S);
  Rng rng(2, "g");
  const Index n = 200000;
  const Mat x = g.sample(n, rng);
  const Square cov = x.transpose() * x / static_cast<double>(n);
  EXPECT_LT((cov - S).cwiseAbs().maxCoeff(), 5 * 2.0 * std::sqrt(2.0 / n));
}

TEST(Gmm, LogDensityScoreAndSampling) {
  const auto d = dist::make_distribution(
      json::parse(R"({"type":"gmm","weights":[0.3,0.7],"means":[[0,0],[3,1]],"stds":[0.5,1.0]})"), "target");
  Rng rng(3, "gmm");
  const Mat x = d->sample(50, rng);
  const Vec lp = d->log_density(x);
  for (Index i = 0; i < x.rows(); ++i) {
    const double a = x.row(i).squaredNorm(), b = (x.row(i) - RowVec::Map(std::vector<double>{3, 1}.data(), 2)).squaredNorm();
    const double p = 0.3 / (2 * M_PI * 0.25) * std::exp(-a / 0.5) + 0.7 / (2 * M_PI) * std::exp(-b / 2);
    EXPECT_NEAR(lp[i], std::log(p), 1e-12);
  }
  EXPECT_LT(fmtest::max_rel(d->score(x), fmtest::fd_gradient([&](const Mat& y) { return d->log_density(y); }, x, 1e-5)),
            1e-8);
  const Mat big = d->sample(100000, rng);
  const Vec mean = big.colwise().mean();
  EXPECT_NEAR(mean[0], 2.1, 0.02);
  EXPECT_NEAR(mean[1], 0.7, 0.02);
}

TEST(Spec, RejectsBadInputWithClearMessages) {
  auto msg = [](const std::string& s) {
    try {
      dist::make_distribution(json::parse(s), "target");
    } catch (const fm::Error& e) {
      EXPECT_EQ(e.exit_code(), 2);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(msg(R"({"type":"gmm","weights":[0.5,0.6],"means":[[0],[1]],"stds":[1,1]})"),
            "target.weights: weights sum to 1.100000, expected 1");
  EXPECT_EQ(msg(R"({"type":"gaussian","mean":[0,0],"cov":[[1,2],[2,1]]})"),
            "target.cov: covariance is not positive definite");
  EXPECT_EQ(msg(R"({"type":"gaussian","mean":[0,0],"std":1,"sdt":2})"),
            "unknown key 'sdt' in target; did you mean 'std'?");
  EXPECT_EQ(msg(R"({"type":"gauss"})"),
            "target.type: unknown distribution type 'gauss' (expected gaussian, gmm, sphere_gmm, toy2d, dataset, schedule, holder, atoms or brenier)");
  EXPECT_EQ(msg(R"({"type":"toy2d","name":"spiral"})"),
            "target.name: unknown toy 'spiral' (expected 8gaussians, moons, checkerboard, rings or swissroll)");
  EXPECT_EQ(msg(R"({"type":"gmm","weights":[0.5,0.5],"means":[[0],[1,2]],"stds":[1,1]})"),
            "target.means[1]: dimension 2, expected 1");
}

// The §8 mixture family G: equal weights, every mean at the stated radius, fixed by the seed.
TEST(Spec, SphereGmmHasItsMeansOnTheSphere) {
  const auto spec = cfg::json::parse(R"({"type":"sphere_gmm","components":16,"dim":32,"radius":4,"std":0.4,"seed":3})");
  const auto m = dist::as_mixture(dist::make_distribution(spec, "t"));
  ASSERT_TRUE(m);
  ASSERT_EQ(m->components().size(), 16u);
  for (const auto& c : m->components()) EXPECT_NEAR(c.mean().norm(), 4.0, 1e-12);
  EXPECT_NEAR(m->weights().maxCoeff() - m->weights().minCoeff(), 0.0, 1e-15);
  const auto again = dist::as_mixture(dist::make_distribution(spec, "t"));
  EXPECT_EQ((again->components()[5].mean() - m->components()[5].mean()).norm(), 0.0);
  EXPECT_THROW(dist::make_distribution(cfg::json::parse(R"({"type":"sphere_gmm","dim":4,"std":0})"), "t"), Error);
}

TEST(Toy2d, GeneratorsMatchTheirDefinitions) {
  Rng rng(5, "toy");
  const Index n = 50000;
  // 8gaussians: radius 5 means, so E‖y‖² = 25 + 2·noise².
  const Mat g8 = dist::make_distribution(json{{"type", "toy2d"}, {"name", "8gaussians"}}, "t")->sample(n, rng);
  EXPECT_NEAR(g8.rowwise().squaredNorm().mean(), 25 + 2 * std::sqrt(0.1), 0.1);
  // rings: radii {3, 2.25, 1.5, 0.75}, E r² = 16.875/4 = 4.21875, plus 2·0.08².
  const Mat rg = dist::make_distribution(json{{"type", "toy2d"}, {"name", "rings"}}, "t")->sample(n, rng);
  EXPECT_NEAR(rg.rowwise().squaredNorm().mean(), 4.21875 + 2 * 0.0064, 0.05);
  // checkerboard: coordinates in [−4, 4), and the cell parity rule holds everywhere.
  const Mat cb = dist::make_distribution(json{{"type", "toy2d"}, {"name", "checkerboard"}}, "t")->sample(n, rng);
  EXPECT_LE(cb.cwiseAbs().maxCoeff(), 4.0);
  for (Index i = 0; i < 1000; ++i) {
    const long a = static_cast<long>(std::floor(cb(i, 0) / 2)), b = static_cast<long>(std::floor(cb(i, 1) / 2));
    EXPECT_EQ(((a + b) % 2 + 2) % 2, 0) << cb.row(i);
  }
  for (const char* name : {"moons", "swissroll"}) {
    const Mat y = dist::make_distribution(json{{"type", "toy2d"}, {"name", name}}, "t")->sample(1000, rng);
    EXPECT_TRUE(y.allFinite());
    EXPECT_GT(y.cwiseAbs().maxCoeff(), 1.0);
  }
}

TEST(Toy2d, EightGaussiansIsTheMixtureItIsDrawnFrom) {
  const auto toy = dist::make_distribution(json{{"type", "toy2d"}, {"name", "8gaussians"}}, "t");
  const auto mix = dist::as_mixture(toy);
  ASSERT_TRUE(mix);
  ASSERT_EQ(mix->components().size(), 8u);
  // The toy's own labels are the mixture's components: each drawn point is most responsible to
  // the component of its label (a mode 3.8 apart at noise 0.56 is misread about 1 time in 1500).
  Rng rng(9, "toy");
  std::vector<Index> labels;
  const Mat y = toy->sample_labelled(20000, rng, labels);
  const Mat resp = mix->responsibilities(y);
  Index agree = 0;
  for (Index i = 0; i < y.rows(); ++i) {
    Index k = 0;
    resp.row(i).maxCoeff(&k);
    agree += k == labels[static_cast<std::size_t>(i)];
  }
  EXPECT_GT(agree, 19900);
  // And the same law: the mean log-density of the toy's draws matches that of the mixture's own
  // draws (both estimate −entropy) to within 4 standard errors.
  const Vec a = mix->log_density(y), b = mix->log_density(mix->sample(20000, rng));
  const double se = std::sqrt((a.array() - a.mean()).square().mean() / 20000 + (b.array() - b.mean()).square().mean() / 20000);
  EXPECT_NEAR(a.mean(), b.mean(), 4 * se);
  // The other toys are no mixture, nor is an 8gaussians without noise (eight atoms).
  EXPECT_FALSE(dist::as_mixture(dist::make_distribution(json{{"type", "toy2d"}, {"name", "moons"}}, "t")));
  EXPECT_FALSE(dist::as_mixture(dist::make_distribution(json{{"type", "toy2d"}, {"name", "rings"}}, "t")));
  EXPECT_FALSE(dist::as_mixture(
      dist::make_distribution(json{{"type", "toy2d"}, {"name", "8gaussians"}, {"noise", 0}}, "t")));
}

TEST(Dataset, StandardisesWithOneScalarScale) {
  Mat pts(4, 2);
  pts << 1, 10, 3, 10, 5, 14, 7, 14;
  const dist::Dataset ds(pts, true);
  EXPECT_LT(ds.points().colwise().mean().norm(), 1e-14);
  EXPECT_NEAR(ds.points().squaredNorm() / 8, 1.0, 1e-14);
  EXPECT_NEAR(ds.scale(), std::sqrt((9 + 1 + 1 + 9 + 4 + 4 + 4 + 4) / 8.0), 1e-14);
  EXPECT_THROW(dist::Dataset(Mat::Ones(3, 2), true), fm::Error);
}

}  // namespace

#include <algorithm>

#include "fmkit/core/quadrature.hpp"
#include "fmkit/dist/holder_density.hpp"

namespace {
// ∫_{−12}^{12} f(x) p(x) dx for the holder density p, with the kink at 0 as a breakpoint.
double holder_moment(const fm::dist::HolderDensity& h, const std::function<double(double)>& f) {
  const auto r = fm::integrate_adaptive([&](double x, double* o) { o[0] = f(x) * std::exp(h.log_density_at(x)); }, 1,
                                        -12, 12, {0.0}, 0, 1e-12);
  EXPECT_TRUE(r.converged);
  return r.value[0];
}
}  // namespace

TEST(HolderDensity, IntegratesToOneWithTheStatedMomentAndScore) {
  for (double beta : {0.5, 1.0, 1.5}) {
    const fm::dist::HolderDensity h(beta, 0.4);
    EXPECT_NEAR(holder_moment(h, [](double) { return 1.0; }), 1.0, 1e-10) << beta;
    // m_β = E_φ|X|^β: the perturbation a(|x|^β − m_β) has mean 0 under φ.
    const fm::dist::HolderDensity flat(beta, 0.0);
    EXPECT_NEAR(holder_moment(flat, [&](double x) { return std::pow(std::abs(x), beta); }), h.m_beta(), 1e-10);
    // The score is the derivative of the log-density away from the kink.
    for (double x : {-2.3, -0.7, 0.2, 1.1, 3.0}) {
      const double fd = (h.log_density_at(x + 1e-6) - h.log_density_at(x - 1e-6)) / 2e-6;
      EXPECT_NEAR(h.score_at(x), fd, 1e-7) << beta << " " << x;
    }
  }
}

TEST(HolderDensity, EnvelopeBoundsTheRatioTightly) {
  for (double beta : {0.5, 1.0, 1.5}) {
    const fm::dist::HolderDensity h(beta, 0.4);
    const double fine = h.ratio_sup(1000003);
    EXPECT_LE(fine, h.envelope());
    EXPECT_GT(fine, h.envelope() * (1 - 1e-6));  // not loose: a loose M only wastes draws
  }
}

TEST(HolderDensity, SamplerPassesAKolmogorovSmirnovTestThatCanFail) {
  const Index n = 20000;
  // Critical value of √n·D at α = 0.001 is 1.95.
  const double crit = 1.95 / std::sqrt(static_cast<double>(n));
  for (double beta : {0.5, 1.0, 1.5}) {
    const fm::dist::HolderDensity h(beta, 0.4);
    // The CDF on the sorted sample, accumulating the mass between neighbours.
    auto mass = [&](double a, double b) {
      if (!(b > a)) return 0.0;
      return fm::integrate_adaptive([&](double y, double* o) { o[0] = std::exp(h.log_density_at(y)); }, 1, a, b, {0.0},
                                    1e-15, 1e-10)
          .value[0];
    };
    auto ks = [&](fm::Mat x) {
      std::sort(x.data(), x.data() + x.size());
      double cdf = mass(-12, x(0, 0)), d = 0;
      for (Index i = 0; i < n; ++i) {
        if (i > 0) cdf += mass(x(i - 1, 0), x(i, 0));
        d = std::max({d, std::abs(cdf - static_cast<double>(i) / n), std::abs(static_cast<double>(i + 1) / n - cdf)});
      }
      return d;
    };
    fm::Rng rng(7, "holder/ks", static_cast<std::uint64_t>(beta * 10));
    EXPECT_LT(ks(h.sample(n, rng)), crit) << beta;
    // The same test rejects draws from the standard normal (a = 0): it has power here.
    fm::Rng rng2(7, "holder/ks-normal", static_cast<std::uint64_t>(beta * 10));
    EXPECT_GT(ks(rng2.normal(n, 1)), crit) << beta;
  }
}

TEST(HolderDensity, SpecRejectsANonPositiveDensityOrSmoothness) {
  EXPECT_NO_THROW(fm::dist::make_distribution(fm::cfg::json::parse(R"({"type":"holder","beta":1})"), "target"));
  try {
    fm::dist::make_distribution(fm::cfg::json::parse(R"({"type":"holder","beta":1,"a":2})"), "target");
    FAIL();
  } catch (const fm::Error& e) {
    EXPECT_NE(std::string(e.what()).find("target.a: expected 0 <= a < 1/m_beta"), std::string::npos) << e.what();
  }
  EXPECT_THROW(fm::dist::make_distribution(fm::cfg::json::parse(R"({"type":"holder","beta":0})"), "target"), fm::Error);
  EXPECT_THROW(fm::dist::make_distribution(fm::cfg::json::parse(R"({"type":"holder","beta":1,"c":1})"), "target"),
               fm::Error);
}
