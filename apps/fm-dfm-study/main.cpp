// fm-dfm-study: the DFM study from a config (experiments/configs/dfm_{quick,paper}.json).
#include "fmkit/core/app.hpp"
#include "fmkit/study/dfm_study.hpp"
#include "fmkit/study/study_main.hpp"

int main(int argc, char** argv) {
  return fm::run_main("fm-dfm-study", [&] {
    return fm::study::study_main(
        argc, argv, "fm-dfm-study: measured KL of Euler-Maruyama DFM sampling against the explicit chain and brackets",
        fm::study::dfm_study_defaults(), fm::study::dfm_study_opaque(), fm::study::study(fm::study::parse_dfm_study, fm::study::run_dfm_study));
  });
}
