#include "fmkit/core/temp_dir.hpp"

#include <unistd.h>

#include <atomic>

#include "fmkit/core/signal_cleanup.hpp"

namespace fm {

TempDir::TempDir(const std::string& prefix) {
  static std::atomic<long> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          (prefix + std::to_string(static_cast<long long>(::getpid())) + "_" + std::to_string(counter++));
  std::filesystem::create_directories(path_);
  on_signal_ = remove_on_signal(path_.string(), PathKind::Directory);
}

std::string TempDir::file(const std::string& name) const {
  const std::string p = (path_ / name).string();
  if (files_.find(name) == files_.end()) files_[name] = remove_on_signal(p);
  return p;
}

TempDir::~TempDir() {
  for (const auto& [name, handle] : files_) forget_on_signal(handle);
  forget_on_signal(on_signal_);
  std::error_code ec;  // never throw from a destructor; a leftover directory is harmless
  std::filesystem::remove_all(path_, ec);
}

}  // namespace fm
