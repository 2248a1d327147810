#include "fmkit/ot/semidiscrete_labels.hpp"

#include <algorithm>
#include <cmath>

#include "fmkit/core/error.hpp"
#include "fmkit/core/inverse_cdf.hpp"
#include "fmkit/core/timer.hpp"

namespace fm::ot {

Mat augment_with_labels(const Mat& x, const std::vector<Index>& labels, Index classes, double beta) {
  FM_REQUIRE(static_cast<Index>(labels.size()) == x.rows(), "augment_with_labels: one label per row expected");
  Mat a = Mat::Zero(x.rows(), x.cols() + classes);
  a.leftCols(x.cols()) = x;
  const double s = std::sqrt(beta);
  for (Index i = 0; i < x.rows(); ++i) a(i, x.cols() + labels[static_cast<std::size_t>(i)]) = s;
  return a;
}

std::vector<Index> draw_classes(const Vec& mass, Index n, Rng& rng) {
  std::vector<Index> c(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) c[static_cast<std::size_t>(i)] = inverse_cdf(mass.data(), mass.size(), rng.uniform());
  return c;
}

std::uint64_t class_seed(std::uint64_t seed, Index c) { return seed ^ (purpose_id("sd/class") + static_cast<std::uint64_t>(c)); }

namespace {

// The finite-β source: (x₀, √β e_{c₀}) with x₀ from the base source and c₀ ~ mass.
class AugmentedSource : public dist::Distribution {
 public:
  AugmentedSource(dist::DistributionPtr base, Vec mass, double beta)
      : base_(std::move(base)), mass_(std::move(mass)), beta_(beta) {}
  Index dim() const override { return base_->dim() + mass_.size(); }
  Mat sample(Index n, Rng& rng) const override {
    const Mat x = base_->sample(n, rng);
    return augment_with_labels(x, draw_classes(mass_, n, rng), mass_.size(), beta_);
  }
  std::string name() const override { return base_->name() + "+labels"; }

 private:
  dist::DistributionPtr base_;
  Vec mass_;
  double beta_;
};

// The continuous-condition source: (x₀, √β z_j) with x₀ from the base source and j ~ b (by binary
// search in the cumulative weights: N atoms, many draws).
class ConditionedSource : public dist::Distribution {
 public:
  ConditionedSource(dist::DistributionPtr base, Mat z, const Vec& b, double beta)
      : base_(std::move(base)), z_(std::move(z)), scale_(std::sqrt(beta)), cdf_(b) {}
  Index dim() const override { return base_->dim() + z_.cols(); }
  Mat sample(Index n, Rng& rng) const override {
    const Mat x = base_->sample(n, rng);
    Mat a(n, dim());
    a.leftCols(x.cols()) = x;
    for (Index i = 0; i < n; ++i) {
      a.row(i).tail(z_.cols()) = scale_ * z_.row(cdf_.pick(rng.uniform() * cdf_.total()));
    }
    return a;
  }
  std::string name() const override { return base_->name() + "+conditions"; }

