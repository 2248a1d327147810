#include "fmkit/metrics/rate_fit.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "fmkit/core/error.hpp"
#include "fmkit/core/rng.hpp"

namespace fm::metrics {
namespace {

// Least-squares slope and intercept of v against u; the rate is minus the slope.
std::pair<double, double> line(const std::vector<double>& u, const std::vector<double>& v) {
  const double k = static_cast<double>(u.size());
  double mu = 0, mv = 0;
  for (std::size_t i = 0; i < u.size(); ++i) {
    mu += u[i] / k;
    mv += v[i] / k;
  }
  double suu = 0, suv = 0;
  for (std::size_t i = 0; i < u.size(); ++i) {
    suu += (u[i] - mu) * (u[i] - mu);
    suv += (u[i] - mu) * (v[i] - mv);
  }
  const double slope = suv / suu;
  return {slope, mv - slope * mu};
}

}  // namespace

RateFit fit_rate(const std::vector<double>& n, const std::vector<double>& y, double n_min, double level, int resamples,
                 std::uint64_t seed) {
  FM_REQUIRE(n.size() == y.size(), "rate fit: n and y differ in length");
  FM_REQUIRE(level > 0 && level < 1 && resamples >= 0, "rate fit: bad level or resample count");
  std::map<double, std::vector<double>> groups;
  for (std::size_t i = 0; i < n.size(); ++i)
    if (n[i] >= n_min && n[i] > 0) groups[n[i]].push_back(y[i]);
  auto fit_means = [&](const std::map<double, std::vector<double>>& g, RateFit* info) {
    std::vector<double> u, v;
    for (const auto& [nn, ys] : g) {
      double m = 0;
      for (double x : ys) m += x / static_cast<double>(ys.size());
      if (m > 0 && std::isfinite(m)) {
        u.push_back(std::log(nn));
        v.push_back(std::log(m));
      } else if (info) {
        ++info->dropped;
      }
    }
    if (info) info->n_values = static_cast<int>(u.size());
    if (u.size() < 2) return std::make_pair(std::nan(""), std::nan(""));
    return line(u, v);
  };
  RateFit r;
  const auto [slope, c] = fit_means(groups, &r);
  r.rate = -slope;
  r.intercept = c;
  r.lo = r.hi = std::nan("");
  if (!std::isfinite(slope)) return r;
  Rng rng(seed, "rate_fit/bootstrap");
  std::vector<double> rates;
  for (int b = 0; b < resamples; ++b) {
    std::map<double, std::vector<double>> g;
    for (const auto& [nn, ys] : groups) {
      std::vector<double>& s = g[nn];
      for (std::size_t i = 0; i < ys.size(); ++i) s.push_back(ys[rng.below(ys.size())]);
    }
    RateFit info;
    const auto [sb, cb] = fit_means(g, &info);
    // A resample that loses an n (non-positive mean) fits another design: it is not counted.
    if (std::isfinite(sb) && info.n_values == r.n_values) rates.push_back(-sb);
  }
  r.valid_resamples = static_cast<int>(rates.size());
  if (rates.size() < static_cast<std::size_t>(resamples) / 2 || rates.empty()) return r;
  std::sort(rates.begin(), rates.end());
  auto quantile = [&](double q) {
    const double pos = q * static_cast<double>(rates.size() - 1);
    const auto i = static_cast<std::size_t>(pos);
    const double f = pos - static_cast<double>(i);
    return i + 1 < rates.size() ? rates[i] * (1 - f) + rates[i + 1] * f : rates[i];
  };
  r.lo = quantile((1 - level) / 2);
  r.hi = quantile(1 - (1 - level) / 2);
  return r;
}

}  // namespace fm::metrics
