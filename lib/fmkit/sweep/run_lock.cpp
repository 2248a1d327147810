#include "fmkit/sweep/run_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fmkit/core/error.hpp"

namespace fm::sweep {

RunLock::RunLock(const std::string& run_dir) {
  const std::string path = run_dir + "/lock";
  // O_CLOEXEC: the run's child process must not inherit (and so keep) the lock.
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) runtime_error("cannot open '" + path + "': " + std::strerror(errno));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    return;
  }
  fd_ = fd;
}

RunLock::~RunLock() {
  if (fd_ >= 0) close(fd_);  // closing the descriptor releases the flock
}

bool run_locked(const std::string& run_dir) {
  const std::string path = run_dir + "/lock";
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  close(fd);
  return held;
}

}  // namespace fm::sweep
