// RAII wrapper over the HDF5 C API: groups, datasets of doubles/ints/strings, attributes and
// chunked appendable series. Files for writing go to FILE.tmp and are renamed on commit(), so an
// interrupted run never leaves a half-written FILE; FILE.tmp itself is deleted on an exception
// and on SIGINT/SIGTERM/SIGHUP (core/signal_cleanup.hpp).
#pragma once
#include <hdf5.h>

#include <string>
#include <vector>

#include "fmkit/core/types.hpp"

namespace fm::io {

class H5File {
 public:
  // Creates `path`.tmp for writing; nothing appears at `path` until commit().
  static H5File create(const std::string& path);
  // Opens an existing file read-only; a missing or corrupt file is a usage error naming it.
  static H5File open(const std::string& path);

  H5File(H5File&& other) noexcept;
  H5File& operator=(H5File&&) = delete;
  H5File(const H5File&) = delete;
  ~H5File();  // without commit(): closes and deletes the .tmp file

  // Flushes, closes and renames FILE.tmp → FILE, setting the root attribute `status`
  // ("complete", or e.g. "checkpoint" for a resumable snapshot of a running job).
  void commit(const std::string& status = "complete");
  const std::string& path() const { return path_; }

  // Writers; intermediate groups are created as needed. Arrays are stored row-major, so a
  // Mat of n points in d dimensions is an (n, d) dataset in h5py.
  void write(const std::string& name, const Mat& m);
  void write(const std::string& name, const Vec& v);
  void write(const std::string& name, const std::vector<double>& v);
  void write(const std::string& name, const std::vector<long long>& v);
  void write(const std::string& name, const std::vector<std::string>& v);
  void write(const std::string& name, const std::string& s);  // scalar UTF-8 string
  // N-d array of doubles with explicit dims (row-major data).
  void write_array(const std::string& name, const std::vector<hsize_t>& dims, const double* data);

  void set_attr(const std::string& object, const std::string& name, const std::string& value);
  void set_attr(const std::string& object, const std::string& name, double value);
  void set_attr(const std::string& object, const std::string& name, long long value);

  // Readers; a missing dataset is a usage error naming the file and path.
  bool exists(const std::string& name) const;
  bool is_dataset(const std::string& name) const;  // exists and is a dataset (not a group)
  std::vector<hsize_t> dims(const std::string& name) const;
  Mat read_matrix(const std::string& name) const;  // 1-D data becomes an n×1 matrix
  std::vector<double> read_doubles(const std::string& name) const;
  std::vector<long long> read_ints(const std::string& name) const;
  std::string read_string(const std::string& name) const;
  std::vector<std::string> read_strings(const std::string& name) const;
  std::string attr_string(const std::string& object, const std::string& name) const;
  double attr_double(const std::string& object, const std::string& name) const;
  bool has_attr(const std::string& object, const std::string& name) const;
  // The names of the links directly under `group` (in name order), and a dataset's element kind:
  // 's' string, 'i' integer, 'f' floating point.
  std::vector<std::string> members(const std::string& group) const;
  char kind(const std::string& name) const;

  hid_t id() const { return file_; }

 private:
  H5File(hid_t file, std::string path, std::string tmp);
  void close();
  hid_t file_ = -1;
  std::string path_;
  std::string tmp_;  // empty for read-only files
  bool committed_ = false;
  int on_signal_ = -1;  // remove_on_signal handle of tmp_
};

// A chunked, unlimited 1-D dataset of doubles that grows as values are appended (training
// curves). Values are buffered and written on flush() or destruction.
class H5Series {
 public:
  H5Series(H5File& file, const std::string& name, hsize_t chunk = 1024);
  ~H5Series();
  H5Series(const H5Series&) = delete;
  H5Series& operator=(const H5Series&) = delete;
  void append(double x);
  void flush();
  hsize_t size() const { return written_ + buffer_.size(); }

 private:
  hid_t dset_ = -1;
  hsize_t written_ = 0;
  std::vector<double> buffer_;
  std::string name_;
};

}  // namespace fm::io
