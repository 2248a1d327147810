#include "fmkit/io/points.hpp"

#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

#include <zlib.h>

#include "fmkit/core/error.hpp"
#include "fmkit/io/h5file.hpp"

namespace fm::io {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void check_finite(const Mat& m, const std::string& what) {
  for (Index i = 0; i < m.rows(); ++i)
    for (Index j = 0; j < m.cols(); ++j)
      if (!std::isfinite(m(i, j)))
        usage_error(what + ": non-finite value at row " + std::to_string(i) + ", column " + std::to_string(j));
}

}  // namespace

Mat read_points(const std::string& spec) {
  Mat m;
  const auto sep = spec.find(".h5:");
  if (sep != std::string::npos) {
    m = read_h5_points(spec.substr(0, sep + 3), spec.substr(sep + 4));
  } else if (ends_with(spec, ".npy")) {
    m = read_npy(spec);
  } else if (ends_with(spec, ".csv") || ends_with(spec, ".txt") || ends_with(spec, ".csv.gz")) {
    m = read_csv(spec);
  } else {
    usage_error("points '" + spec + "': expected a .npy, .csv, .csv.gz or file.h5:/dataset path");
  }
  if (m.rows() == 0) usage_error("points '" + spec + "': no points");
  check_finite(m, "points '" + spec + "'");
  return m;
}

Mat read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) usage_error("points '" + path + "': cannot open");
  char magic[6];
  in.read(magic, 6);
  if (!in || std::memcmp(magic, "\x93NUMPY", 6) != 0) usage_error("points '" + path + "': not a .npy file");
  unsigned char ver[2];
  in.read(reinterpret_cast<char*>(ver), 2);
  std::uint32_t hlen = 0;
  if (ver[0] == 1) {
    unsigned char b[2];
    in.read(reinterpret_cast<char*>(b), 2);
    hlen = b[0] | (b[1] << 8);
  } else {
    unsigned char b[4];
    in.read(reinterpret_cast<char*>(b), 4);
    hlen = b[0] | (b[1] << 8) | (b[2] << 16) | (std::uint32_t(b[3]) << 24);
  }
  if (!in || hlen > (1u << 20)) usage_error("points '" + path + "': malformed .npy header");
  std::string header(hlen, '\0');
  in.read(header.data(), hlen);
  if (!in) usage_error("points '" + path + "': truncated .npy header");
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'([^']*)'")))
    usage_error("points '" + path + "': .npy header has no dtype");
  const std::string descr = m[1];
  if (std::regex_search(header, std::regex("'fortran_order':\\s*True")))
    usage_error("points '" + path + "': Fortran-order .npy is not supported; save with C order");
  if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)")))
    usage_error("points '" + path + "': .npy header has no shape");
  std::vector<long long> shape;
  std::stringstream ss(m[1].str());
  std::string tok;
  while (std::getline(ss, tok, ',')) {
    const auto b = tok.find_first_not_of(' '), e = tok.find_last_not_of(' ');
    if (b == std::string::npos) continue;
    long long v = -1;
    const auto [end, ec] = std::from_chars(tok.data() + b, tok.data() + e + 1, v);
    if (ec != std::errc() || end != tok.data() + e + 1 || v < 0)
      usage_error("points '" + path + "': malformed .npy shape '(" + m[1].str() + ")'");
    shape.push_back(v);
  }
  if (shape.empty() || shape.size() > 2)
    usage_error("points '" + path + "': expected a 1-D or 2-D array, got rank " + std::to_string(shape.size()));
  const Index rows = shape[0], cols = shape.size() == 2 ? shape[1] : 1;
  // The shape must fit the bytes that follow, checked before anything is allocated for it.
  const std::size_t item = descr == "<f4" ? 4 : 8;
  const auto here = in.tellg();
  in.seekg(0, std::ios::end);
  const auto left = static_cast<double>(in.tellg() - here);
  in.seekg(here);
  if (static_cast<double>(rows) * static_cast<double>(cols) * static_cast<double>(item) > left)
    usage_error("points '" + path + "': truncated data (the .npy header promises " + std::to_string(rows) + " x " +
                std::to_string(cols) + " values, the file holds fewer)");
  const std::size_t count = static_cast<std::size_t>(rows * cols);
  Mat out(rows, cols);
  if (descr == "<f8") {
    in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(count * 8));
  } else if (descr == "<f4") {
    std::vector<float> buf(count);
    in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(count * 4));
    for (std::size_t i = 0; i < count; ++i) out.data()[i] = buf[i];
  } else {
    usage_error("points '" + path + "': dtype '" + descr + "' not supported (expected <f4 or <f8)");
  }
  if (!in) usage_error("points '" + path + "': truncated data (header promises " + std::to_string(count) + " values)");
  return out;
}

namespace {
// The whole file as text; zlib reads gzip-compressed and plain files alike.
std::string read_text(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) usage_error("points '" + path + "': cannot open");
  std::string text;
  char buf[1 << 16];
  int got = 0;
  while ((got = gzread(f, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(got));
  const bool failed = got < 0;
  gzclose(f);
  if (failed) usage_error("points '" + path + "': not a readable text or gzip file (corrupt or truncated)");
  return text;
}
}  // namespace

Mat read_csv(const std::string& path) {
  std::istringstream in(read_text(path));
  std::vector<double> vals;
  Index cols = -1, rows = 0;
  std::string line;
  long lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::vector<double> row;
    std::stringstream ss(line);
    std::string cell;
    bool numeric = true;
    while (std::getline(ss, cell, ',')) {
      char* end = nullptr;
      const double x = std::strtod(cell.c_str(), &end);
      while (end && (*end == ' ' || *end == '\t')) ++end;
      if (end == cell.c_str() || (end && *end != '\0')) {
        numeric = false;
        break;
      }
      row.push_back(x);
    }
    if (!numeric) {
      if (rows == 0 && cols < 0) {  // a header row is allowed before the first data row
        cols = 0;
        continue;
      }
      usage_error("points '" + path + "': line " + std::to_string(lineno) + " is not a row of numbers");
    }
    if (cols <= 0) cols = static_cast<Index>(row.size());
    if (static_cast<Index>(row.size()) != cols)
      usage_error("points '" + path + "': line " + std::to_string(lineno) + " has " + std::to_string(row.size()) +
                  " values, expected " + std::to_string(cols));
    vals.insert(vals.end(), row.begin(), row.end());
    ++rows;
  }
  if (rows == 0) usage_error("points '" + path + "': no data rows");
  return Eigen::Map<const Mat>(vals.data(), rows, cols);
}

Mat read_h5_points(const std::string& path, const std::string& dataset) {
  H5File f = H5File::open(path);
  return f.read_matrix(dataset);
}

void write_npy(const std::string& path, const Mat& m) {
  std::ofstream out(path, std::ios::binary);
  if (!out) runtime_error("cannot write '" + path + "'");
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + std::to_string(m.rows()) + ", " +
                       std::to_string(m.cols()) + "), }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  out.write("\x93NUMPY\x01\x00", 8);
  const std::uint16_t hlen = static_cast<std::uint16_t>(header.size());
  out.put(static_cast<char>(hlen & 0xff));
  out.put(static_cast<char>(hlen >> 8));
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(reinterpret_cast<const char*>(m.data()), static_cast<std::streamsize>(m.size() * 8));
  if (!out) runtime_error("cannot write '" + path + "' (disk full?)");
}

}  // namespace fm::io
