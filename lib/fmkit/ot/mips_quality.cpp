#include "fmkit/ot/mips_quality.hpp"

#include <sstream>

#include "fmkit/core/error.hpp"
#include "fmkit/core/timer.hpp"

namespace fm::ot {

MipsQuality mips_quality(const std::string& method, const Mips& index, const Mips& exact,
                         const std::vector<Mat>& batches, const Vec& b) {
  FM_REQUIRE(!batches.empty(), "mips quality: no probe batches");
  MipsQuality q;
  q.method = method;
  std::vector<std::vector<Index>> got, want;
  double hits = 0;
  for (const Mat& x : batches) {
    Timer t;
    got.push_back(index.argmax(x));
    q.seconds_index += t.seconds();
    Timer te;
    want.push_back(exact.argmax(x));
    q.seconds_exact += te.seconds();
    for (std::size_t i = 0; i < got.back().size(); ++i) hits += got.back()[i] == want.back()[i];
    q.probes += x.rows();
  }
  q.recall = hits / static_cast<double>(q.probes);
  q.chi2 = chi2_of_assignments(got, b);
  q.chi2_exact = chi2_of_assignments(want, b);
  return q;
}

std::string MipsQuality::brief() const {
  std::ostringstream o;
  o << "mips " << method << ": recall " << recall << " on " << probes << " draws, chi2 " << chi2.value << " ± "
    << chi2.se << " (exact search " << chi2_exact.value << " ± " << chi2_exact.se << ")";
  return o.str();
}

void MipsQuality::summarize(io::Summary& s) const {
  const double n = static_cast<double>(probes);
  s.set("mips", method);
  s.set("mips_probes", static_cast<long long>(probes));
  s.set("mips_recall", recall);
  s.set("mips_chi2", chi2.value);
  s.set("mips_chi2_se", chi2.se);
  s.set("mips_chi2_exact", chi2_exact.value);
  s.set("mips_chi2_exact_se", chi2_exact.se);
  s.set("mips_us_per_query", 1e6 * seconds_index / n);
  s.set("mips_exact_us_per_query", 1e6 * seconds_exact / n);
}

}  // namespace fm::ot
