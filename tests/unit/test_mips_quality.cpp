// Approximate MIPS as a pairing option (issue 23 §3): each index against the exact search on a
// small problem (recall and the χ² of its assignment, checked against counts computed here), the
// χ² of assignments against the U-statistic's definition, and the option's validation.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "fmkit/core/error.hpp"
#include "fmkit/core/rng.hpp"
#include "fmkit/dist/gaussian.hpp"
#include "fmkit/ot/mips.hpp"
#include "fmkit/ot/mips_quality.hpp"
#include "fmkit/ot/semidiscrete.hpp"

using namespace fm;
using namespace fm::ot;

namespace {

struct Problem {
  Mat y;
  Vec g, b;
  std::vector<Mat> batches;
};

// Atoms y ~ N(0, I) and the semidiscrete potential fitted from N(0, I) (χ² near 0), so that an
// index's misses show in the χ² of its assignment; `fit` false keeps g = 0.
Problem problem(Index N, Index d, bool fit) {
  Rng rng(21, "mips-quality", static_cast<std::uint64_t>(d));
  Problem p;
  p.y = rng.normal(N, d);
  p.b = Vec::Constant(N, 1.0 / static_cast<double>(N));
  p.g = Vec::Zero(N);
  if (fit) {
    SemidiscreteOptions o;
    o.target_chi2 = 0.02;
    o.seed = 21;
    p.g = semidiscrete(dist::Gaussian::standard(d), p.y, p.b, o).g;
  }
  for (int r = 0; r < 4; ++r) p.batches.push_back(rng.normal(2048, d));
  return p;
}

// The χ² of hard assignments is Σ_j c_j(c_j − 1)/(B(B − 1) b_j) − 1 per batch, averaged.
TEST(MipsQuality, Chi2OfAssignmentsIsTheCollisionUStatistic) {
  const Vec b = (Vec(3) << 0.5, 0.3, 0.2).finished();
  const std::vector<std::vector<Index>> atoms = {{0, 0, 1, 2, 0, 1}, {2, 2, 2, 0, 1, 1}};
  const double B = 6;
  const double u1 = (3 * 2 / 0.5 + 2 * 1 / 0.3 + 0) / (B * (B - 1)) - 1;
  const double u2 = (0 + 2 * 1 / 0.3 + 3 * 2 / 0.2) / (B * (B - 1)) - 1;
  const Chi2 c = chi2_of_assignments(atoms, b);
  EXPECT_NEAR(c.value, 0.5 * (u1 + u2), 1e-14);
  EXPECT_NEAR(c.se, std::abs(u1 - u2) / 2, 1e-14);  // sd of two values / √2
}

TEST(MipsQuality, EachIndexAgainstTheExactSearch) {
  const Problem p = problem(1000, 8, true);
  const auto exact = make_mips(p.y, p.g, p.b, MipsOptions{});
  auto measure = [&](const MipsOptions& o) {
    const auto index = make_mips(p.y, p.g, p.b, o);
    const MipsQuality q = mips_quality(o.method, *index, *exact, p.batches, p.b);
    // Recount from the indexes themselves.
    double hits = 0;
    std::vector<std::vector<Index>> got;
    for (const Mat& x : p.batches) {
      got.push_back(index->argmax(x));
      const auto want = exact->argmax(x);
      for (std::size_t i = 0; i < want.size(); ++i) hits += got.back()[i] == want[i];
    }
    EXPECT_EQ(q.probes, 4 * 2048);
    EXPECT_DOUBLE_EQ(q.recall, hits / (4 * 2048.0)) << o.method;
    EXPECT_DOUBLE_EQ(q.chi2.value, chi2_of_assignments(got, p.b).value) << o.method;
    return q;
  };
  MipsOptions o;
  o.method = "flat";  // exact in float: misses only within rounding of a cell boundary
  const MipsQuality flat = measure(o);
  EXPECT_GT(flat.recall, 0.999);
  EXPECT_NEAR(flat.chi2.value, flat.chi2_exact.value, 0.01);
  o.method = "hnsw";
  o.hnsw_ef = 256;
  EXPECT_GT(measure(o).recall, 0.97);
  // IVF searching every list is exhaustive; one list of 32 is not.
  o.method = "ivf";
  o.ivf_nlist = 32;
  o.ivf_nprobe = 32;
  const MipsQuality all = measure(o);
  EXPECT_GT(all.recall, 0.999);
  o.ivf_nprobe = 1;
  const MipsQuality one = measure(o);
  EXPECT_LT(one.recall, 0.9);
  EXPECT_GT(one.recall, 0.2);
  // Misses move mass between cells: the marginal's χ² grows past the exact search's.
  EXPECT_GT(one.chi2.value, all.chi2.value + 3 * one.chi2.se);
}

TEST(MipsQuality, OptionsAreValidated) {
  const Problem p = problem(100, 4, false);
  auto refused = [&](MipsOptions o) { EXPECT_THROW(make_mips(p.y, p.g, p.b, o), fm::Error) << o.method; };
  MipsOptions o;
  o.method = "annoy";
  refused(o);
  for (int m : {0, 1, 513, std::numeric_limits<int>::max()}) {
    o = MipsOptions{};
    o.method = "hnsw";
    o.hnsw_m = m;
    refused(o);
  }
  o = MipsOptions{};
  o.method = "hnsw";
  o.hnsw_ef = 0;
  refused(o);
  o = MipsOptions{};
  o.method = "ivf";
  o.ivf_nlist = 101;  // more lists than atoms
  refused(o);
  o.ivf_nlist = 10;
  o.ivf_nprobe = 11;  // more probes than lists
  refused(o);
  o.ivf_nprobe = 0;
  refused(o);
  o.ivf_nlist = -1;
  refused(o);
  // The JSON form: unknown keys, wrong types and out-of-range counts name the key.
  for (const char* bad : {R"({"method": "hnsw", "m": 4})", R"({"method": 3})", R"({"hnsw_ef": 1e12})",
                          R"({"ivf_nprobe": -1})", R"({"hnsw_m": 2.5})", R"("hnsw")",
                          R"({"method": "ivf", "hnsw_m": 8})", R"({"ivf_nprobe": 4})"}) {
    EXPECT_THROW(parse_mips_spec(cfg::json::parse(bad), "coupling.mips"), fm::Error) << bad;
  }
  EXPECT_EQ(parse_mips_spec(cfg::json::parse(R"({"method": "ivf", "ivf_nprobe": 4})"), "m").ivf_nprobe, 4);
}

}  // namespace
