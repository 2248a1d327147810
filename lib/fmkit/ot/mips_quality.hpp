// How well a MIPS index pairs (issue 23 §3): on fresh source draws, the fraction given the exact
// argmax atom (recall@1) and the χ² of the assignment the index produces, beside the exact
// search's χ² on the same draws. A missed cell moves mass between atoms, and the χ² is what the
// coupling's marginal sees: an index with recall 0.99 whose misses pile onto a few atoms can
// still spoil the marginal, one whose misses scatter need not.
#pragma once
#include <string>
#include <vector>

#include "fmkit/core/types.hpp"
#include "fmkit/io/summary.hpp"
#include "fmkit/ot/mips.hpp"
#include "fmkit/ot/semidiscrete.hpp"

namespace fm::ot {

struct MipsQuality {
  std::string method;
  Index probes = 0;        // draws, over all batches
  double recall = 0;       // fraction of draws paired with the exact argmax atom
  Chi2 chi2;               // of the index's assignment (mean and SE over batches)
  Chi2 chi2_exact;         // of the exact assignment on the same draws
  double seconds_index = 0, seconds_exact = 0;  // search time on the draws
  std::string brief() const;
  // mips, mips_recall, mips_chi2 (and _se), mips_chi2_exact (and _se), mips_probes and the two
  // search times as µs per query.
  void summarize(io::Summary& s) const;
};

// Both indexes search the same batches of draws x (n × d each); b weighs the atoms.
MipsQuality mips_quality(const std::string& method, const Mips& index, const Mips& exact,
                         const std::vector<Mat>& batches, const Vec& b);

}  // namespace fm::ot
