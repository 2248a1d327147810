// A per-process scratch directory for test files, removed when the test process exits (ctest runs
// every test in its own process, so thousands would pile up in /tmp otherwise). Set
// FMKIT_KEEP_SCRATCH=1 to keep it for a post-mortem.
#pragma once
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace fmtest {

inline std::string scratch_dir() {
  struct Dir {
    std::filesystem::path path;
    Dir() : path(std::filesystem::temp_directory_path() / ("fmkit_test_" + std::to_string(getpid()))) {
      std::filesystem::create_directories(path);
    }
    ~Dir() {
      if (std::getenv("FMKIT_KEEP_SCRATCH")) return;
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };
  static const Dir dir;
  return dir.path.string();
}

inline std::string scratch(const std::string& name) { return scratch_dir() + "/" + name; }

}  // namespace fmtest
