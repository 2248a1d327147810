// Builds a distribution from its JSON spec (DESIGN.md "Distribution / model specs"):
//   {"type":"gaussian","mean":[..],"std":s}  or  "cov":[[..]]
//   {"type":"gmm","weights":[..],"means":[[..]],"stds":[..]}  or  "covs":[[[..]]]
//   {"type":"sphere_gmm","components":16,"dim":32,"radius":4,"std":0.4,"seed":0}  (equal weights, means on a sphere)
//   {"type":"toy2d","name":"8gaussians", optional generator parameters}
//   {"type":"dataset","path":"x.npy|x.csv|x.csv.gz|x.h5:/ds","standardize":true,"columns":[0,64]}
//   {"type":"schedule","name":"a1|a2|a3","dim":2}
//   {"type":"holder","beta":0.5,"a":0.4}  (1-D limited-smoothness density, holder_density.hpp)
//   {"type":"atoms","m":100,"dim":2,"weights":"uniform"|"dirichlet","seed":0}  (discrete, atoms.hpp)
//   {"type":"brenier","dim":8,"seed":0}  (Y = ∇φ(X) with a known OT map, brenier_map.hpp)
#pragma once
#include "fmkit/core/config.hpp"
#include "fmkit/dist/distribution.hpp"
#include "fmkit/dist/gmm.hpp"

namespace fm::dist {

// `where` is the dotted config path of the spec, used in every error message.
DistributionPtr make_distribution(const cfg::json& spec, const std::string& where);

// A Gaussian, a mixture or a toy that is one (8gaussians) as a mixture (a Gaussian is one
// component); nullptr otherwise.
std::shared_ptr<const GaussianMixture> as_mixture(const DistributionPtr& d);

}  // namespace fm::dist
