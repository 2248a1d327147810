// HDF5 wrapper: round trip of every type, appendable series, atomic commit, corrupt input.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fmkit/core/error.hpp"
#include "fmkit/io/column_docs.hpp"
#include "fmkit/io/h5file.hpp"
#include "support/scratch.hpp"
#include "fmkit/io/metadata.hpp"

using namespace fm;
namespace fs = std::filesystem;

namespace {

TEST(H5File, RoundTripOfEveryType) {
  const std::string path = fmtest::scratch("round.h5");
  Mat m(3, 2);
  m << 1, 2, 3, 4, 5, 6.5;
  {
    auto f = io::H5File::create(path);
    f.write("/a/b/matrix", m);
    f.write("/vec", Vec(Vec::LinSpaced(4, 0, 1)));
    f.write("/ints", std::vector<long long>{1, -2, 3000000000LL});
    f.write("/strings", std::vector<std::string>{"alpha", "βeta", ""});
    f.write("/scalar", std::string("{\"k\": 1}"));
    f.write_array("/cube", {2, 2, 2}, std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7}.data());
    f.set_attr("/", "name", std::string("run"));
    f.set_attr("/a", "x", 2.5);
    f.set_attr("/", "n", 7LL);
    {
      io::H5Series s(f, "/train/loss", 4);
      for (int i = 0; i < 10; ++i) s.append(i * 0.5);
    }
    f.commit();
  }
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  const auto f = io::H5File::open(path);
  EXPECT_EQ(f.read_matrix("/a/b/matrix"), m);
  EXPECT_EQ(f.read_doubles("/vec"), (std::vector<double>{0, 1.0 / 3, 2.0 / 3, 1}));
  EXPECT_EQ(f.read_ints("/ints"), (std::vector<long long>{1, -2, 3000000000LL}));
  EXPECT_EQ(f.read_strings("/strings"), (std::vector<std::string>{"alpha", "βeta", ""}));
  EXPECT_EQ(f.read_string("/scalar"), "{\"k\": 1}");
  EXPECT_EQ(f.dims("/cube"), (std::vector<hsize_t>{2, 2, 2}));
  EXPECT_EQ(f.attr_string("/", "name"), "run");
  EXPECT_DOUBLE_EQ(f.attr_double("/a", "x"), 2.5);
  EXPECT_EQ(f.attr_string("/", "status"), "complete");
  const auto loss = f.read_doubles("/train/loss");
  ASSERT_EQ(loss.size(), 10u);
  EXPECT_DOUBLE_EQ(loss[9], 4.5);
  EXPECT_TRUE(f.exists("/a/b/matrix"));
  EXPECT_FALSE(f.exists("/nope/deeper"));
  EXPECT_THROW(f.read_matrix("/nope"), fm::Error);
}

TEST(H5File, UncommittedWriteLeavesNothing) {
  const std::string path = fmtest::scratch("abandoned.h5");
  {
    auto f = io::H5File::create(path);
    f.write("/x", Vec(Vec::Ones(3)));
  }  // destroyed without commit, e.g. by an exception
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path + ".tmp"));
}

TEST(H5File, KilledWriterLeavesPreviousFileIntact) {
  const std::string path = fmtest::scratch("previous.h5");
  {
    auto f = io::H5File::create(path);
    f.write("/x", Vec(Vec::Constant(2, 1.0)));
    f.commit();
  }
  const pid_t pid = fork();
  if (pid == 0) {  // child: start overwriting, then die without cleanup
    auto f = io::H5File::create(path);
    f.write("/x", Vec(Vec::Constant(2, 9.0)));
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  const auto f = io::H5File::open(path);
  EXPECT_EQ(f.read_doubles("/x"), (std::vector<double>{1.0, 1.0}));
  EXPECT_EQ(f.attr_string("/", "status"), "complete");
}

TEST(H5File, CorruptOrMissingFilesAreUsageErrors) {
  const std::string path = fmtest::scratch("corrupt.h5");
  {
    auto f = io::H5File::create(path);
    f.write("/x", Vec(Vec::Ones(1000)));
    f.commit();
  }
  fs::resize_file(path, fs::file_size(path) / 3);
  try {
    io::H5File::open(path).read_doubles("/x");
    FAIL() << "truncated file was read";
  } catch (const fm::Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
  }
  { std::ofstream(fmtest::scratch("text.h5")) << "not hdf5"; }
  EXPECT_THROW(io::H5File::open(fmtest::scratch("text.h5")), fm::Error);
  EXPECT_THROW(io::H5File::open(fmtest::scratch("absent.h5")), fm::Error);
}

TEST(H5File, UnwritableDirectoryIsARuntimeError) {
  try {
    io::H5File::create("/proc/fmkit/cannot.h5");
    FAIL();
  } catch (const fm::Error& e) {
    EXPECT_EQ(e.exit_code(), 1);
  }
}

TEST(Metadata, RootAttributesAndConfig) {
  const std::string path = fmtest::scratch("meta.h5");
  {
    auto f = io::H5File::create(path);
    io::write_metadata(f, {"fm-test --x", 42}, cfg::json{{"a", 1}});
    f.commit();
  }
  const auto f = io::H5File::open(path);
  for (const char* k : {"fmkit_version", "git_sha", "created_utc", "command_line", "hostname", "cpu_model",
                        "build_type", "status"})
    EXPECT_TRUE(f.has_attr("/", k)) << k;
  EXPECT_DOUBLE_EQ(f.attr_double("/", "seed"), 42);
  // The commit taken at build time (cmake/git_sha.cmake; its cases in tests/build_info): 12 hex
  // digits, "-dirty" after them or not, or "unknown" when built outside a checkout.
  const std::string sha = f.attr_string("/", "git_sha");
  EXPECT_EQ(sha, io::git_sha());
  const auto hex_end = sha.find_first_not_of("0123456789abcdef");
  EXPECT_TRUE(sha == "unknown" || (hex_end == std::string::npos && sha.size() == 12) ||
              (hex_end == 12 && sha.substr(12) == "-dirty"))
      << sha;
  EXPECT_EQ(cfg::json::parse(f.read_string("/config"))["a"], 1);
}

}  // namespace

// Every column says what it holds: a name in the registry, and names derived from one (a standard
// error, a kind, a sweep run's own column, a swept key), nested too (run.kl_se: once a deadlock,
// the derivation having re-entered the registry's lock).
TEST(ColumnDocs, RegistryAndDerivedNames) {
  using fm::io::column_doc;
  ASSERT_NE(column_doc("wall_time_s"), nullptr);
  EXPECT_EQ(column_doc("wall_time_s")->units, "s");
  ASSERT_NE(column_doc("kl_se"), nullptr);
  EXPECT_EQ(column_doc("kl_se")->units, "nats");
  EXPECT_EQ(column_doc("kl_se")->description, "standard error of: " + column_doc("kl")->description);
  ASSERT_NE(column_doc("run.kl_se"), nullptr);
  EXPECT_EQ(column_doc("run.kl_se")->units, "nats");
  ASSERT_NE(column_doc("L_v_kind"), nullptr);
  EXPECT_EQ(column_doc("L_v_kind")->units, "label");
  ASSERT_NE(column_doc("train.lr"), nullptr);
  EXPECT_EQ(column_doc("train.lr")->units, "config value");
  EXPECT_EQ(column_doc("no_such_column"), nullptr);
  EXPECT_EQ(column_doc("no_such_column_se"), nullptr);
  EXPECT_EQ(column_doc("run.kl_se"), column_doc("run.kl_se"));  // made once, kept
}
