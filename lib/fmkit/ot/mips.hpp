// Maximum-inner-product search for semidiscrete pairing (theory/sdfm.md §3): the atom of a noise x
// is j*(x) = argmax_j (g_j + ⟨x, y_j⟩) = argmax_j ⟨(x, 1), (y_j, g_j)⟩, over atoms with b_j > 0,
// ties to the lowest index.
//   exact   chunked GEMM over the atoms with a fused running (max, index) per row; float scores
//           by default (g kept in double; only points within rounding of a cell boundary can
//           flip), double on request;
//   flat    FAISS IndexFlatIP (exact, BLAS-backed);
//   hnsw    FAISS HNSW on the MIPS→L2 lift k' = (k, √(M² − ‖k‖²)), q' = (q, 0) (approximate);
//   ivf     FAISS IVF with the inner-product metric, nlist ≈ 4√N unless given (approximate).
// Approximate indexes are judged by their recall against the exact search and by the χ² of the
// assignment they produce (mips_quality), both on fresh source draws.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "fmkit/core/config.hpp"
#include "fmkit/core/types.hpp"

namespace fm::ot {

struct MipsOptions {
  std::string method = "exact";  // exact | flat | hnsw | ivf
  bool double_precision = false; // exact only
  Index chunk = 1024;            // atoms per GEMM chunk (exact); 64 rows × 1024 floats stay in L2
  int hnsw_m = 32, hnsw_ef = 64; // graph degree, search breadth
  int ivf_nlist = 0;             // lists; 0: round(4√N), resolved when the index is built
  int ivf_nprobe = 8;            // lists searched per query
  void validate() const;         // usage error naming the field out of range
  int nlist_for(Index atoms) const;       // ivf_nlist, or round(4√N) when 0
  void check_atoms(Index atoms) const;    // IVF: no more lists than atoms, no more probes than lists
};

// {"method": "exact"|"flat"|"hnsw"|"ivf", "hnsw_m" (32), "hnsw_ef" (64), "ivf_nlist" (0: 4√N),
// "ivf_nprobe" (8)}, validated; `where` prefixes messages.
MipsOptions parse_mips_spec(const cfg::json& spec, const std::string& where);
cfg::json to_json(const MipsOptions& o);

class Mips {
 public:
  virtual ~Mips() = default;
  // The argmax atom of each row of x (n × d).
  virtual std::vector<Index> argmax(const Mat& x) const = 0;
};

// Keys from atoms y (N × d), potential g (dot cost) and weights b (atoms with b_j = 0 are
// excluded; empty b: all atoms).
std::unique_ptr<Mips> make_mips(const Mat& y, const Vec& g, const Vec& b, const MipsOptions& opts);

}  // namespace fm::ot
