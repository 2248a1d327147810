#include "fmkit/io/metadata.hpp"

#include <unistd.h>

#include <ctime>
#include <fstream>

#include "fmkit/core/threads.hpp"

namespace fm::io {

std::string git_sha() {
  return
#include "fmkit_git_sha.inc"
      ;
}

std::string hostname() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown";
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void write_build_attrs(H5File& file) {
  file.set_attr("/", "schema_version", kSchemaVersion);
  file.set_attr("/", "fmkit_version", std::string(FMKIT_VERSION));
  file.set_attr("/", "git_sha", git_sha());
  file.set_attr("/", "created_utc", utc_now());
}

void write_metadata(H5File& file, const RunInfo& info, const cfg::json& config) {
  write_build_attrs(file);
  file.set_attr("/", "command_line", info.command_line);
  file.set_attr("/", "hostname", hostname());
  file.set_attr("/", "cpu_model", cpu_model());
  file.set_attr("/", "threads", static_cast<long long>(threads()));
  file.set_attr("/", "build_type", std::string(FMKIT_BUILD_TYPE));
  file.set_attr("/", "seed", static_cast<long long>(info.seed));
  file.set_attr("/", "status", std::string("incomplete"));
  file.write("/config", config.dump(2));
}

}  // namespace fm::io
