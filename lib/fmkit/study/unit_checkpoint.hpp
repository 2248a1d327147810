// A study's finished units, kept while it runs so that an interrupted run continues instead of
// starting over. A paper-size TV study takes hours per target, longer than a Slurm time limit or a
// shared machine's session; without this, stopping it lost every training it had done.
//
// The checkpoint is the study's --out file itself with root status "checkpoint" (as fm-train's):
// after each finished unit, every finished unit's rows are rewritten to OUT through a temporary file
// and renamed into place, so OUT is at all times either absent or a whole checkpoint. The study's
// final output replaces it. A resumed unit's rows are the ones it wrote, so the resumed study's
// tables are the uninterrupted study's, bit for bit, but for the timings of the units run again.
//
// It also keeps the wall time spent so far (root attribute elapsed_s, up to the last kept unit), so
// that a study finished over several runs reports the time of all of them as its wall_time_s, not
// only the last one's: a paper-size TV target is run in three or four stints.
#pragma once
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fmkit/core/timer.hpp"
#include "fmkit/io/table.hpp"

namespace fm::study {

class UnitCheckpoint {
 public:
  UnitCheckpoint() = default;  // none: nothing is kept and nothing resumed
  // Keeps finished units in `path`. With `resume`, first takes the units that an interrupted run
  // kept there: a usage error unless `path` is a checkpoint made with the same resolved `config`.
  // `on_first_write` runs once, when `path` first holds a unit of this run (and so is a checkpoint
  // whatever it held before): the program's stop message changes then.
  UnitCheckpoint(std::string path, std::string config, bool resume, std::function<void()> on_first_write = {});

  // The rows of the unit `key` if it was finished before (by this run or the interrupted one); a
  // copy, since other threads may record units meanwhile.
  std::optional<io::Table> finished(const std::string& key) const;
  // Records a finished unit and rewrites the checkpoint. Safe from the threads of for_each_unit.
  void record(const std::string& key, const io::Table& rows);
  std::size_t resumed() const { return resumed_; }
  // The wall time the interrupted runs spent up to their last kept unit (0 without a resume). A
  // checkpoint written before elapsed_s was kept stands in the sum of its units' wall_time_s: the
  // same when its units ran one at a time, as a sweep's runs do.
  double earlier_s() const { return earlier_s_; }

 private:
  void write() const;  // with lock_ held

  std::string path_, config_;
  std::function<void()> on_first_write_;  // emptied once it has run
  std::vector<std::pair<std::string, io::Table>> units_;  // in the order they finished
  std::map<std::string, std::size_t> index_;
  std::size_t resumed_ = 0;
  double earlier_s_ = 0;
  Timer since_;  // this run's time, from when the checkpoint was opened
  mutable std::mutex lock_;
};

// Whether `path` is a study checkpoint (an existing file with root status "checkpoint").
bool is_checkpoint(const std::string& path);

}  // namespace fm::study
