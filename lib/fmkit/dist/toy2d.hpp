// The 2-D toy targets of the FM literature, with every generator parameter explicit:
//   8gaussians   k ~ U{0..7}; y = scale·(cos kπ/4, sin kπ/4) + noise·z          scale 5, noise 0.1^(1/4)
//   moons        l ~ Bern(½), θ ~ U[0,π]; p = (cos θ, sin θ) or (1−cos θ, ½−sin θ);
//                p += u·(1,1), u ~ U[0,jitter); y = scale·p + shift               scale 3, shift −1, jitter 0.2
//   checkerboard x₁ ~ U[−2,2); x₂ = U[0,1) − 2·Bern(½) + (⌊x₁⌋ mod 2); y = scale·(x₁,x₂)   scale 2
//   rings        r ∈ {1, ¾, ½, ¼}·radius equiprobable, θ ~ U[0,2π); y = r(cos θ, sin θ) + noise·z
//                                                                               radius 3, noise 0.08
//   swissroll    s = 1.5π(1 + 2u); y = scale·(s cos s, s sin s) + noise·z        scale 1/3, noise 0.1
// (z ~ N(0, I₂); the definitions follow theory/sdfm.md §8 and the usual TorchCFM generators.)
#pragma once
#include "fmkit/dist/gmm.hpp"

namespace fm::dist {

struct Toy2dParams {
  std::string name;
  double scale = 0, noise = 0, shift = 0, jitter = 0, radius = 0;
};

// Defaults for a toy by name; an unknown name is a usage error listing the valid ones.
Toy2dParams toy2d_defaults(const std::string& name, const std::string& where = "toy2d");

class Toy2d : public Distribution {
 public:
  explicit Toy2d(Toy2dParams p) : p_(std::move(p)) {}
  Index dim() const override { return 2; }
  Mat sample(Index n, Rng& rng) const override;
  // 8gaussians: the mode k (8 classes); moons: the moon (2); rings: the ring (4); others none.
  Index classes() const override;
  Mat sample_labelled(Index n, Rng& rng, std::vector<Index>& labels) const override;
  std::string name() const override { return "toy2d:" + p_.name; }
  const Toy2dParams& params() const { return p_; }
  // The same law as a Gaussian mixture, for the toys that are one (8gaussians: eight equal
  // components N(scale·(cos kπ/4, sin kπ/4), noise² I), noise > 0); nullptr for the others. Sampling stays
  // the toy's own generator, so a run's draws do not change.
  std::shared_ptr<const GaussianMixture> as_mixture() const;

 private:
  Mat draw(Index n, Rng& rng, std::vector<Index>& labels) const;  // the one generator behind both
  Toy2dParams p_;
};

}  // namespace fm::dist
