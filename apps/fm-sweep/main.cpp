// fm-sweep: expand a sweep (base config × axes of dotted keys) into runs with stable ids, run them
// locally as separate processes (one thread each unless --run-threads says more), or emit Slurm /
// GNU parallel job files; merge the per-run outputs into DIR/summary.h5, report how far a sweep
// is, gather a split study's tables into one study file, or copy a sweep's complete runs out to go
// on elsewhere. The logic lives in lib/fmkit/sweep/.
#include <iostream>
#include <utility>

#include "fmkit/core/app.hpp"
#include "fmkit/core/error.hpp"
#include "fmkit/core/output_path.hpp"
#include "fmkit/core/progress.hpp"
#include "fmkit/sweep/sweep_archive.hpp"
#include "fmkit/sweep/sweep_dir.hpp"
#include "fmkit/sweep/sweep_emit.hpp"
#include "fmkit/sweep/sweep_gather.hpp"
#include "fmkit/sweep/sweep_merge.hpp"
#include "fmkit/sweep/sweep_runner.hpp"
#include "fmkit/sweep/sweep.hpp"
#include "fmkit/sweep/sweep_status.hpp"

namespace {

using namespace fm::sweep;

void print_counts(const MergeCounts& c, const std::string& dir) {
  std::cerr << "fm-sweep: " << c.complete << " complete, " << c.failed << " failed, " << c.pending << " pending; "
            << dir << "/summary.h5 written\n";
}

int run(int argc, char** argv) {
  CLI::App app{"fm-sweep: run a sweep of an fm-* program locally, or emit it for Slurm / GNU parallel"};
  app.require_subcommand(1);
  std::string sweep_file, dir, id;
  int jobs = 1, run_threads = 1;
  long long index = -1;
  bool slurm = false, parallel = false;

  CLI::App* run_cmd = app.add_subcommand("run", "run every run of SWEEP.json in DIR (skips complete runs, retries failures once)");
  run_cmd->add_option("sweep", sweep_file, "the sweep file (SWEEP.json)")->required();
  run_cmd->add_option("--out", dir, "the sweep directory (created; rerun to continue an interrupted sweep)")->required();
  run_cmd->footer("SIGINT/SIGTERM/SIGHUP stop the running programs (each keeps its checkpoint if it has one); SIGUSR1 "
                  "starts no new run and lets the running ones finish.");
  run_cmd->add_option("--jobs", jobs, "runs at a time, each a separate process (default 1, at most 1024)");
  run_cmd->add_option("--run-threads", run_threads,
                      "threads each run's program gets, its --threads (default 1; e.g. --jobs 1 --run-threads 2 "
                      "gives a sweep's last long run both cores of a 2-core machine)");

  CLI::App* list = app.add_subcommand("list", "print the runs of SWEEP.json (id and overrides) without running them");
  list->add_option("sweep", sweep_file, "the sweep file")->required();

  CLI::App* emit = app.add_subcommand("emit", "write DIR with the run configs and a Slurm array script or a GNU parallel job list");
  emit->add_option("sweep", sweep_file, "the sweep file")->required();
  emit->add_option("--out", dir, "the sweep directory")->required();
  auto* fs = emit->add_flag("--slurm", slurm, "write DIR/sweep.slurm (one array task per run; resources from the sweep's \"slurm\")");
  auto* fp = emit->add_flag("--parallel", parallel, "write DIR/jobs.txt for `parallel -j N < DIR/jobs.txt`");
  fs->excludes(fp);

  CLI::App* one = app.add_subcommand("run-one", "run one run of a prepared DIR (what each cluster task calls)");
  one->add_option("dir", dir, "the sweep directory")->required();
  auto* oi = one->add_option("--id", id, "the run id");
  auto* ok = one->add_option("--index", index, "the run's 0-based line in DIR/runs.txt (e.g. $SLURM_ARRAY_TASK_ID)");
  oi->excludes(ok);
  one->add_option("--run-threads", run_threads,
                  "threads the run's program gets, its --threads (default 1; the Slurm script passes the sweep's "
                  "cpus_per_task)");

  CLI::App* merge_cmd = app.add_subcommand("merge", "rebuild DIR/summary.h5 from the per-run files");
  merge_cmd->add_option("dir", dir, "the sweep directory")->required();

  CLI::App* status_cmd = app.add_subcommand(
      "status",
      "print how far DIR is: complete, failed, started (with each one's latest log line) and not started runs; "
      "writes nothing");
  status_cmd->add_option("dir", dir, "the sweep directory")->required();

  std::string out_file;
  CLI::App* gather_cmd = app.add_subcommand(
      "gather", "concatenate the tables of every run's out.h5 into one study file (all runs must be complete, "
                "unless --partial)");
  gather_cmd->add_option("dir", dir, "the sweep directory")->required();
  gather_cmd->add_option("--out", out_file, "the study file to write (e.g. results-paper/sdfm.h5)")->required();
  bool partial = false, force = false;
  gather_cmd->add_flag("--force", force, "replace an existing --out file");
  gather_cmd->add_flag("--partial", partial,
                       "gather the complete runs only (a look at a sweep midway); the file records the missing ones");

  std::string dest;
  CLI::App* archive_cmd = app.add_subcommand(
      "archive", "copy DIR's complete runs and the checkpoints of its interrupted ones (config, output, logs) and "
                 "its manifest into DEST, a sweep directory that `run SWEEP.json --out DEST` continues; other runs "
                 "are left out");
  archive_cmd->add_option("dir", dir, "the sweep directory")->required();
  archive_cmd->add_option("--to", dest, "the copy (created; complete runs already in it are kept)")->required();

  if (!fm::parse_cli(app, argc, argv)) return 0;

  if (list->parsed()) {
    const Sweep s = load_sweep(sweep_file);
    for (const Run& r : s.runs) std::cout << r.id << " " << r.overrides.dump() << "\n";
    return 0;
  }
  if (run_cmd->parsed()) {
    check_run_threads(run_threads, "--run-threads");  // before the directory is made
    const Sweep s = load_sweep(sweep_file);
    prepare(s, dir);
    validate_configs(dir, program_dir());
    // The bar counts the runs left to do: complete ones are skipped at once, and counting them
    // would make a continued sweep's eta a fraction of its real time.
    long to_do = 0;
    for (const Run& r : s.runs) to_do += output_complete(dir, r.id) ? 0 : 1;
    fm::Progress bar(to_do > 0 ? "sweep " + s.program : "", to_do);  // no label, no bar: nothing to do
    long done = 0;
    const LocalResult r = run_local(dir, jobs, run_threads, program_dir(), [&](const std::string& rid, const RunStatus& st) {
      bar.update(++done, rid + " " + st.status);
      if (st.status == "failed")
        std::cerr << "fm-sweep: run " << rid << " failed after " << st.attempts << " attempt(s): " << st.error << "\n";
    });
    if (r.interrupted || r.drained) bar.abandon();
    else bar.finish();
    print_counts(merge(dir), dir);
    std::cerr << "fm-sweep: this invocation ran " << r.complete + r.failed << " run(s), skipped " << r.skipped
              << " complete one(s)\n";
    if (r.held > 0)
      std::cerr << "fm-sweep: " << r.held << " run(s) left alone: another fm-sweep is running them now\n";
    if (r.interrupted) fm::runtime_error("interrupted: rerun the same command to continue the pending runs");
    if (r.drained)
      fm::runtime_error("drained: the running runs finished and " + std::to_string(r.pending) +
                        " did not start; rerun the same command to continue them");
    return r.failed > 0 ? 1 : 0;
  }
  if (emit->parsed()) {
    if (!slurm && !parallel) fm::usage_error("emit: give --slurm or --parallel");
    script_safe(dir, "--out");  // before the directory is made: it goes into the job script
    const Sweep s = load_sweep(sweep_file);
    prepare(s, dir);
    validate_configs(dir, program_dir());
    const std::string self = program_dir() + "/fm-sweep";
    std::cout << (slurm ? emit_slurm(dir, self) : emit_parallel(dir, self)) << "\n";
    return 0;
  }
  if (one->parsed()) {  // run_one checks --run-threads before it touches the run
    const Manifest m = read_manifest(dir);
    if (index >= 0) {
      if (index >= static_cast<long long>(m.runs.size()))
        fm::usage_error("--index " + std::to_string(index) + ": the sweep has " + std::to_string(m.runs.size()) + " runs");
      id = m.runs[static_cast<std::size_t>(index)].first;
    }
    if (id.empty()) fm::usage_error("run-one: give --id or --index");
    bool skipped = false;
    const StopGuard guard;  // SIGTERM (scancel, a time limit) reaches the run's process too
    const RunStatus st = run_one(dir, m, id, program_dir(), run_threads, &skipped);
    if (st.status == "running")
      fm::runtime_error("run " + id + " is being run by another process (its lock is held); not started");
    if (guard.stopped())
      fm::runtime_error("run " + id + " interrupted; run the same command again to resume it");
    std::cerr << "fm-sweep: run " << id << (skipped ? " was already complete" : " " + st.status)
              << (st.status == "failed" ? ": " + st.error : std::string()) << "\n";
    return st.status == "complete" ? 0 : 1;
  }
  if (status_cmd->parsed()) {
    const SweepReport rep = sweep_status(dir);
    std::cout << format_status(rep, dir);
    return rep.failed > 0 ? 1 : 0;
  }
  if (gather_cmd->parsed()) {
    fm::check_output_path(out_file, {}, "--out", force);
    const GatherResult g = gather(dir, out_file, partial);
    std::cerr << "fm-sweep: gathered " << g.runs << " runs into " << out_file;
    const char* sep = ": ";
    for (const auto& [name, rows] : g.rows) std::cerr << std::exchange(sep, ", ") << "/" << name << " " << rows << " rows";
    std::cerr << "\n";
    if (g.missing > 0)
      std::cerr << "fm-sweep: partial: " << g.missing << " of " << g.runs + g.missing
                << " runs are not complete and not in it (its runs_missing attribute says so)\n";
    return 0;
  }
  if (archive_cmd->parsed()) {
    const ArchiveCounts c = archive(dir, dest);
    std::cerr << "fm-sweep: " << c.copied + c.already << " complete run(s) in " << dest << " (" << c.copied
              << " copied now, " << c.already << " already there); " << c.checkpoints
              << " checkpoint(s) of interrupted runs copied; " << c.left_out << " other run(s) left out\n";
    return 0;
  }
  print_counts(merge(dir), dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return fm::run_main("fm-sweep", [&] { return run(argc, argv); }); }
