#include <gtest/gtest.h>

#include "fmkit/core/rng.hpp"

TEST(Rng, SameSeedSameStream) {
  fm::Rng a(7, "noise", 3), b(7, "noise", 3);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.next_u64(), b.next_u64());
}
