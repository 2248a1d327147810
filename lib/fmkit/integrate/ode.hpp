// ODE right-hand sides on batches and the fixed-step solvers (Euler, Heun, RK4), forward or
// backward in time. The state is n×m: one independent system per row.
#pragma once
#include <functional>
#include <string>

#include "fmkit/core/types.hpp"

namespace fm::integrate {

using Rhs = std::function<void(double t, const Mat& y, Mat& dy)>;
// Called after each step k (1-based) with the new time and state.
using Observer = std::function<void(long k, double t, const Mat& y)>;

enum class Method { Euler, Heun, Rk4, Dopri5 };

Method parse_method(const std::string& name, const std::string& where = "solver");
std::string to_string(Method m);
int stages(Method m);  // evaluations per step (Dopri5: 6 with FSAL)

// `steps` equal steps from t0 to t1 (t1 < t0 integrates backward). Returns the NFE.
long integrate_fixed(Method m, const Rhs& f, Mat& y, double t0, double t1, long steps, const Observer& obs = {});

}  // namespace fm::integrate
