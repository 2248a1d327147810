#include "fmkit/sweep/sweep_archive.hpp"

#include <filesystem>
#include <vector>

#include "fmkit/core/error.hpp"
#include "fmkit/sweep/sweep_dir.hpp"

namespace fm::sweep {

namespace fs = std::filesystem;

namespace {

void copy_into(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) runtime_error("cannot copy '" + from.string() + "' to '" + to.string() + "': " + ec.message());
}

}  // namespace

ArchiveCounts archive(const std::string& dir, const std::string& dest) {
  const Manifest m = read_manifest(dir);
  std::error_code ec;
  if (fs::exists(dest) && fs::equivalent(dir, dest, ec))
    usage_error("archive --to '" + dest + "': that is the sweep directory itself");
  const fs::path dest_manifest = fs::path(dest) / "sweep.json";
  if (fs::exists(dest_manifest))
    if (const std::string other = read_manifest(dest).program; other != m.program)
      usage_error("archive --to '" + dest + "': it holds a sweep of " + other + ", not " + m.program);
  // Each run's state in `dir` and `dest`, read once (each is an HDF5 open).
  std::vector<bool> complete, in_dest;
  for (const auto& [id, overrides] : m.runs) {
    complete.push_back(output_complete(dir, id));
    in_dest.push_back(output_complete(dest, id));
  }
  for (std::size_t k = 0; k < m.runs.size(); ++k)
    if (const auto& [id, overrides] = m.runs[k]; complete[k] && in_dest[k] &&
        read_text(run_dir(dir, id) + "/config.json") != read_text(run_dir(dest, id) + "/config.json"))
      usage_error("archive: run " + id + " " + overrides.dump() + " is complete in '" + dest +
                  "' with another config; archive into a new directory");

  fs::create_directories(fs::path(dest) / "runs", ec);
  if (ec) usage_error("archive --to '" + dest + "': cannot create it (" + ec.message() + ")");
  // The manifest first: should the copy stop midway, `dest` is still a sweep directory, one with
  // fewer complete runs.
  write_file_atomic(dest_manifest.string(), read_text((fs::path(dir) / "sweep.json").string()));
  write_file_atomic((fs::path(dest) / "runs.txt").string(), read_text((fs::path(dir) / "runs.txt").string()));

  ArchiveCounts c;
  for (std::size_t k = 0; k < m.runs.size(); ++k) {
    const std::string& id = m.runs[k].first;
    const bool resumable = !complete[k] && output_checkpoint(dir, id) && read_status(dir, id).status != "failed";
    if ((!complete[k] && !resumable) || (resumable && in_dest[k])) {
      ++c.left_out;
      continue;
    }
    if (complete[k] && in_dest[k]) {
      ++c.already;
      continue;
    }
    const fs::path from = run_dir(dir, id), to = run_dir(dest, id);
    fs::create_directories(to, ec);
    if (ec) runtime_error("cannot create '" + to.string() + "': " + ec.message());
    for (const char* name : {"config.json", "status.json", "stdout.json", "stderr.log"})
      if (fs::exists(from / name)) copy_into(from / name, to / name);
    copy_into(from / "out.h5", to / "out.h5.tmp");
    fs::rename(to / "out.h5.tmp", to / "out.h5", ec);
    if (ec) runtime_error("cannot write '" + (to / "out.h5").string() + "': " + ec.message());
    ++(complete[k] ? c.copied : c.checkpoints);
  }
  return c;
}

}  // namespace fm::sweep
