// fm-tv-study: the TV-rate study from a config (experiments/configs/tv_{quick,paper}.json).
#include "fmkit/core/app.hpp"
#include "fmkit/study/study_main.hpp"
#include "fmkit/study/tv_study.hpp"

int main(int argc, char** argv) {
  return fm::run_main("fm-tv-study", [&] {
    return fm::study::study_main(
        argc, argv, "fm-tv-study: how fast flow matching's TV error falls with the sample size, beside a KDE and the bound chain",
        fm::study::tv_study_defaults(), fm::study::tv_study_opaque(), fm::study::study(fm::study::parse_tv_study, fm::study::run_tv_study),
        /*keeps_units=*/true);
  });
}
