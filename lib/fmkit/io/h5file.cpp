#include "fmkit/io/h5file.hpp"

#include <cstdio>
#include <cstring>
#include <filesystem>

#include "fmkit/core/error.hpp"
#include "fmkit/core/signal_cleanup.hpp"
#include "fmkit/io/column_docs.hpp"

namespace fm::io {
namespace {

// HDF5 prints its own error stack to stderr; we report one line of our own instead. And HDF5's
// atexit handler would close again a file whose close failed (a full disk): in HDF5 1.10 that
// segfaults after our clean error message. Every file is closed by its H5File, so the handler is
// not needed; H5dont_atexit must precede any other HDF5 call.
struct SilenceHdf5 {
  SilenceHdf5() {
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
};
const SilenceHdf5 silence_hdf5;

// The library is built thread-safe, so its error printing is set per thread: a study writing from
// the thread of a unit (for_each_unit) would print the stack of every probe for a missing link.
// Called before the calls that probe.
void silence_this_thread() {
  thread_local const bool silenced = [] { return H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr) >= 0; }();
  (void)silenced;
}

[[noreturn]] void fail(const std::string& what) { runtime_error("HDF5: " + what); }

hid_t check(hid_t id, const std::string& what) {
  if (id < 0) fail(what);
  return id;
}

void check_status(herr_t s, const std::string& what) {
  if (s < 0) fail(what);
}

// Closes an HDF5 handle of any kind at scope exit.
struct Handle {
  hid_t id;
  explicit Handle(hid_t i) : id(i) {}
  ~Handle() {
    if (id >= 0) H5Oclose(id);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
};
struct Space {
  hid_t id;
  explicit Space(hid_t i) : id(i) {}
  ~Space() {
    if (id >= 0) H5Sclose(id);
  }
};
struct Type {
  hid_t id;
  explicit Type(hid_t i) : id(i) {}
  ~Type() {
    if (id >= 0) H5Tclose(id);
  }
};
struct Plist {
  hid_t id;
  explicit Plist(hid_t i) : id(i) {}
  ~Plist() {
    if (id >= 0) H5Pclose(id);
  }
};

Plist link_plist() {
  Plist p(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(p.id, 1);
  return p;
}

Type utf8_string_type() {
  Type t(H5Tcopy(H5T_C_S1));
  H5Tset_size(t.id, H5T_VARIABLE);
  H5Tset_cset(t.id, H5T_CSET_UTF8);
  return t;
}

void write_dataset(hid_t file, const std::string& name, hid_t mem_type, hid_t file_type,
                   const std::vector<hsize_t>& dims, const void* data) {
  silence_this_thread();
  if (H5Lexists(file, name.c_str(), H5P_DEFAULT) > 0) H5Ldelete(file, name.c_str(), H5P_DEFAULT);
  Space space(dims.empty() ? H5Screate(H5S_SCALAR)
                           : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
  Plist lcpl = link_plist();
  Handle ds(check(H5Dcreate2(file, name.c_str(), file_type, space.id, lcpl.id, H5P_DEFAULT, H5P_DEFAULT),
                  "cannot create dataset '" + name + "'"));
  bool empty = false;
  for (hsize_t d : dims) empty = empty || d == 0;
  if (!empty)
    check_status(H5Dwrite(ds.id, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
                 "cannot write dataset '" + name + "'");
}

}  // namespace

H5File::H5File(hid_t file, std::string path, std::string tmp)
    : file_(file), path_(std::move(path)), tmp_(std::move(tmp)) {
  if (!tmp_.empty()) on_signal_ = remove_on_signal(tmp_);
}

H5File::H5File(H5File&& o) noexcept
    : file_(o.file_), path_(std::move(o.path_)), tmp_(std::move(o.tmp_)), committed_(o.committed_),
      on_signal_(o.on_signal_) {
  o.file_ = -1;
  o.tmp_.clear();
  o.on_signal_ = -1;
}

H5File H5File::create(const std::string& path) {
  const std::string tmp = path + ".tmp";
  const hid_t f = H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (f < 0) runtime_error("cannot create output file '" + path + "' (is the directory writable?)");
  return H5File(f, path, tmp);
}

H5File H5File::open(const std::string& path) {
  if (!std::filesystem::exists(path)) usage_error("HDF5 file '" + path + "': no such file");
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) usage_error("HDF5 file '" + path + "': not a readable HDF5 file (truncated or corrupt?)");
  return H5File(f, path, "");
}

void H5File::close() {
  if (file_ >= 0) {
    H5Fclose(file_);
    file_ = -1;
  }
}

H5File::~H5File() {
  close();
  if (!tmp_.empty() && !committed_) std::remove(tmp_.c_str());
  forget_on_signal(on_signal_);
}

void H5File::commit(const std::string& status) {
  if (tmp_.empty()) runtime_error("HDF5: commit() on a read-only file '" + path_ + "'");
  describe_arrays(*this);
  set_attr("/", "status", status);
  if (H5Fflush(file_, H5F_SCOPE_GLOBAL) < 0) runtime_error("cannot flush '" + tmp_ + "' (disk full?)");
  const herr_t s = H5Fclose(file_);
  file_ = -1;
  if (s < 0) runtime_error("cannot close '" + tmp_ + "' (disk full?)");
  std::error_code ec;
  std::filesystem::rename(tmp_, path_, ec);
  if (ec) runtime_error("cannot rename '" + tmp_ + "' to '" + path_ + "': " + ec.message());
  committed_ = true;
  forget_on_signal(on_signal_);
  on_signal_ = -1;
}

void H5File::write(const std::string& name, const Mat& m) {
  write_array(name, {static_cast<hsize_t>(m.rows()), static_cast<hsize_t>(m.cols())}, m.data());
}

void H5File::write(const std::string& name, const Vec& v) {
  write_array(name, {static_cast<hsize_t>(v.size())}, v.data());
}

void H5File::write(const std::string& name, const std::vector<double>& v) {
  write_array(name, {v.size()}, v.data());
}

void H5File::write_array(const std::string& name, const std::vector<hsize_t>& dims, const double* data) {
  write_dataset(file_, name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, dims, data);
}

void H5File::write(const std::string& name, const std::vector<long long>& v) {
  write_dataset(file_, name, H5T_NATIVE_LLONG, H5T_STD_I64LE, {v.size()}, v.data());
}

void H5File::write(const std::string& name, const std::vector<std::string>& v) {
  std::vector<const char*> ptrs;
  for (const auto& s : v) ptrs.push_back(s.c_str());
  Type t = utf8_string_type();
  write_dataset(file_, name, t.id, t.id, {v.size()}, ptrs.data());
}

void H5File::write(const std::string& name, const std::string& s) {
  const char* p = s.c_str();
  Type t = utf8_string_type();
  write_dataset(file_, name, t.id, t.id, {}, &p);
}

namespace {
void write_attr(hid_t file, const std::string& object, const std::string& name, hid_t mem_type,
                hid_t file_type, const void* data) {
  silence_this_thread();
  if (H5Aexists_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT) > 0)
    H5Adelete_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT);
  Space space(H5Screate(H5S_SCALAR));
  const hid_t a = check(H5Acreate_by_name(file, object.c_str(), name.c_str(), file_type, space.id,
                                          H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                        "cannot create attribute '" + name + "' on '" + object + "'");
  const herr_t s = H5Awrite(a, mem_type, data);
  H5Aclose(a);
  check_status(s, "cannot write attribute '" + name + "'");
}
}  // namespace

void H5File::set_attr(const std::string& object, const std::string& name, const std::string& value) {
  const char* p = value.c_str();
  Type t = utf8_string_type();
  write_attr(file_, object, name, t.id, t.id, &p);
}

void H5File::set_attr(const std::string& object, const std::string& name, double value) {
  write_attr(file_, object, name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, &value);
}

void H5File::set_attr(const std::string& object, const std::string& name, long long value) {
  write_attr(file_, object, name, H5T_NATIVE_LLONG, H5T_STD_I64LE, &value);
}

bool H5File::exists(const std::string& name) const {
  silence_this_thread();
  // Check every path component, since H5Lexists fails on a missing intermediate group.
  std::size_t pos = 0;
  while (true) {
    pos = name.find('/', pos + 1);
    const std::string prefix = name.substr(0, pos);
    if (!prefix.empty() && prefix != "/" && H5Lexists(file_, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (pos == std::string::npos) return true;
  }
}

namespace {
hid_t open_dataset(hid_t file, const H5File& f, const std::string& name) {
  if (!f.exists(name)) usage_error("HDF5 file '" + f.path() + "': no dataset '" + name + "'");
  const hid_t ds = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
  if (ds < 0) usage_error("HDF5 file '" + f.path() + "': '" + name + "' is not a dataset");
  return ds;
}
}  // namespace

bool H5File::is_dataset(const std::string& name) const {
  if (!exists(name)) return false;
  const hid_t ds = H5Dopen2(file_, name.c_str(), H5P_DEFAULT);
  if (ds < 0) return false;
  H5Dclose(ds);
  return true;
}

std::vector<hsize_t> H5File::dims(const std::string& name) const {
  Handle ds(open_dataset(file_, *this, name));
  Space sp(H5Dget_space(ds.id));
  const int rank = H5Sget_simple_extent_ndims(sp.id);
  if (rank < 0) usage_error("HDF5 file '" + path_ + "': cannot read the shape of '" + name + "'");
  std::vector<hsize_t> d(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(sp.id, d.data(), nullptr);
  return d;
}

std::vector<double> H5File::read_doubles(const std::string& name) const {
  Handle ds(open_dataset(file_, *this, name));
  Type t(H5Dget_type(ds.id));
  const H5T_class_t cls = H5Tget_class(t.id);
  if (cls != H5T_FLOAT && cls != H5T_INTEGER)
    usage_error("HDF5 file '" + path_ + "': dataset '" + name + "' is not numeric");
  Space sp(H5Dget_space(ds.id));
  const hssize_t n = H5Sget_simple_extent_npoints(sp.id);
  if (n < 0) usage_error("HDF5 file '" + path_ + "': cannot read '" + name + "'");
  std::vector<double> out(static_cast<std::size_t>(n));
  if (n > 0 && H5Dread(ds.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    usage_error("HDF5 file '" + path_ + "': cannot read dataset '" + name + "' (corrupt?)");
  return out;
}

Mat H5File::read_matrix(const std::string& name) const {
  const auto d = dims(name);
  if (d.size() > 2 || d.empty())
    usage_error("HDF5 file '" + path_ + "': dataset '" + name + "' has rank " + std::to_string(d.size()) +
                ", expected 1 or 2");
  const std::vector<double> data = read_doubles(name);
  const Index rows = static_cast<Index>(d[0]);
  const Index cols = d.size() == 2 ? static_cast<Index>(d[1]) : 1;
  return Eigen::Map<const Mat>(data.data(), rows, cols);
}

std::vector<long long> H5File::read_ints(const std::string& name) const {
  Handle ds(open_dataset(file_, *this, name));
  Space sp(H5Dget_space(ds.id));
  const hssize_t n = H5Sget_simple_extent_npoints(sp.id);
  std::vector<long long> out(static_cast<std::size_t>(n > 0 ? n : 0));
  if (n > 0 && H5Dread(ds.id, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    usage_error("HDF5 file '" + path_ + "': cannot read dataset '" + name + "' as integers");
  return out;
}

std::vector<std::string> H5File::read_strings(const std::string& name) const {
  Handle ds(open_dataset(file_, *this, name));
  Type ft(H5Dget_type(ds.id));
  if (H5Tget_class(ft.id) != H5T_STRING || !H5Tis_variable_str(ft.id))
    usage_error("HDF5 file '" + path_ + "': dataset '" + name + "' is not a variable-length string");
  Space sp(H5Dget_space(ds.id));
  const hssize_t n = H5Sget_simple_extent_npoints(sp.id);
  std::vector<char*> ptrs(static_cast<std::size_t>(n > 0 ? n : 0), nullptr);
  Type t = utf8_string_type();
  if (n > 0 && H5Dread(ds.id, t.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0)
    usage_error("HDF5 file '" + path_ + "': cannot read strings '" + name + "'");
  std::vector<std::string> out;
  for (char* p : ptrs) out.emplace_back(p ? p : "");
  if (n > 0) H5Dvlen_reclaim(t.id, sp.id, H5P_DEFAULT, ptrs.data());
  return out;
}

std::string H5File::read_string(const std::string& name) const {
  const auto v = read_strings(name);
  if (v.size() != 1) usage_error("HDF5 file '" + path_ + "': '" + name + "' is not a scalar string");
  return v[0];
}

std::vector<std::string> H5File::members(const std::string& group) const {
  if (!exists(group)) usage_error("HDF5 file '" + path_ + "': no group '" + group + "'");
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  };
  if (H5Literate_by_name(file_, group.c_str(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names, H5P_DEFAULT) < 0)
    usage_error("HDF5 file '" + path_ + "': cannot list '" + group + "' (not a group, or corrupt)");
  return names;
}

char H5File::kind(const std::string& name) const {
  Handle ds(open_dataset(file_, *this, name));
  Type t(H5Dget_type(ds.id));
  switch (H5Tget_class(t.id)) {
    case H5T_STRING: return 's';
    case H5T_INTEGER: return 'i';
    case H5T_FLOAT: return 'f';
    default: usage_error("HDF5 file '" + path_ + "': dataset '" + name + "' is neither numeric nor text");
  }
}

bool H5File::has_attr(const std::string& object, const std::string& name) const {
  silence_this_thread();
  return H5Aexists_by_name(file_, object.c_str(), name.c_str(), H5P_DEFAULT) > 0;
}

std::string H5File::attr_string(const std::string& object, const std::string& name) const {
  if (!has_attr(object, name))
    usage_error("HDF5 file '" + path_ + "': no attribute '" + name + "' on '" + object + "'");
  const hid_t a = H5Aopen_by_name(file_, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
  Type t = utf8_string_type();
  char* p = nullptr;
  const herr_t s = H5Aread(a, t.id, &p);
  std::string out = (s >= 0 && p) ? p : "";
  if (p) H5free_memory(p);
  H5Aclose(a);
  if (s < 0) usage_error("HDF5 file '" + path_ + "': cannot read attribute '" + name + "'");
  return out;
}

double H5File::attr_double(const std::string& object, const std::string& name) const {
  if (!has_attr(object, name))
    usage_error("HDF5 file '" + path_ + "': no attribute '" + name + "' on '" + object + "'");
  const hid_t a = H5Aopen_by_name(file_, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
  double x = 0;
  const herr_t s = H5Aread(a, H5T_NATIVE_DOUBLE, &x);
  H5Aclose(a);
  if (s < 0) usage_error("HDF5 file '" + path_ + "': cannot read attribute '" + name + "'");
  return x;
}

H5Series::H5Series(H5File& file, const std::string& name, hsize_t chunk) : name_(name) {
  hsize_t dims = 0, maxdims = H5S_UNLIMITED;
  Space space(H5Screate_simple(1, &dims, &maxdims));
  Plist dcpl(H5Pcreate(H5P_DATASET_CREATE));
  H5Pset_chunk(dcpl.id, 1, &chunk);
  Plist lcpl = link_plist();
  dset_ = check(H5Dcreate2(file.id(), name.c_str(), H5T_IEEE_F64LE, space.id, lcpl.id, dcpl.id, H5P_DEFAULT),
                "cannot create series '" + name + "'");
}

H5Series::~H5Series() {
  try {
    flush();
  } catch (...) {
    // Destructors must not throw; the file commit will report the failure.
  }
  if (dset_ >= 0) H5Dclose(dset_);
}

void H5Series::append(double x) {
  buffer_.push_back(x);
  if (buffer_.size() >= 4096) flush();
}

void H5Series::flush() {
  if (buffer_.empty()) return;
  const hsize_t total = written_ + buffer_.size();
  check_status(H5Dset_extent(dset_, &total), "cannot extend series '" + name_ + "'");
  Space fspace(H5Dget_space(dset_));
  const hsize_t start = written_, count = buffer_.size();
  H5Sselect_hyperslab(fspace.id, H5S_SELECT_SET, &start, nullptr, &count, nullptr);
  Space mspace(H5Screate_simple(1, &count, nullptr));
  check_status(H5Dwrite(dset_, H5T_NATIVE_DOUBLE, mspace.id, fspace.id, H5P_DEFAULT, buffer_.data()),
               "cannot append to series '" + name_ + "'");
  written_ = total;
  buffer_.clear();
}

}  // namespace fm::io
