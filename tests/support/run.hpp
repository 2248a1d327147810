// Runs a program of this build end to end for CLI tests: exit code, stdout, stderr.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/scratch.hpp"

namespace fmtest {

struct RunResult {
  int code = -1;
  std::string out, err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `args` is appended to the program path verbatim (the caller quotes).
inline RunResult run(const std::string& program, const std::string& args) {
  static int counter = 0;
  const std::string o = scratch("stdout" + std::to_string(counter)), e = scratch("stderr" + std::to_string(counter));
  ++counter;
  const std::string cmd = std::string(FMKIT_BIN_DIR) + "/" + program + " " + args + " >" + o + " 2>" + e;
  const int status = std::system(cmd.c_str());
  RunResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(o);
  r.err = slurp(e);
  return r;
}

inline void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

}  // namespace fmtest
