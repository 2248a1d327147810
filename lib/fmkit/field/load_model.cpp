#include "fmkit/field/load_model.hpp"

#include "fmkit/core/error.hpp"
#include "fmkit/field/analytic_model.hpp"
#include "fmkit/field/trained_model.hpp"

namespace fm::field {

Model load_model(const cfg::json& model, const std::string& weights) {
  if (model.is_null()) usage_error("--model: required (an analytic spec .json or an fm-train run .h5)");
  if (model.is_object()) return make_analytic_model(model, "model");
  if (!model.is_string()) usage_error("model: expected a spec object or a file path");
  const std::string path = model.get<std::string>();
  // Inline JSON ('{...}'), as docs/fm-sample.md and fm-bound accept it.
  if (!path.empty() && path.front() == '{') return make_analytic_model(cfg::parse(path, "--model"), "model");
  if (path.size() > 3 && path.compare(path.size() - 3, 3, ".h5") == 0) return load_trained_model(path, weights);
  return make_analytic_model(cfg::load_file(path, "--model"), "model");
}

}  // namespace fm::field
