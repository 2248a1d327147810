#include "fmkit/study/study_progress.hpp"

#include <cmath>

#include "fmkit/core/progress.hpp"

namespace fm::study {

StudyProgress::StudyProgress(bool shown) : shown_(shown) {}

StudyProgress::~StudyProgress() = default;  // Progress's destructor abandons the bar on an error

void StudyProgress::start(const std::string& label, long total, double total_work) {
  done_ = 0;
  work_done_ = 0;
  total_work_ = total_work > 0 && std::isfinite(total_work) ? total_work : 0;
  // An empty label is a Progress that shows nothing.
  bar_ = std::make_unique<Progress>(shown_ ? label : std::string(), total);
}

void StudyProgress::update(const std::string& extra) {
  if (!bar_) return;
  if (total_work_ > 0) bar_->update(done_, extra, work_done_ / total_work_);
  else bar_->update(done_, extra);
}

void StudyProgress::running(const std::string& what) {
  const std::lock_guard<std::mutex> g(lock_);
  update(what);
}

void StudyProgress::done(const std::string& what, double work) {
  const std::lock_guard<std::mutex> g(lock_);
  ++done_;
  work_done_ += work;
  update(what + " done");
}

void StudyProgress::finish() {
  if (bar_) bar_->finish();
}

}  // namespace fm::study
