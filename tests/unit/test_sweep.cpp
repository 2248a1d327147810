// Sweep expansion: the Cartesian product of list and zipped axes over a base config, stable run
// ids, and clear errors for malformed sweeps.
#include <gtest/gtest.h>

#include <set>

#include "fmkit/core/error.hpp"
#include "fmkit/sweep/sweep.hpp"

using fm::cfg::json;

namespace {

std::string error_of(const char* text) {
  try {
    fm::sweep::parse_sweep(json::parse(text), ".");
  } catch (const fm::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(SweepSpec, ExpandsListAndZippedAxesOverTheBase) {
  const auto s = fm::sweep::parse_sweep(json::parse(R"({"program": "fm-train",
      "base": {"train": {"steps": 10, "lr": 0.1}, "seed": 7},
      "axes": [{"key": "train.lr", "values": [0.001, 0.003, 0.01]},
               {"zip": {"seed": [0, 1], "model.hidden": [[8], [16, 16]]}}]})"),
                                        ".");
  ASSERT_EQ(s.runs.size(), 6u);
  EXPECT_EQ(s.keys, (std::vector<std::string>{"train.lr", "model.hidden", "seed"}));  // zip keys in key order
  // The first axis is outermost; the zipped pair moves together.
  EXPECT_EQ(s.runs[0].config["train"]["lr"], 0.001);
  EXPECT_EQ(s.runs[1].config["train"]["lr"], 0.001);
  EXPECT_EQ(s.runs[2].config["train"]["lr"], 0.003);
  EXPECT_EQ(s.runs[1].config["seed"], 1);
  EXPECT_EQ(s.runs[1].config["model"]["hidden"], json::parse("[16, 16]"));
  EXPECT_EQ(s.runs[0].config["train"]["steps"], 10);  // untouched base keys stay
  std::set<std::string> ids;
  for (const auto& r : s.runs) ids.insert(r.id);
  EXPECT_EQ(ids.size(), 6u);
  // Ids depend on the overrides only: reordering the axes keeps them.
  const auto t = fm::sweep::parse_sweep(json::parse(R"({"program": "fm-train",
      "axes": [{"zip": {"model.hidden": [[8], [16, 16]], "seed": [0, 1]}},
               {"key": "train.lr", "values": [0.01, 0.003, 0.001]}]})"),
                                        ".");
  std::set<std::string> ids2;
  for (const auto& r : t.runs) ids2.insert(r.id);
  EXPECT_EQ(ids, ids2);
}

TEST(SweepSpec, RunsAxisIsAZipWrittenRowByRow) {
  const auto z = fm::sweep::parse_sweep(json::parse(R"({"program": "fm-train",
      "axes": [{"zip": {"seed": [0, 1], "model.hidden": [[8], [16, 16]]}}, {"key": "train.lr", "values": [0.1, 0.2]}]})"),
                                        ".");
  const auto r = fm::sweep::parse_sweep(json::parse(R"({"program": "fm-train",
      "axes": [{"runs": [{"seed": 0, "model.hidden": [8]}, {"model.hidden": [16, 16], "seed": 1}]},
               {"key": "train.lr", "values": [0.1, 0.2]}]})"),
                                        ".");
  ASSERT_EQ(r.runs.size(), 4u);
  EXPECT_EQ(r.keys, z.keys);
  for (std::size_t i = 0; i < r.runs.size(); ++i) {
    EXPECT_EQ(r.runs[i].id, z.runs[i].id);
    EXPECT_EQ(r.runs[i].config, z.runs[i].config);
  }
  EXPECT_EQ(r.runs[2].config["model"]["hidden"], json::parse("[16, 16]"));
  EXPECT_EQ(r.runs[3].config["train"]["lr"], 0.2);
}

TEST(SweepSpec, MalformedSweepsAreUsageErrors) {
  EXPECT_NE(error_of(R"({"program": "fm-train", "axes": [{"runs": [{"a": 1, "b": 2}, {"a": 2}]}]})")
                .find("sweep.axes[0].runs[1]: sets 1 keys but runs[0] sets 2"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"program": "fm-train", "axes": [{"runs": [{"a": 1, "b": 2}, {"a": 2, "c": 3}]}]})")
                .find("sweep.axes[0].runs[1]: 'b' is missing"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"program": "fm-train", "axes": [{"runs": [{"a": 1}, 3]}]})")
                .find("sweep.axes[0].runs[1]: expected an object"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"program": "fm-train", "axes": [{"runs": []}]})").find("non-empty list of override objects"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"program": "fm-ot", "axes": [{"key": "a", "values": [1]}]})").find("cannot be swept"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"program": "fm-train", "axes": [{"zip": {"a": [1, 2], "b": [1]}}]})").find("equally long"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"program": "fm-train", "axes": [{"key": "a", "values": [1]}, {"key": "a", "values": [2]}]})")
                .find("swept twice"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"program": "fm-train", "axes": [{"key": "a", "values": []}]})").find("non-empty"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"program": "fm-train", "axes": [{"key": "a", "values": [1, 1]}]})").find("identical overrides"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"program": "fm-train", "axes": [], "bse": {}})").find("bse"), std::string::npos);
  EXPECT_NE(error_of(R"({"program": "fm-train", "base": "no/such/file.json", "axes": [{"key": "a", "values": [1]}]})")
                .find("no/such/file.json"),
            std::string::npos);
}
