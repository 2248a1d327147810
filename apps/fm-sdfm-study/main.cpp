// fm-sdfm-study: the SD-FM vs OT-FM vs FM study from a config (experiments/configs/sdfm_{quick,paper}.json).
#include "fmkit/core/app.hpp"
#include "fmkit/study/sdfm_study.hpp"
#include "fmkit/study/study_main.hpp"

int main(int argc, char** argv) {
  return fm::run_main("fm-sdfm-study", [&] {
    return fm::study::study_main(
        argc, argv, "fm-sdfm-study: semidiscrete vs minibatch-OT vs independent couplings, trained and sampled alike",
        fm::study::sdfm_study_defaults(), fm::study::sdfm_study_opaque(), fm::study::study(fm::study::parse_sdfm_study, fm::study::run_sdfm_study));
  });
}
