#include "fmkit/study/sdfm_examples.hpp"

#include <algorithm>

#include "fmkit/coupling/semidiscrete_coupling.hpp"
#include "fmkit/integrate/flow.hpp"

namespace fm::study {

namespace {

constexpr Index kShownSamples = 1000;  // a scatter's worth; W2 uses the study's full set
constexpr Index kTrajectories = 64;
constexpr long kTrajectorySteps = 32;
constexpr Index kLossBins = 400;

void label(io::H5File& out, const std::string& name, const ExampleRun& r) {
  out.set_attr(name, "dataset", r.dataset);
  out.set_attr(name, "coupling", r.coupling);
  out.set_attr(name, "role", r.role);
  out.set_attr(name, "seed", static_cast<long long>(r.seed));
}

}  // namespace

Mat binned_curve(const std::vector<double>& loss, Index bins) {
  const auto n = static_cast<Index>(loss.size());
  const Index k = std::min(bins, n);
  Mat c(k, 2);
  for (Index b = 0; b < k; ++b) {
    const Index lo = b * n / k, hi = (b + 1) * n / k;  // steps lo+1 … hi
    double s = 0;
    for (Index i = lo; i < hi; ++i) s += loss[static_cast<std::size_t>(i)];
    c(b, 0) = static_cast<double>(hi);
    c(b, 1) = s / static_cast<double>(hi - lo);
  }
  return c;
}

void store_examples(io::H5File& out, const ExampleRun& r, const train::Trainer& trainer,
                    const field::VelocityField& v, const Mat& x0, const Mat& samples, const Vec& mean, double scale) {
  // Appended, not "d" + …: GCC 12 warns falsely (-Wrestrict) on that (as in sweep.cpp).
  std::string key = "d";
  key += std::to_string(r.dataset_index);
  key += "_c";
  key += std::to_string(r.coupling_index);
  const std::string curve = "/train_loss/" + key + "_s" + std::to_string(r.seed);
  out.write(curve, binned_curve(trainer.loss_curve(), kLossBins));
  label(out, curve, r);
  out.set_attr(curve, "columns", "last step of the block, mean training loss over the block");
  if (!r.first_seed) return;

  auto data_units = [&](const Mat& x) -> Mat { return (x * scale).rowwise() + mean.transpose(); };
  if (samples.rows() > 0) {  // no solver listed: nothing sampled
    const std::string s = "/samples/" + key;
    out.write(s, data_units(samples.topRows(std::min(kShownSamples, samples.rows()))));
    label(out, s, r);
  }

  if (x0.cols() == 2) {
    integrate::FlowOptions fo;
    fo.method = integrate::Method::Euler;
    fo.nfe = kTrajectorySteps;
    fo.trajectories = kTrajectorySteps;
    const auto f = integrate::integrate_flow(v, x0.topRows(std::min(kTrajectories, x0.rows())), 0, 1, fo);
    const std::string t = "/trajectories/" + key;
    std::vector<double> flat;
    for (const Mat& x : f.traj) {
      const Mat y = data_units(x);
      for (Index i = 0; i < y.rows(); ++i)
        for (Index j = 0; j < y.cols(); ++j) flat.push_back(y(i, j));
    }
    out.write_array(t, {f.traj.size(), static_cast<hsize_t>(f.traj.front().rows()), 2}, flat.data());
    label(out, t, r);
    out.set_attr(t, "steps", static_cast<long long>(kTrajectorySteps));
    out.set_attr(t, "shape", "(time, trajectory, coordinate): Euler states at t = k/steps, data units");
  }

  if (const auto* sd = dynamic_cast<const coupling::SemidiscreteCoupling*>(&trainer.coupling())) {
    const auto& fit = sd->potential();
    if (!fit.history_step.empty()) {
      Mat h(static_cast<Index>(fit.history_step.size()), 2);
      for (Index i = 0; i < h.rows(); ++i) {
        h(i, 0) = static_cast<double>(fit.history_step[static_cast<std::size_t>(i)]);
        h(i, 1) = fit.history_chi2[static_cast<std::size_t>(i)];
      }
      const std::string c = "/sd_chi2/" + key;
      out.write(c, h);
      label(out, c, r);
      out.set_attr(c, "columns", "SGD step, chi2 of the averaged potential on the evaluation set");
    }
  }
}

}  // namespace fm::study
