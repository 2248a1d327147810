// Point-set readers: .npy (f4/f8), .csv, file.h5:/path; malformed and non-finite input.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "fmkit/core/error.hpp"
#include "fmkit/io/h5file.hpp"
#include "support/scratch.hpp"
#include "fmkit/dist/dataset.hpp"
#include "fmkit/dist/spec.hpp"
#include "fmkit/io/points.hpp"

using namespace fm;
namespace fs = std::filesystem;

namespace {

void write_npy_f4(const std::string& path, const std::vector<float>& v, int rows, int cols) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                       std::to_string(cols) + "), }";
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  out.write("\x93NUMPY\x01\x00", 8);
  out.put(static_cast<char>(header.size() & 0xff));
  out.put(static_cast<char>(header.size() >> 8));
  out << header;
  out.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * 4));
}

std::string usage_message(const std::string& spec) {
  try {
    io::read_points(spec);
  } catch (const fm::Error& e) {
    EXPECT_EQ(e.exit_code(), 2) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error for " << spec;
  return "";
}

TEST(Points, NpyFloat64AndFloat32) {
  Mat m(3, 2);
  m << 1, 2, 3, 4, 5, 6;
  io::write_npy(fmtest::scratch("a.npy"), m);
  EXPECT_EQ(io::read_points(fmtest::scratch("a.npy")), m);
  write_npy_f4(fmtest::scratch("b.npy"), {0.5f, 1.5f, 2.5f, 3.5f}, 2, 2);
  Mat e(2, 2);
  e << 0.5, 1.5, 2.5, 3.5;
  EXPECT_EQ(io::read_points(fmtest::scratch("b.npy")), e);
}

TEST(Points, CsvWithHeaderAndH5Dataset) {
  { std::ofstream(fmtest::scratch("p.csv")) << "x,y\n1,2\n3.5, -4\n\n"; }
  Mat e(2, 2);
  e << 1, 2, 3.5, -4;
  EXPECT_EQ(io::read_points(fmtest::scratch("p.csv")), e);
  {
    auto f = io::H5File::create(fmtest::scratch("p.h5"));
    f.write("/g/pts", e);
    f.commit();
  }
  EXPECT_EQ(io::read_points(fmtest::scratch("p.h5") + ":/g/pts"), e);
}

TEST(Points, MalformedInputNamesTheProblem) {
  { std::ofstream(fmtest::scratch("ragged.csv")) << "1,2\n3\n"; }
  EXPECT_NE(usage_message(fmtest::scratch("ragged.csv")).find("line 2 has 1 values, expected 2"), std::string::npos);
  { std::ofstream(fmtest::scratch("nan.csv")) << "1,2\nnan,4\n"; }
  EXPECT_NE(usage_message(fmtest::scratch("nan.csv")).find("non-finite value at row 1, column 0"), std::string::npos);
  { std::ofstream(fmtest::scratch("text.csv")) << "1,2\nfoo,bar\n"; }
  EXPECT_NE(usage_message(fmtest::scratch("text.csv")).find("line 2 is not a row of numbers"), std::string::npos);
  { std::ofstream(fmtest::scratch("bad.npy")) << "garbage"; }
  EXPECT_NE(usage_message(fmtest::scratch("bad.npy")).find("not a .npy file"), std::string::npos);
  write_npy_f4(fmtest::scratch("short.npy"), {1.0f, 2.0f}, 4, 2);
  EXPECT_NE(usage_message(fmtest::scratch("short.npy")).find("truncated data"), std::string::npos);
  EXPECT_NE(usage_message(fmtest::scratch("missing.npy")).find("cannot open"), std::string::npos);
  EXPECT_NE(usage_message(fmtest::scratch("x.bin")).find("expected a .npy, .csv"), std::string::npos);
  {
    auto f = io::H5File::create(fmtest::scratch("q.h5"));
    f.write("/pts", Mat(Mat::Ones(2, 2)));
    f.commit();
  }
  EXPECT_NE(usage_message(fmtest::scratch("q.h5") + ":/nope").find("no dataset '/nope'"), std::string::npos);
}

// gzip-compressed CSV reads as the plain file does; a corrupt one is a usage error naming it; a
// dataset spec's column range drops a label column.
TEST(Points, GzipCsvAndColumnRange) {
  const std::string text = "a,b,label\n1.5,2,7\n-3,4e-2,8\n";
  const std::string plain = fmtest::scratch("pts.csv"), gz = fmtest::scratch("pts.csv.gz");
  std::ofstream(plain) << text;
  gzFile f = gzopen(gz.c_str(), "wb");
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
  const Mat a = io::read_points(plain), b = io::read_points(gz);
  ASSERT_EQ(b.rows(), 2);
  ASSERT_EQ(b.cols(), 3);
  EXPECT_EQ((a - b).cwiseAbs().maxCoeff(), 0.0);
  EXPECT_DOUBLE_EQ(b(1, 1), 4e-2);
  const std::string bad = fmtest::scratch("bad.csv.gz");
  {
    std::ofstream out(bad, std::ios::binary);
    out.write("\x1f\x8b\x08\x00garbage-not-deflate", 24);
  }
  try {
    io::read_points(bad);
    FAIL() << "a corrupt gzip file was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Usage);
    EXPECT_NE(std::string(e.what()).find("bad.csv.gz"), std::string::npos) << e.what();
  }
  const auto d = dist::make_distribution(cfg::json{{"type", "dataset"}, {"path", gz}, {"columns", {0, 2}}}, "t");
  EXPECT_EQ(d->dim(), 2);
  EXPECT_THROW(dist::make_distribution(cfg::json{{"type", "dataset"}, {"path", gz}, {"columns", {1, 4}}}, "t"), Error);
}

// The scikit-learn digits Debian ships (python3-sklearn, a declared dependency): 1797 × 64 pixels in 0..16.
TEST(Points, ScikitLearnDigitsLoad) {
  const auto d = dist::make_distribution(
      cfg::json{{"type", "dataset"}, {"path", "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"},
                {"columns", {0, 64}}}, "t");
  const auto& p = std::dynamic_pointer_cast<const dist::Dataset>(d)->points();
  EXPECT_EQ(p.rows(), 1797);
  EXPECT_EQ(p.cols(), 64);
  EXPECT_EQ(p.minCoeff(), 0.0);
  EXPECT_EQ(p.maxCoeff(), 16.0);
}

}  // namespace
