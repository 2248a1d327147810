#include "fmkit/core/temp_dir.hpp"

#include <unistd.h>

#include <atomic>

namespace fm {

TempDir::TempDir(const std::string& prefix) {
  static std::atomic<long> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          (prefix + std::to_string(static_cast<long long>(::getpid())) + "_" + std::to_string(counter++));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;  // never throw from a destructor; a leftover directory is harmless
  std::filesystem::remove_all(path_, ec);
}

}  // namespace fm
