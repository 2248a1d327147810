#include "fmkit/sweep/sweep_dir.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fmkit/core/error.hpp"
#include "fmkit/io/h5file.hpp"
#include "fmkit/sweep/sweep.hpp"

namespace fm::sweep {

namespace fs = std::filesystem;
using cfg::json;

void write_file_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text;
    f.flush();
    if (!f) {
      std::error_code ec;
      fs::remove(tmp, ec);
      runtime_error("cannot write '" + path + "' (disk full or not writable?)");
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) runtime_error("cannot write '" + path + "': " + ec.message());
}

std::string run_dir(const std::string& dir, const std::string& id) { return (fs::path(dir) / "runs" / id).string(); }

void prepare(const Sweep& s, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "runs", ec);
  if (ec) usage_error("--out '" + dir + "': cannot create the sweep directory (" + ec.message() + ")");
  json runs = json::array();
  std::string ids;
  for (const Run& r : s.runs) {
    const std::string rd = run_dir(dir, r.id);
    fs::create_directories(rd, ec);
    if (ec) runtime_error("cannot create '" + rd + "': " + ec.message());
    const std::string cfg_path = rd + "/config.json", text = r.config.dump(2) + "\n";
    if (fs::exists(cfg_path) && output_complete(dir, r.id)) {
      if (read_text(cfg_path) != text)
        usage_error("run " + r.id + " " + r.overrides.dump() + " is complete in '" + dir +
                    "' but with another config: use a new --out directory or delete " + rd);
    }
    write_file_atomic(cfg_path, text);
    runs.push_back({{"id", r.id}, {"overrides", r.overrides}});
    ids += r.id + "\n";
  }
  const json manifest = {{"program", s.program}, {"keys", s.keys}, {"slurm", s.slurm}, {"runs", runs}};
  write_file_atomic((fs::path(dir) / "sweep.json").string(), manifest.dump(2) + "\n");
  write_file_atomic((fs::path(dir) / "runs.txt").string(), ids);
}

Manifest read_manifest(const std::string& dir) {
  const std::string path = (fs::path(dir) / "sweep.json").string();
  if (!fs::exists(path)) usage_error("'" + dir + "' is not a sweep directory (no sweep.json)");
  const json m = cfg::load_file(path, "sweep manifest");
  Manifest out;
  try {
    out.program = m.at("program").get<std::string>();
    out.keys = m.at("keys").get<std::vector<std::string>>();
    out.slurm = m.at("slurm");
    for (const auto& r : m.at("runs")) out.runs.emplace_back(r.at("id").get<std::string>(), r.at("overrides"));
  } catch (const json::exception&) {
    usage_error("sweep manifest '" + path + "' is malformed (program, keys, slurm and runs expected)");
  }
  const auto& known = sweepable_programs();
  if (std::find(known.begin(), known.end(), out.program) == known.end())
    usage_error("sweep manifest '" + path + "': program '" + out.program + "' is not one fm-sweep runs");
  // Run ids name folders and go into job lines: only what fm-sweep itself writes is accepted.
  for (const auto& [id, unused] : out.runs)
    if (id.empty() || id.find_first_not_of("0123456789abcdefghijklmnopqrstuvwxyz_-") != std::string::npos)
      usage_error("sweep manifest '" + path + "': run id '" + id + "' is not one fm-sweep writes");
  return out;
}

bool output_complete(const std::string& dir, const std::string& id) {
  const std::string out = run_dir(dir, id) + "/out.h5";
  if (!fs::exists(out)) return false;
  try {
    const io::H5File f = io::H5File::open(out);
    return f.has_attr("/", "status") && f.attr_string("/", "status") == "complete";
  } catch (const Error&) {
    return false;  // unreadable: not complete, the run is redone
  }
}

bool output_checkpoint(const std::string& dir, const std::string& id) {
  std::error_code ec;
  return fs::exists(run_dir(dir, id) + "/out.h5", ec) && !output_complete(dir, id);
}

RunStatus read_status(const std::string& dir, const std::string& id) {
  RunStatus st;
  const std::string path = run_dir(dir, id) + "/status.json";
  if (fs::exists(path)) {
    json j;
    try {
      j = cfg::load_file(path, "run status");
    } catch (const Error&) {
      j = json::object();  // a torn status file counts as pending
    }
    // A readable file with wrong types was edited by hand: say which file, rather than guess.
    const std::string w = "run status '" + path + "'";
    if (!j.is_object()) usage_error(w + ": expected a JSON object");
    st.status = cfg::string_or(j, "status", "pending", w);
    st.exit_code = static_cast<int>(cfg::integer_or(j, "exit_code", 0, w));
    st.attempts = static_cast<int>(cfg::integer_or(j, "attempts", 0, w));
    st.error = cfg::string_or(j, "error", "", w);
    st.wall_time_s = cfg::number_or(j, "wall_time_s", 0.0, w);
  }
  // The output is the truth: a complete file is a complete run whatever the status file says.
  if (output_complete(dir, id)) st.status = "complete";
  else if (st.status == "complete") st.status = "pending";
  return st;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string last_line(const std::string& path) {
  std::ifstream f(path);
  std::string line, last;
  while (std::getline(f, line))
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  return last;
}

void write_status(const std::string& dir, const std::string& id, const RunStatus& st) {
  const json j = {{"status", st.status}, {"exit_code", st.exit_code}, {"attempts", st.attempts},
                  {"error", st.error}, {"wall_time_s", st.wall_time_s}};
  write_file_atomic(run_dir(dir, id) + "/status.json", j.dump(2) + "\n");
}

}  // namespace fm::sweep
