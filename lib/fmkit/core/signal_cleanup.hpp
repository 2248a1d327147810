// Paths to delete when the process is stopped by SIGINT, SIGTERM or SIGHUP (Ctrl-C, fm-sweep
// stopping its runs, a Slurm time limit): an interrupted run leaves no FILE.tmp output behind
// (studies hold their training sets in memory). The handler only calls unlink, which is
// async-signal-safe, on paths copied into fixed slots beforehand, then re-raises the signal with
// the default action so the exit status still says how the process ended. It is installed only
// where the signal has its default action, so a program's own handler (fm-sweep's) wins. A program
// may also leave a line to print then (fm-train: how to resume).
#pragma once
#include <string>

namespace fm {

// Registers the file `path`; returns a handle for forget_on_signal, or -1 when every slot is taken
// (the path is then simply not cleaned up: a leftover is harmless, failing a run over it would not be).
int remove_on_signal(const std::string& path);
void forget_on_signal(int handle);  // -1 is ignored

// A line for stderr when the process is stopped by one of those signals: `if_exists` when the file
// `path` exists then (a checkpoint to resume from), else `otherwise`. The last call wins; messages
// longer than 4 kB are cut.
void set_stop_message(const std::string& path, const std::string& if_exists, const std::string& otherwise);

}  // namespace fm
