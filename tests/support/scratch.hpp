// A per-process scratch directory for test files.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <string>

namespace fmtest {

inline std::string scratch_dir() {
  static const std::string dir = [] {
    const auto d = std::filesystem::temp_directory_path() / ("fmkit_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(d);
    return d.string();
  }();
  return dir;
}

inline std::string scratch(const std::string& name) { return scratch_dir() + "/" + name; }

}  // namespace fmtest
