#include "fmkit/field/trained_model.hpp"

#include "fmkit/core/error.hpp"
#include "fmkit/dist/gaussian.hpp"
#include "fmkit/dist/spec.hpp"
#include "fmkit/field/analytic_model.hpp"
#include "fmkit/field/mlp_field.hpp"
#include "fmkit/field/mlp_mean_flow.hpp"
#include "fmkit/io/h5file.hpp"
#include "fmkit/nn/checkpoint.hpp"

namespace fm::field {

Model load_trained_model(const std::string& path, const std::string& weights) {
  if (weights != "ema" && weights != "raw") usage_error("weights: expected ema or raw, got '" + weights + "'");
  const io::H5File f = io::H5File::open(path);
  if (!f.exists("/model/spec")) usage_error("--model '" + path + "': not an fm-train run file (no /model/spec)");
  const cfg::json spec = cfg::parse(f.read_string("/model/spec"), "--model '" + path + "': /model/spec");
  const cfg::json config = cfg::parse(f.read_string("/config"), "--model '" + path + "': /config");
  if (!config.is_object()) usage_error("--model '" + path + "': /config: expected a JSON object");
  auto mlp = std::make_shared<nn::Mlp>(nn::spec_from_json(cfg::at(spec, "mlp", "--model '" + path + "': /model/spec")));
  const nn::Checkpoint c = nn::read_checkpoint(f, "/runs/0/checkpoint", mlp->num_params());
  mlp->params() = weights == "ema" ? c.ema : c.params;

  Model m;
  m.dim = mlp->dim();
  m.source = config["source"].is_null() ? std::make_shared<dist::Gaussian>(dist::Gaussian::standard(m.dim))
                                        : dist::make_distribution(config["source"], "source");
  const std::string output = spec.value("output", "velocity");
  const cfg::json& obj = cfg::at(spec, "objective", "--model '" + path + "': /model/spec");
  if (mlp->spec().conditional()) {
    m.conditional = mlp;
    return m;  // the unconditional target's exact path is not this model's
  }
  if (output == "velocity") {
    m.velocity = std::make_shared<MlpField>(mlp);
  } else if (output == "meanflow") {
    m.velocity = std::make_shared<MlpField>(mlp);  // U(x, t, t)
    m.mean_flow = std::make_shared<MlpMeanFlow>(mlp);
  } else {
    m.sigma2 = obj.value("sigma2", 1.0);
    m.drift = std::make_shared<MlpField>(mlp, output == "denoiser" ? MlpField::Output::Denoiser
                                                                   : MlpField::Output::Direct);
  }
  // The true path of the training target, when closed-form: exact log p_t beside the model's.
  m.target = config["target"];
  const std::string ttype = config["target"].value("type", "");
  const bool gaussian_source = config["source"].is_null() || config["source"].value("type", "") == "gaussian";
  const bool holder = ttype == "holder";
  if ((!holder && gaussian_source && has_exact_path(config["target"])) ||
      (holder && config["source"].is_null() && output != "drift" && output != "denoiser")) {
    cfg::json a = {{"field", "exact"}, {"target", config["target"]}};
    if (!config["source"].is_null()) a["source"] = config["source"];
    if (output == "drift" || output == "denoiser") a["interpolant"] = {{"type", "bridge"}, {"sigma2", m.sigma2}};
    const Model exact = make_analytic_model(a, "config");
    m.log_p = exact.log_p;
    m.score_p = exact.score_p;
    m.second_moment = exact.second_moment;
    m.sample_p = exact.sample_p;
  }
  return m;
}

}  // namespace fm::field
