// Solver outcome shared by every iterative solver (ODE, Sinkhorn, SGD, network simplex):
// a caller never gets a silently wrong answer, only a status it must look at.
#pragma once
#include <string>

namespace fm {

enum class Status { Converged, MaxIterations, Diverged, NumericalError };

inline std::string to_string(Status s) {
  switch (s) {
    case Status::Converged: return "converged";
    case Status::MaxIterations: return "max_iterations";
    case Status::Diverged: return "diverged";
    default: return "numerical_error";
  }
}

}  // namespace fm
