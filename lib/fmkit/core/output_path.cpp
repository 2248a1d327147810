#include "fmkit/core/output_path.hpp"

#include <unistd.h>

#include <filesystem>

#include "fmkit/core/error.hpp"

namespace fm {
namespace {

namespace fs = std::filesystem;

// "file.h5:/group/ds" names file.h5; a plain path names itself.
std::string file_part(const std::string& path) {
  const auto colon = path.find(":/");
  return colon == std::string::npos ? path : path.substr(0, colon);
}

}  // namespace

void check_output_path(const std::string& out, const std::vector<std::string>& inputs, const std::string& flag,
                       bool force) {
  if (out.empty()) return;
  std::error_code ec;
  const fs::path p(out);
  if (fs::is_directory(p, ec)) usage_error(flag + " '" + out + "': is a directory; expected a file path");
  const fs::path parent = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(parent, ec)) usage_error(flag + " '" + out + "': folder '" + parent.string() + "' does not exist");
  if (access(parent.c_str(), W_OK | X_OK) != 0)
    usage_error(flag + " '" + out + "': folder '" + parent.string() + "' is not writable");
  if (!fs::exists(p, ec)) return;
  for (const std::string& in : inputs) {
    const std::string f = file_part(in);
    if (!f.empty() && fs::exists(f, ec) && fs::equivalent(p, f, ec))
      usage_error(flag + " '" + out + "': is the input '" + in + "'; writing it would destroy the input");
  }
  if (!force) usage_error(flag + " '" + out + "': exists; pass --force to replace it, or choose another file");
}

std::vector<std::string> file_paths_in(const nlohmann::json& config) {
  std::vector<std::string> out;
  std::error_code ec;
  const auto walk = [&](const auto& self, const nlohmann::json& j) -> void {
    if (j.is_string()) {
      const std::string s = j.get<std::string>();
      if (!s.empty() && s.size() < 4096 && fs::is_regular_file(file_part(s), ec)) out.push_back(s);
    } else if (j.is_structured()) {
      for (const auto& v : j) self(self, v);
    }
  };
  walk(walk, config);
  return out;
}

}  // namespace fm
