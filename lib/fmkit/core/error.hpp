// fm::Error: the one exception type. Its kind decides the exit code at main():
// usage/config errors exit 2, runtime failures exit 1.
#pragma once
#include <stdexcept>
#include <string>

namespace fm {

enum class ErrorKind { Usage, Runtime };

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& msg) : std::runtime_error(msg), kind_(kind) {}
  ErrorKind kind() const { return kind_; }
  int exit_code() const { return kind_ == ErrorKind::Usage ? 2 : 1; }

 private:
  ErrorKind kind_;
};

[[noreturn]] void usage_error(const std::string& msg);
[[noreturn]] void runtime_error(const std::string& msg);

}  // namespace fm

// Precondition checks that throw rather than abort (FAISS-style): bad input is a usage error.
#define FM_REQUIRE(cond, msg)                  \
  do {                                         \
    if (!(cond)) ::fm::usage_error(msg);       \
  } while (0)
#define FM_ENSURE(cond, msg)                   \
  do {                                         \
    if (!(cond)) ::fm::runtime_error(msg);     \
  } while (0)
