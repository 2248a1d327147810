#include "fmkit/sweep/sweep_archive.hpp"

#include <filesystem>

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
  if (fs::exists(dest_manifest) && read_manifest(dest).program != m.program)
    usage_error("archive --to '" + dest + "': it holds a sweep of " + read_manifest(dest).program + ", not " +
                m.program);
  for (const auto& [id, overrides] : m.runs)
    if (output_complete(dir, id) && output_complete(dest, id) &&
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
  for (const auto& [id, overrides] : m.runs) {
    const bool complete = output_complete(dir, id);
    // Not complete but with an out.h5: a checkpoint (programs write their final output to
    // out.h5.tmp, and only checkpoints under the final name), unless its run failed.
    const bool resumable = !complete && fs::exists(run_dir(dir, id) + "/out.h5") && read_status(dir, id).status != "failed";
    if ((!complete && !resumable) || (resumable && output_complete(dest, id))) {
      ++c.left_out;
      continue;
    }
    if (complete && output_complete(dest, id)) {
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
    ++(complete ? c.copied : c.checkpoints);
  }
  return c;
}

}  // namespace fm::sweep
