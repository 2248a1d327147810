// Thread teams only where the work pays for them (core/threads.hpp), and results that do not depend
// on whether a kernel ran on one thread or on several.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

#include "fmkit/core/rng.hpp"
#include "fmkit/core/threads.hpp"
#include "fmkit/ot/cost.hpp"
#include "fmkit/ot/mips.hpp"
#include "fmkit/ot/semidiscrete.hpp"
#include "fmkit/ot/sinkhorn.hpp"
#include "fmkit/ot/soft_cells.hpp"

using namespace fm;

namespace {

// Restores the thread count a test changed, whatever it asserts.
struct ThreadCount {
  int saved = threads();
  ~ThreadCount() { set_threads(saved); }
};

}  // namespace

TEST(Threads, TeamsOnlyForWorkThatPaysForThem) {
  ThreadCount keep;
  set_threads(2);
  EXPECT_FALSE(worth_threads(0));
  EXPECT_FALSE(worth_threads(64.0 * 6));  // one semidiscrete SGD step of the reference tests
  EXPECT_FALSE(worth_threads((1 << 15) - 1));
  EXPECT_TRUE(worth_threads(1 << 15));
  EXPECT_TRUE(worth_threads(1e12));
  set_threads(1);
  EXPECT_FALSE(worth_threads(1e12));  // one thread: never a team
}

// Below and above the threshold, on 1 and 2 threads: the same bits (each entry is one thread's work).
TEST(Threads, KernelsGiveTheSameBitsSerialAndThreaded) {
  ThreadCount keep;
  for (const Index n : {Index(64), Index(4096)}) {
    Rng rng(5, "threads/kernels", static_cast<std::uint64_t>(n));
    const Mat x = rng.normal(n, 3), y = rng.normal(40, 3);
    const Vec g = rng.normal(40, 1).col(0), b = Vec::Constant(40, 1.0 / 40);
    set_threads(2);
    ASSERT_EQ(worth_threads(static_cast<double>(n) * 40), n == 4096);
    set_threads(1);
    const Mat w1 = ot::cell_weights(x, y, g, b, 0.3);
    const std::vector<Index> a1 = ot::make_mips(y, g, b, {})->argmax(x);
    set_threads(2);
    const Mat w2 = ot::cell_weights(x, y, g, b, 0.3);
    const std::vector<Index> a2 = ot::make_mips(y, g, b, {})->argmax(x);
    EXPECT_TRUE(w1 == w2) << n;
    EXPECT_EQ(a1, a2) << n;
  }
}

// The fused softmax column sums are summed in fixed row chunks, so a team gives the serial bits.
TEST(Threads, SoftCellSumsGiveTheSameBitsSerialAndThreaded) {
  ThreadCount keep;
  Rng rng(6, "threads/soft_sums");
  const Mat x = rng.normal(1000, 3), y = rng.normal(300, 3);
  const Vec g = rng.normal(300, 1).col(0), b = Vec::Constant(300, 1.0 / 300);
  set_threads(1);
  const ot::SoftCellSums s1 = ot::soft_cell_sums(x, y, g, b, 0.2, true);
  set_threads(2);
  ASSERT_TRUE(worth_threads(1000.0 * 300));
  const ot::SoftCellSums s2 = ot::soft_cell_sums(x, y, g, b, 0.2, true);
  EXPECT_TRUE(s1.col == s2.col);
  EXPECT_TRUE(s1.col2 == s2.col2);
}

TEST(Threads, SoftCellDrawGivesTheSameAtomsSerialAndThreaded) {
  ThreadCount keep;
  Rng rng(7, "threads/soft_draw");
  const Mat x = rng.normal(1000, 3), y = rng.normal(300, 3);
  const Vec g = rng.normal(300, 1).col(0), b = Vec::Constant(300, 1.0 / 300);
  std::vector<double> u(1000);
  for (double& v : u) v = rng.uniform();
  set_threads(1);
  const std::vector<Index> a1 = ot::soft_cell_draw(x, y, g, b, 0.2, u);
  set_threads(2);
  const std::vector<Index> a2 = ot::soft_cell_draw(x, y, g, b, 0.2, u);
  EXPECT_EQ(a1, a2);
}

// Units side by side: every unit runs once, wholly on one thread (a kernel inside it gets no team),
// and each writes its own slot, so the output is the serial one.
TEST(Threads, UnitsRunOnceEachOnOneThread) {
  ThreadCount keep;
  for (const int t : {1, 2}) {
    set_threads(t);
    std::vector<int> ran(37, 0), inner(37, 0);
    for_each_unit(ran.size(), [&](std::size_t k) {
      ran[k] += 1;
#pragma omp parallel
      {
#pragma omp atomic
        inner[k] += 1;  // the unit's own region: one thread when units run side by side
      }
    });
    EXPECT_EQ(ran, std::vector<int>(37, 1)) << t;
    EXPECT_EQ(inner, std::vector<int>(37, 1)) << t;
  }
  for_each_unit(0, [](std::size_t) { FAIL() << "no unit to run"; });
}

// A failing unit: the lowest-numbered error is rethrown, and units not yet started are skipped.
TEST(Threads, UnitsRethrowTheFirstError) {
  ThreadCount keep;
  for (const int t : {1, 2}) {
    set_threads(t);
    std::atomic<int> started{0};
    try {
      for_each_unit(1000, [&](std::size_t k) {
        ++started;
        if (k == 3 || k == 5) throw std::runtime_error("unit " + std::to_string(k));
      });
      ADD_FAILURE() << "no error rethrown";
    } catch (const std::runtime_error& e) {
      // With two threads unit 5 may fail first; unit 3 still runs, and its error is the serial one.
      EXPECT_STREQ(e.what(), "unit 3") << t;
    }
    EXPECT_LT(started.load(), 1000) << t;
  }
}

// Sinkhorn row draws above the team threshold: each row is one thread's, with the caller's uniform.
TEST(Threads, SinkhornRowDrawsAreTheSameSerialAndThreaded) {
  ThreadCount keep;
  Rng rng(9, "threads/sinkhorn-rows");
  const Index n = 300, m = 130;
  const Mat C = ot::cost_matrix(rng.normal(n, 3), rng.normal(m, 3), ot::CostKind::SqEuclid);
  const Vec a = Vec::Constant(n, 1.0 / n), b = Vec::Constant(m, 1.0 / m);
  ot::SinkhornOptions o;
  o.eps = 0.05 * ot::cost_std(C);
  const ot::SinkhornResult r = ot::sinkhorn(C, a, b, o);
  std::vector<double> u(static_cast<std::size_t>(n));
  for (double& ui : u) ui = rng.uniform();
  set_threads(2);
  ASSERT_TRUE(worth_threads(static_cast<double>(n * m)));
  const std::vector<Index> two = ot::sinkhorn_row_draws(C, a, b, r, u);
  set_threads(1);
  EXPECT_EQ(ot::sinkhorn_row_draws(C, a, b, r, u), two);
}
