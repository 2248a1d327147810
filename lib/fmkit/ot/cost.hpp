// Ground costs for OT between point sets (theory/sdfm.md §1): squared Euclidean ‖x − y‖² and the
// dot cost −⟨x, y⟩. They differ by terms in x alone and y alone, so optimal couplings coincide
// (for equal marginals) while potentials and ε scales differ. Relative ε is ε_rel · std(C).
#pragma once
#include <string>

#include "fmkit/core/types.hpp"

namespace fm::ot {

enum class CostKind { SqEuclid, Dot };

CostKind parse_cost(const std::string& name, const std::string& where = "--cost");
std::string to_string(CostKind c);

// The n × m cost matrix (squared Euclidean by the GEMM identity, clamped at 0).
Mat cost_matrix(const Mat& x, const Mat& y, CostKind kind);

// Population standard deviation of the entries of C (the relative-ε scale).
double cost_std(const Mat& C);

}  // namespace fm::ot
