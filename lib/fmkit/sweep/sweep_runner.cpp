#include "fmkit/sweep/sweep_runner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "fmkit/core/error.hpp"
#include "fmkit/core/threads.hpp"
#include "fmkit/core/timer.hpp"
#include "fmkit/sweep/run_lock.hpp"

extern char** environ;

namespace fm::sweep {
namespace {

namespace fs = std::filesystem;

std::atomic<bool> g_stop{false};
// SIGUSR1: start no new run, let the running ones finish. A stop kills the running programs, and
// a study without a checkpoint loses its whole run; a drain ends a session on a shared machine
// without that loss.
std::atomic<bool> g_drain{false};
std::mutex g_children_mutex;
std::set<pid_t> g_children;

void on_signal(int) { g_stop = true; }
void on_drain(int) { g_drain = true; }

// Spawns `args` with stdout/stderr to files and waits; returns the wait status.
int spawn_and_wait(const std::vector<std::string>& args, const std::string& out, const std::string& err) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = 0;
  {
    // Registered under the lock it was spawned under, so a stop request never misses it.
    std::lock_guard<std::mutex> lock(g_children_mutex);
    rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    if (rc == 0) g_children.insert(pid);
  }
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) runtime_error("cannot start '" + args[0] + "': " + std::strerror(rc));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::lock_guard<std::mutex> lock(g_children_mutex);
  g_children.erase(pid);
  return status;
}

}  // namespace

StopGuard::StopGuard() {
  g_stop = false;
  g_drain = false;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int_);
  sigaction(SIGTERM, &sa, &old_term_);
  sigaction(SIGHUP, &sa, &old_hup_);
  struct sigaction sd {};
  sd.sa_handler = on_drain;
  sigemptyset(&sd.sa_mask);
  sigaction(SIGUSR1, &sd, &old_usr1_);
  // A signal handler may not walk the child set; this thread forwards the stop to every child,
  // including one spawned just as the signal came.
  watcher_ = std::thread([this] {
    std::set<pid_t> signalled;
    bool told = false;
    while (!done_) {
      if (g_drain && !told && !g_stop) {
        told = true;
        std::size_t running = 0;
        {
          std::lock_guard<std::mutex> lock(g_children_mutex);
          running = g_children.size();
        }
        std::cerr << "\nfm-sweep: SIGUSR1: no new run starts; waiting for the " << running
                  << " running one(s) to finish (SIGTERM stops them now)\n";
      }
      if (g_stop) {
        std::lock_guard<std::mutex> lock(g_children_mutex);
        for (pid_t p : g_children)
          if (signalled.insert(p).second) kill(p, SIGTERM);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
}

StopGuard::~StopGuard() {
  done_ = true;
  watcher_.join();
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
  sigaction(SIGHUP, &old_hup_, nullptr);
  sigaction(SIGUSR1, &old_usr1_, nullptr);
}

bool StopGuard::stopped() const { return g_stop; }
bool StopGuard::drained() const { return g_drain; }

std::string program_dir() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) runtime_error("cannot locate the fm-* programs (/proc/self/exe: " + ec.message() + ")");
  return self.parent_path().string();
}

void validate_configs(const std::string& dir, const std::string& bin_dir) {
  const Manifest m = read_manifest(dir);
  const std::string program = bin_dir + "/" + m.program;
  if (!fs::exists(program)) runtime_error("program '" + program + "' not found");
  for (const auto& [id, overrides] : m.runs) {
    const std::string rd = run_dir(dir, id), log = rd + "/validate.log";
    const int ws = spawn_and_wait({program, "--config", rd + "/config.json", "--dump-config"}, "/dev/null", log);
    if (!(WIFEXITED(ws) && WEXITSTATUS(ws) == 0))
      usage_error("run " + id + " " + overrides.dump() + ": " + last_line(log));
    std::error_code ec;
    fs::remove(log, ec);
  }
}

void check_run_threads(int n, const std::string& flag) {
  if (n < 1 || n > max_threads())
    usage_error(flag + ": expected an integer in [1, " + std::to_string(max_threads()) + "], got " + std::to_string(n));
}

RunStatus run_one(const std::string& dir, const Manifest& m, const std::string& id, const std::string& bin_dir,
                  int threads, bool* skipped) {
  check_run_threads(threads, "--run-threads");
  bool known = false;
  for (const auto& r : m.runs) known = known || r.first == id;
  if (!known) usage_error("run '" + id + "' is not in the sweep in '" + dir + "'");
  if (skipped) *skipped = false;
  const std::string rd = run_dir(dir, id), program = bin_dir + "/" + m.program;
  const RunLock lock(rd);
  if (!lock.held()) {  // another fm-sweep (or cluster task) is running it now
    RunStatus busy;
    busy.status = "running";
    return busy;
  }
  RunStatus st = read_status(dir, id);
  if (st.status == "complete") {
    if (skipped) *skipped = true;
    return st;
  }
  if (!fs::exists(program)) runtime_error("program '" + program + "' not found");
  st.attempts = 0;
  // The run's time adds up over invocations: a run stopped and resumed (a session's end, a time
  // limit) or failed and rerun took all of its stints, and `status` sums it.
  const double earlier_s = st.wall_time_s;
  Timer timer;
  for (int attempt = 0; attempt < 2 && !g_stop; ++attempt) {
    std::vector<std::string> args{program, "--config", rd + "/config.json", "--out", rd + "/out.h5", "--threads",
                                  std::to_string(threads), "--json"};
    // fm-train and fm-tv-study write resumable checkpoints into their output: continue from one
    // instead of redoing it.
    if ((m.program == "fm-train" || m.program == "fm-tv-study") && fs::exists(rd + "/out.h5")) args.push_back("--resume");
    // Any other program's out.h5 in an unfinished run is the run's own, from a failed attempt.
    else if (fs::exists(rd + "/out.h5")) args.push_back("--force");
    ++st.attempts;
    const int ws = spawn_and_wait(args, rd + "/stdout.json", rd + "/stderr.log");
    if (g_stop) {  // stopped by the user: neither a failure nor a retry; the run stays pending
      st.status = "pending";
      st.wall_time_s = earlier_s + timer.seconds();
      write_status(dir, id, st);
      return st;
    }
    if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0 && output_complete(dir, id)) {
      st.status = "complete";
      st.exit_code = 0;
      st.error.clear();
      break;
    }
    st.status = "failed";
    st.exit_code = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    st.error = WIFEXITED(ws) ? last_line(rd + "/stderr.log")
                             : "killed by signal " + std::to_string(WTERMSIG(ws)) + " (" + strsignal(WTERMSIG(ws)) + ")";
    if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0) st.error = "exited 0 but its output is not complete";
    if (st.exit_code == 2) break;  // a usage error: the retry would fail the same way
  }
  if (g_stop && st.attempts == 0) {
    st.status = "pending";
    return st;
  }
  st.wall_time_s = earlier_s + timer.seconds();
  write_status(dir, id, st);
  return st;
}