 private:
  dist::DistributionPtr base_;
  Mat z_;
  double scale_;
  CumulativeWeights cdf_;
};

}  // namespace

SemidiscreteResult semidiscrete_conditioned(const dist::DistributionPtr& source, const Mat& y, const Vec& b,
                                            const Mat& z, double beta, const SemidiscreteOptions& opts, Mat& keys) {
  if (z.rows() != y.rows()) usage_error("conditions: one condition row per atom expected");
  if (!(beta > 0 && std::isfinite(beta))) usage_error("beta: continuous conditions need a finite beta > 0");
  keys.resize(y.rows(), y.cols() + z.cols());
  keys << y, std::sqrt(beta) * z;
  const ConditionedSource aug(source, z, b, beta);
  return semidiscrete(aug, keys, b, opts);
}

LabelledSemidiscrete semidiscrete_labelled(const dist::DistributionPtr& source, const Mat& y, const Vec& b,
                                           const std::vector<Index>& labels, Index classes, double beta,
                                           const SemidiscreteOptions& opts) {
  const Index N = y.rows();
  if (static_cast<Index>(labels.size()) != N)
    usage_error("labels: " + std::to_string(labels.size()) + " labels for " + std::to_string(N) + " atoms");
  if (classes < 1) usage_error("labels: needs at least one class");
  if (!(beta >= 0 && std::isfinite(beta))) usage_error("beta: expected a finite number >= 0 (0: per class)");
  LabelledSemidiscrete r;
  r.beta = beta;
  r.class_mass = Vec::Zero(classes);
  std::vector<std::vector<Index>> groups(static_cast<std::size_t>(classes));
  for (Index j = 0; j < N; ++j) {
    const Index c = labels[static_cast<std::size_t>(j)];
    if (c < 0 || c >= classes)
      usage_error("labels: atom " + std::to_string(j) + " has label " + std::to_string(c) + ", outside 0.." +
                  std::to_string(classes - 1));
    r.class_mass[c] += b[j];
    groups[static_cast<std::size_t>(c)].push_back(j);
  }
  // Uniform weights give exact shares n_c / N and 1 / n_c (sums of 1/N round).
  const bool uniform = (b.array() == b[0]).all();
  if (uniform)
    for (Index c = 0; c < classes; ++c)
      r.class_mass[c] = static_cast<double>(groups[static_cast<std::size_t>(c)].size()) / static_cast<double>(N);
  else
    r.class_mass /= r.class_mass.sum();
  r.cell_of_class.assign(static_cast<std::size_t>(classes), -1);
  const Timer timer;
  if (beta > 0) {
    std::vector<Index> all(static_cast<std::size_t>(N));
    for (Index j = 0; j < N; ++j) all[static_cast<std::size_t>(j)] = j;
    const AugmentedSource aug(source, r.class_mass, beta);
    r.rows.push_back(all);
    r.y.push_back(augment_with_labels(y, labels, classes, beta));
    r.b.push_back(b);
    r.fits.push_back(semidiscrete(aug, r.y[0], b, opts));
    r.joint = r.fits[0];
    for (auto& c : r.cell_of_class) c = 0;
    return r;
  }
  r.joint.g = Vec::Zero(N);
  r.joint.status = Status::Converged;
  double se2 = 0;
  for (std::size_t c = 0; c < groups.size(); ++c) {
    const auto& g = groups[c];
    if (g.empty()) continue;
    Mat yc(static_cast<Index>(g.size()), y.cols());
    Vec bc(static_cast<Index>(g.size()));
    for (std::size_t i = 0; i < g.size(); ++i) {
      yc.row(static_cast<Index>(i)) = y.row(g[i]);
      bc[static_cast<Index>(i)] = b[g[i]];
    }
    if (uniform) bc.setConstant(1.0 / static_cast<double>(g.size()));
    else bc /= bc.sum();
    SemidiscreteOptions oc = opts;
    oc.seed = class_seed(opts.seed, static_cast<Index>(c));
    SemidiscreteResult fit = semidiscrete(*source, yc, bc, oc);
    const double m = r.class_mass[static_cast<Index>(c)];
    for (std::size_t i = 0; i < g.size(); ++i) r.joint.g[g[i]] = fit.g[static_cast<Index>(i)];
    r.joint.chi2.value += m * fit.chi2.value;
    se2 += m * m * fit.chi2.se * fit.chi2.se;
    r.joint.iterations = std::max(r.joint.iterations, fit.iterations);
    if (fit.status == Status::NumericalError || (fit.status != Status::Converged && r.joint.status == Status::Converged))
      r.joint.status = fit.status;
    r.cell_of_class[c] = static_cast<Index>(r.rows.size());
    r.rows.push_back(g);
    r.y.push_back(std::move(yc));
    r.b.push_back(std::move(bc));
    r.fits.push_back(std::move(fit));
  }
  r.joint.chi2.se = std::sqrt(se2);
  r.joint.lr = r.fits.front().lr;
  r.joint.batch = r.fits.front().batch;
  r.joint.seconds = timer.seconds();
  return r;
}

}  // namespace fm::ot
