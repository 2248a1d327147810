// One lock per sweep run (runs/<id>/lock, an flock): two `fm-sweep run` on one directory, or a
// local run beside a cluster task, never run the same run twice, and `fm-sweep status` can tell a
// run that is running now from one that was interrupted.
#pragma once
#include <string>

namespace fm::sweep {

class RunLock {
 public:
  // Tries to take the lock of run directory `run_dir` without waiting; held() says whether it did.
  explicit RunLock(const std::string& run_dir);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// Whether another process holds the lock of `run_dir` now (read-only: creates nothing).
bool run_locked(const std::string& run_dir);

}  // namespace fm::sweep
