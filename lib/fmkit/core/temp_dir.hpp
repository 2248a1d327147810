// A private scratch directory removed on scope exit (also on an exception): studies hand their
// generated training sets to the trainer as files, like a user would.
#pragma once
#include <filesystem>
#include <string>

namespace fm {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix);  // <tmp>/<prefix><pid>_<counter>
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace fm
