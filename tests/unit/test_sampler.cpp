// SampleOptions::validate: options built in code get the checks fm-sample's config gets, each
// naming its sample.* key.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <utility>

#include "fmkit/core/error.hpp"
#include "fmkit/integrate/sampler.hpp"

using fm::integrate::SampleOptions;

namespace {

std::string message(const SampleOptions& o) {
  try {
    o.validate();
  } catch (const fm::Error& e) {
    return e.kind() == fm::ErrorKind::Usage ? e.what() : "not a usage error";
  }
  return "";
}

TEST(SampleOptions, ValidateNamesEachKey) {
  EXPECT_EQ(message(SampleOptions{}), "");
  const std::pair<std::function<void(SampleOptions&)>, std::string> cases[] = {
      {[](SampleOptions& o) { o.n = -1; }, "sample.n"},
      {[](SampleOptions& o) { o.solver = "rk45"; }, "sample.solver"},
      {[](SampleOptions& o) { o.guidance = std::nan(""); }, "sample.guidance"},
      {[](SampleOptions& o) { o.guidance = 1e4; }, "sample.guidance"},
      {[](SampleOptions& o) { o.guidance_resample = 4; }, "sample.guidance_resample"},
      {[](SampleOptions& o) { o.guidance_resample = -1; }, "sample.guidance_resample"},
      {[](SampleOptions& o) { o.solver = "midpoint"; }, "sample.solver"},
      {[](SampleOptions& o) {
         o.solver = "midpoint";
         o.guidance_resample = 4;
         o.flow.nfe = 3;
       }, "sample.nfe"},
      {[](SampleOptions& o) {
         o.n = 10'000'000;
         o.flow.trajectories = 100;
       }, "sample.n × (sample.trajectories + 2)"},
      {[](SampleOptions& o) {
         o.solver = "meanflow";
         o.flow.trajectories = 2;
       }, "sample.trajectories"},
  };
  for (const auto& [edit, key] : cases) {
    SampleOptions o;
    edit(o);
    EXPECT_EQ(message(o).rfind(key, 0), 0u) << key << ": " << message(o);
  }
  SampleOptions em;
  em.solver = "em";
  em.grid = "G9";
  EXPECT_NE(message(em).find("G9"), std::string::npos) << message(em);
}

}  // namespace
