#include "fmkit/dist/toy2d.hpp"

#include <cmath>
#include <numbers>

#include "fmkit/core/error.hpp"

namespace fm::dist {

Toy2dParams toy2d_defaults(const std::string& name, const std::string& where) {
  Toy2dParams p;
  p.name = name;
  if (name == "8gaussians") {
    p.scale = 5.0;
    p.noise = std::pow(0.1, 0.25);
  } else if (name == "moons") {
    p.scale = 3.0;
    p.shift = -1.0;
    p.jitter = 0.2;
  } else if (name == "checkerboard") {
    p.scale = 2.0;
  } else if (name == "rings") {
    p.radius = 3.0;
    p.noise = 0.08;
  } else if (name == "swissroll") {
    p.scale = 1.0 / 3.0;
    p.noise = 0.1;
  } else {
    usage_error(where + ".name: unknown toy '" + name +
                "' (expected 8gaussians, moons, checkerboard, rings or swissroll)");
  }
  return p;
}

Index Toy2d::classes() const {
  return p_.name == "8gaussians" ? 8 : p_.name == "moons" ? 2 : p_.name == "rings" ? 4 : 0;
}

std::shared_ptr<const GaussianMixture> Toy2d::as_mixture() const {
  if (p_.name != "8gaussians" || !(p_.noise > 0)) return nullptr;  // noise 0: eight atoms, no density
  std::vector<Gaussian> comps;
  for (int k = 0; k < 8; ++k) {
    Vec mean(2);
    mean << p_.scale * std::cos(k * std::numbers::pi / 4), p_.scale * std::sin(k * std::numbers::pi / 4);
    comps.emplace_back(mean, Square::Identity(2, 2) * (p_.noise * p_.noise), "toy2d:8gaussians");
  }
  return std::make_shared<GaussianMixture>(Vec::Constant(8, 1.0 / 8), std::move(comps), "toy2d:8gaussians");
}

Mat Toy2d::sample(Index n, Rng& rng) const {
  std::vector<Index> labels;
  return draw(n, rng, labels);
}

Mat Toy2d::sample_labelled(Index n, Rng& rng, std::vector<Index>& labels) const {
  if (classes() == 0) usage_error("toy2d " + p_.name + ": its points carry no class label (8gaussians, moons and rings do)");
  return draw(n, rng, labels);
}

Mat Toy2d::draw(Index n, Rng& rng, std::vector<Index>& labels) const {
  using std::numbers::pi;
  Mat y(n, 2);
  labels.assign(static_cast<std::size_t>(n), 0);
  for (Index i = 0; i < n; ++i) {
    double a = 0, b = 0;
    Index label = 0;
    if (p_.name == "8gaussians") {
      label = static_cast<Index>(rng.below(8));
      const double k = static_cast<double>(label);
      a = p_.scale * std::cos(k * pi / 4) + p_.noise * rng.normal();
      b = p_.scale * std::sin(k * pi / 4) + p_.noise * rng.normal();
    } else if (p_.name == "moons") {
      const bool lower = rng.below(2) == 1;
      label = lower ? 1 : 0;
      const double th = rng.uniform(0, pi), u = rng.uniform(0, p_.jitter);
      a = lower ? 1 - std::cos(th) : std::cos(th);
      b = lower ? 0.5 - std::sin(th) : std::sin(th);
      a = p_.scale * (a + u) + p_.shift;
      b = p_.scale * (b + u) + p_.shift;
    } else if (p_.name == "checkerboard") {
      const double x1 = rng.uniform(-2, 2);
      const double x2 = rng.uniform() - 2.0 * static_cast<double>(rng.below(2)) +
                        static_cast<double>((static_cast<long>(std::floor(x1)) % 2 + 2) % 2);
      a = p_.scale * x1;
      b = p_.scale * x2;
    } else if (p_.name == "rings") {
      label = static_cast<Index>(rng.below(4));
      const double r = p_.radius * (1.0 - 0.25 * static_cast<double>(label));
      const double th = rng.uniform(0, 2 * pi);
      a = r * std::cos(th) + p_.noise * rng.normal();
      b = r * std::sin(th) + p_.noise * rng.normal();
    } else {  // swissroll
      const double s = 1.5 * pi * (1 + 2 * rng.uniform());
      a = p_.scale * s * std::cos(s) + p_.noise * rng.normal();
      b = p_.scale * s * std::sin(s) + p_.noise * rng.normal();
    }
    y(i, 0) = a;
    y(i, 1) = b;
    labels[static_cast<std::size_t>(i)] = label;
  }
  return y;
}

}  // namespace fm::dist
