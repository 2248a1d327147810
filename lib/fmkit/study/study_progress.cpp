#include "fmkit/study/study_progress.hpp"

#include "fmkit/core/progress.hpp"

namespace fm::study {

StudyProgress::StudyProgress(bool shown) : shown_(shown) {}

StudyProgress::~StudyProgress() = default;  // Progress's destructor abandons the bar on an error

void StudyProgress::start(const std::string& label, long total) {
  done_ = 0;
  // An empty label is a Progress that shows nothing.
  bar_ = std::make_unique<Progress>(shown_ ? label : std::string(), total);
}

void StudyProgress::running(const std::string& what) {
  const std::lock_guard<std::mutex> g(lock_);
  if (bar_) bar_->update(done_, what);
}

void StudyProgress::done(const std::string& what) {
  const std::lock_guard<std::mutex> g(lock_);
  ++done_;
  if (bar_) bar_->update(done_, what + " done");
}

void StudyProgress::finish() {
  if (bar_) bar_->finish();
}

}  // namespace fm::study
