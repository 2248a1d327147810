// A private scratch directory removed on scope exit (also on an exception, and with the files
// named through file() on SIGINT/SIGTERM/SIGHUP): studies hand their generated training sets to
// the trainer as files, like a user would.
#pragma once
#include <filesystem>
#include <map>
#include <string>

namespace fm {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix);  // <tmp>/<prefix><pid>_<counter>
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  // The path of `name` inside the directory; only files named here are removed on a signal.
  std::string file(const std::string& name) const;

 private:
  std::filesystem::path path_;
  int on_signal_ = -1;
  mutable std::map<std::string, int> files_;  // name → remove_on_signal handle
};

}  // namespace fm
