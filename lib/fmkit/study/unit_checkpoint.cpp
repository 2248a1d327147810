#include "fmkit/study/unit_checkpoint.hpp"

#include <algorithm>
#include <filesystem>
#include <utility>
#include <variant>

#include "fmkit/core/error.hpp"
#include "fmkit/io/h5file.hpp"

namespace fm::study {

namespace fs = std::filesystem;

namespace {

constexpr const char* kConfigAttr = "checkpoint_config";
constexpr const char* kElapsedAttr = "elapsed_s";

std::string unit_group(std::size_t i) { return "/checkpoint/unit_" + std::to_string(i); }

}  // namespace

bool is_checkpoint(const std::string& path) {
  if (path.empty() || !fs::exists(path)) return false;
  try {
    const io::H5File f = io::H5File::open(path);
    return f.has_attr("/", "status") && f.attr_string("/", "status") == "checkpoint";
  } catch (const Error&) {
    return false;
  }
}

UnitCheckpoint::UnitCheckpoint(std::string path, std::string config, bool resume,
                               std::function<void()> on_first_write)
    : path_(std::move(path)), config_(std::move(config)), on_first_write_(std::move(on_first_write)) {
  if (!resume) return;
  const std::string w = "--resume: '" + path_ + "'";
  if (!fs::exists(path_)) usage_error(w + " does not exist: there is nothing to resume");
  if (!is_checkpoint(path_)) usage_error(w + " is not an interrupted study's checkpoint (its status is not \"checkpoint\")");
  const io::H5File f = io::H5File::open(path_);
  if (!f.has_attr("/", kConfigAttr) || f.attr_string("/", kConfigAttr) != config_)
    usage_error(w + " was made with another config; resume it with the config it ran with, or use --force to start over");
  const std::vector<std::string> keys = f.exists("/checkpoint/keys") ? f.read_strings("/checkpoint/keys")
                                                                     : std::vector<std::string>{};
  for (std::size_t i = 0; i < keys.size(); ++i) {
    index_[keys[i]] = units_.size();
    units_.emplace_back(keys[i], io::Table::read(f, unit_group(i)));
  }
  resumed_ = units_.size();
  if (f.has_attr("/", kElapsedAttr)) {
    earlier_s_ = f.attr_double("/", kElapsedAttr);
  } else {
    for (const auto& [key, rows] : units_) {
      const auto& cols = rows.columns();
      if (std::find(cols.begin(), cols.end(), "wall_time_s") == cols.end()) continue;
      for (std::size_t r = 0; r < rows.rows(); ++r) {
        const io::Table::Value v = rows.get(r, "wall_time_s");
        if (const double* s = std::get_if<double>(&v); s && *s == *s) earlier_s_ += *s;
      }
    }
  }
}

std::optional<io::Table> UnitCheckpoint::finished(const std::string& key) const {
  const std::lock_guard<std::mutex> hold(lock_);
  const auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  return units_[it->second].second;
}

void UnitCheckpoint::record(const std::string& key, const io::Table& rows) {
  if (path_.empty()) return;
  const std::lock_guard<std::mutex> hold(lock_);
  FM_REQUIRE(index_.find(key) == index_.end(), "UnitCheckpoint: unit '" + key + "' recorded twice");
  index_[key] = units_.size();
  units_.emplace_back(key, rows);
  write();
  if (on_first_write_) std::exchange(on_first_write_, {})();
}

void UnitCheckpoint::write() const {
  // Written beside OUT, then renamed over it: the study's own output is being written to OUT.tmp.
  const std::string staged = path_ + ".checkpoint";
  {
    io::H5File f = io::H5File::create(staged);
    f.set_attr("/", kConfigAttr, config_);
    f.set_attr("/", kElapsedAttr, earlier_s_ + since_.seconds());
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < units_.size(); ++i) {
      keys.push_back(units_[i].first);
      units_[i].second.write(f, unit_group(i));
    }
    f.write("/checkpoint/keys", keys);
    f.commit("checkpoint");
  }
  std::error_code ec;
  fs::rename(staged, path_, ec);
  if (ec) runtime_error("cannot write the checkpoint '" + path_ + "': " + ec.message());
}

}  // namespace fm::study
