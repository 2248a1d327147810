#include "fmkit/integrate/conditional_sampling.hpp"

#include "fmkit/core/error.hpp"
#include "fmkit/io/points.hpp"

namespace fm::integrate {

Mat resolve_conditions(const cfg::json& spec, const nn::MlpSpec& net, Index n, const std::string& w) {
  const Index m = net.condition_columns();
  const std::string what = net.classes > 0 ? "a class label in 0.." + std::to_string(net.classes - 1)
                                           : "a vector of " + std::to_string(m) + " entries";
  Mat z;
  if (spec.is_null()) usage_error(w + ": the model is conditional; give " + what + " (or \"cycle\", a list, a file)");
  if (spec.is_number()) {
    if (m != 1) usage_error(w + ": expected " + what + ", got one number");
    z = Mat::Constant(n, 1, spec.get<double>());
  } else if (spec.is_string() && spec.get<std::string>() == "cycle") {
    if (net.classes == 0) usage_error(w + ": \"cycle\" goes through class labels; this model takes vectors");
    z.resize(n, 1);
    for (Index i = 0; i < n; ++i) z(i, 0) = static_cast<double>(i % net.classes);
  } else if (spec.is_string()) {
    z = io::read_points(spec.get<std::string>());
    if (z.rows() != n || z.cols() != m)
      usage_error(w + ": '" + spec.get<std::string>() + "' has " + std::to_string(z.rows()) + " × " +
                  std::to_string(z.cols()) + " values; expected " + std::to_string(n) + " × " + std::to_string(m));
  } else if (spec.is_array()) {
    const Vec v = cfg::as_vector(spec, w);
    if (m == 1 && v.size() == n) {
      z = v;
    } else if (m > 1 && v.size() == m) {  // one vector for every row
      z = v.transpose().replicate(n, 1);
    } else {
      usage_error(w + ": expected " + (m == 1 ? std::to_string(n) + " labels (one per sample)" : what) + ", got " +
                  std::to_string(v.size()) + " numbers");
    }
  } else {
    usage_error(w + ": expected " + what + ", \"cycle\", a list or a file");
  }
  // Only labels (or vectors) the network knows; ∅ only through the guidance scale.
  for (Index i = 0; i < z.rows(); ++i)
    if (nn::is_null_condition(net, z.row(i).data()))
      usage_error(w + ": row " + std::to_string(i) + " is the null condition; ask for it with guidance 0");
  return z;
}

FlowResult integrate_conditional(const field::ConditionedField& v, const Mat& x0, const Mat& cond, const FlowOptions& opts) {
  FlowResult r = integrate_flow(v, v.augment(x0, cond), 0.0, 1.0, opts);
  r.x = v.points(r.x);
  for (Mat& s : r.traj) s = v.points(s);
  return r;
}

}  // namespace fm::integrate
