// fm-kl-study: the KL-bound study from a config (experiments/configs/kl_{quick,paper}.json).
#include "fmkit/core/app.hpp"
#include "fmkit/study/kl_study.hpp"
#include "fmkit/study/study_main.hpp"

int main(int argc, char** argv) {
  return fm::run_main("fm-kl-study", [&] {
    return fm::study::study_main(
        argc, argv, "fm-kl-study: does KL(p1||q1) <= eps*sqrt(S) <= A1*eps + A2*eps^2 hold, and how tightly?",
        fm::study::kl_study_defaults(), {}, fm::study::study(fm::study::parse_kl_study, fm::study::run_kl_study));
  });
}
