// Strict JSON config: unknown keys, wrong types and bad overrides are rejected with messages.
#include <gtest/gtest.h>

#include "fmkit/core/config.hpp"
#include "fmkit/core/error.hpp"

using fm::cfg::json;

namespace {

const json kDefaults = {{"seed", 0},
                        {"train", {{"steps", 20000}, {"lr", 1e-3}, {"schedule", "cosine"}}},
                        {"target", nullptr}};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const fm::Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    return e.what();
  }
  return "";
}

TEST(Config, UnknownKeyGetsSuggestion) {
  const std::string msg = error_of([] { fm::cfg::merge_strict(kDefaults, json::parse(R"({"train":{"stpes":5}})")); });
  EXPECT_EQ(msg, "unknown key 'stpes' in train; did you mean 'steps'?");
  const std::string top = error_of([] { fm::cfg::merge_strict(kDefaults, json::parse(R"({"sed":1})")); });
  EXPECT_EQ(top, "unknown key 'sed' at top level; did you mean 'seed'?");
}

TEST(Config, WrongTypesAreRejected) {
  EXPECT_EQ(error_of([] { fm::cfg::merge_strict(kDefaults, json::parse(R"({"train":{"steps":"many"}})")); }),
            "train.steps: expected a number, got a string");
  EXPECT_EQ(error_of([] { fm::cfg::merge_strict(kDefaults, json::parse(R"({"train":{"steps":2.5}})")); }),
            "train.steps: expected an integer, got 2.5");
  EXPECT_EQ(error_of([] { fm::cfg::merge_strict(kDefaults, json::parse(R"({"train":3})")); }),
            "train: expected an object, got a number");
}

TEST(Config, MergeKeepsDefaultsAndOpaqueSpecs) {
  const json r = fm::cfg::merge_strict(kDefaults, json::parse(R"({"train":{"lr":0.01},"target":{"type":"x","k":1}})"),
                                       {"target"});
  EXPECT_EQ(r["train"]["steps"], 20000);
  EXPECT_DOUBLE_EQ(r["train"]["lr"].get<double>(), 0.01);
  EXPECT_EQ(r["target"]["k"], 1);
}

TEST(Config, DottedOverrides) {
  json c = json::object();
  fm::cfg::apply_override(c, "train.steps=500");
  fm::cfg::apply_override(c, "train.schedule=linear");
  fm::cfg::apply_override(c, "target={\"type\":\"gmm\"}");
  const json r = fm::cfg::merge_strict(kDefaults, c, {"target"});
  EXPECT_EQ(r["train"]["steps"], 500);
  EXPECT_EQ(r["train"]["schedule"], "linear");
  EXPECT_EQ(r["target"]["type"], "gmm");
}

TEST(Config, BadOverridesAreRejected) {
  json c = json::object();
  EXPECT_EQ(error_of([&] { fm::cfg::apply_override(c, "train.steps"); }),
            "--set 'train.steps': expected key.path=value");
  EXPECT_EQ(error_of([&] { fm::cfg::apply_override(c, "=3"); }), "--set '=3': expected key.path=value");
  EXPECT_EQ(error_of([&] { fm::cfg::apply_override(c, "train..steps=3"); }),
            "--set 'train..steps=3': empty component in key path");
  json d = {{"seed", 1}};
  EXPECT_EQ(error_of([&] { fm::cfg::apply_override(d, "seed.x=3"); }), "--set 'seed.x=3': 'seed' is not an object");
  json e = json::object();
  fm::cfg::apply_override(e, "train.stpes=3");
  EXPECT_EQ(error_of([&] { fm::cfg::merge_strict(kDefaults, e); }),
            "unknown key 'stpes' in train; did you mean 'steps'?");
}

TEST(Config, TypedAccessorsNameThePath) {
  const json j = json::parse(R"({"mean":[1,"a"],"std":-1,"cov":[[1,0],[0]]})");
  EXPECT_EQ(error_of([&] { fm::cfg::vector(j, "mean", "target"); }), "target.mean[1]: expected a number");
  EXPECT_EQ(error_of([&] { fm::cfg::matrix(j, "cov", "target"); }), "target.cov: rows have different lengths");
  EXPECT_EQ(error_of([&] { fm::cfg::number(j, "missing", "target"); }), "target.missing: missing required key");
}

TEST(Config, ClosestOnlySuggestsPlausibleTypos) {
  EXPECT_EQ(fm::cfg::closest("stpes", {"steps", "lr"}), "steps");
  EXPECT_EQ(fm::cfg::closest("zzzzzz", {"steps", "lr"}), "");
}

}  // namespace
