// Thread teams only where the work pays for them (core/threads.hpp), and results that do not depend
// on whether a kernel ran on one thread or on several.
#include <gtest/gtest.h>

#include "fmkit/core/rng.hpp"
#include "fmkit/core/threads.hpp"
#include "fmkit/ot/mips.hpp"
#include "fmkit/ot/semidiscrete.hpp"

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
