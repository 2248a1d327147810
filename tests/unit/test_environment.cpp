// Test-binary set-up shared by every suite: the allocator tuning every fmkit program uses
// (core/allocator.hpp), so tests exercise the same memory behaviour as the programs.
#include <gtest/gtest.h>

#include "fmkit/core/allocator.hpp"

namespace {
class FmkitEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { fm::keep_freed_memory(); }
};
const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new FmkitEnvironment);
}  // namespace
