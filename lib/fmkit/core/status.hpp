// Solver outcome shared by every iterative solver (ODE, Sinkhorn, SGD, network simplex):
// a caller never gets a silently wrong answer, only a status it must look at.
#pragma once
#include <string>

namespace fm {

// A fixed-budget run with no convergence target (training) ends Complete, or EarlyStopped when
// one of its stop rules fires; MaxIterations means a convergence target was not reached.
enum class Status { Converged, MaxIterations, Diverged, NumericalError, Complete, EarlyStopped };

inline std::string to_string(Status s) {
  switch (s) {
    case Status::Converged: return "converged";
    case Status::MaxIterations: return "max_iterations";
    case Status::Diverged: return "diverged";
    case Status::Complete: return "complete";
    case Status::EarlyStopped: return "early_stopped";
    default: return "numerical_error";
  }
}

}  // namespace fm