LocalResult run_local(const std::string& dir, int jobs, int threads, const std::string& bin_dir,
                      const std::function<void(const std::string&, const RunStatus&)>& on_done) {
  if (jobs < 1 || jobs > 1024) usage_error("--jobs: expected an integer in [1, 1024]");
  check_run_threads(threads, "--run-threads");  // before any run starts, not once per worker
  const Manifest m = read_manifest(dir);
  const StopGuard guard;
  std::atomic<std::size_t> next{0};
  std::mutex result_mutex;
  LocalResult res;
  std::exception_ptr failure;
  auto worker = [&] {
    while (!g_stop && !g_drain) {
      const std::size_t i = next++;
      if (i >= m.runs.size()) return;
      try {
        bool skipped = false;
        const RunStatus st = run_one(dir, m, m.runs[i].first, bin_dir, threads, &skipped);
        std::lock_guard<std::mutex> lock(result_mutex);
        if (skipped) ++res.skipped;
        else if (st.status == "complete") ++res.complete;
        else if (st.status == "failed") ++res.failed;
        else if (st.status == "running") ++res.held;
        else ++res.pending;
        if (on_done && !skipped) on_done(m.runs[i].first, st);
      } catch (...) {
        std::lock_guard<std::mutex> lock(result_mutex);
        if (!failure) failure = std::current_exception();
        g_stop = true;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int j = 0; j < std::min<int>(jobs, static_cast<int>(m.runs.size())); ++j) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
  const int total = static_cast<int>(m.runs.size());
  res.interrupted = guard.stopped();
  res.pending = total - res.complete - res.failed - res.skipped - res.held;
  res.drained = guard.drained() && !res.interrupted && res.pending > 0;
  return res;
}

}  // namespace fm::sweep
