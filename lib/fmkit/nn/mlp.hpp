// MLP velocity field v(x, t) = W_L σ(… σ(W_1 [x; emb(t)] + b_1) …) + b_L, batched with Eigen
// GEMMs (no per-sample loops), with exact input derivatives:
//   Jacobian ∂v/∂x by forward-mode tangents (all d directions as one (n·d)-row GEMM per layer),
//   divergence as its trace, and ∇(∇·v) by reverse-over-forward (one reverse sweep through the
//   tangent pass: O(n·d·h²), where second-order forward mode would cost O(n·d²·h²)).
// A conditional network takes one raw condition row per point (`cond`: a label, or a vector; see
// MlpSpec); its x-derivatives stay exact, the condition being held fixed.
// Parameters live in one flat vector (Adam, EMA and checkpoints act on it), layer l as W_l
// (row-major out×in) followed by b_l.
#pragma once
#include <vector>

#include "fmkit/core/rng.hpp"
#include "fmkit/nn/activation.hpp"
#include "fmkit/nn/precision.hpp"
#include "fmkit/nn/time_embedding.hpp"
#include "fmkit/core/derivatives.hpp"

namespace fm::nn {

struct MlpSpec {
  Index dim = 2;                     // x and output dimension
  std::vector<Index> hidden{64, 64, 64};
  Activation activation = Activation::Silu;
  TimeEmbedding embedding;
  // 1: v(x, t). 2: U(x, t, s), the average velocity of a mean-flow model, with both times embedded
  // ([x, emb(t), emb(s)]); evaluated with one time it is U(x, t, t), the instantaneous velocity.
  int times = 1;
  // A conditional network v(x, t, z) (theory/sdfm_variants.md §1), the condition entering the
  // first layer beside x and the time features: `classes` > 0 takes a class label as a one-hot
  // block (so the first layer's columns are a learned label embedding), else `cond_dim` > 0 takes a
  // continuous vector. `null_token` adds one more input, the learned ∅ of classifier-free guidance.
  Index classes = 0;
  Index cond_dim = 0;
  bool null_token = false;
  bool conditional() const { return classes > 0 || cond_dim > 0; }
  // Columns of a raw condition: 1 (the label) or cond_dim; 0 for an unconditional net.
  Index condition_columns() const { return classes > 0 ? 1 : cond_dim; }
  Index condition_width() const { return (classes > 0 ? classes : cond_dim) + (null_token ? 1 : 0); }
};

// The raw condition of ∅ (classifier-free guidance's unconditional input): label −1, or a NaN
// first entry for a continuous condition.
constexpr double kNullLabel = -1;
bool is_null_condition(const MlpSpec& spec, const double* row);

class Mlp {
 public:
  using RowMap = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;

  explicit Mlp(MlpSpec spec);
  const MlpSpec& spec() const { return spec_; }
  Index dim() const { return spec_.dim; }
  Index num_params() const { return params_.size(); }
  Index num_layers() const { return static_cast<Index>(in_.size()); }
  Vec& params() { return params_; }
  const Vec& params() const { return params_; }
  // U(−1/√fan_in, 1/√fan_in) for weights and biases (the PyTorch default the studies used).
  void init(Rng& rng);

  RowMap weight(Index l) const;  // out_l × in_l
  Eigen::Map<const Vec> bias(Index l) const;

  // Training forward pass; `cache` keeps the layer inputs and pre-activations for backward.
  template <class S>
  using MatT = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  template <class S>
  struct CacheT {
    std::vector<MatT<S>> z;   // z[l]: input of layer l (z[0] = [x, emb(t), condition])
    std::vector<MatT<S>> s1;  // σ'(a_l) of the hidden layers
  };
  using Cache = CacheT<double>;
  using CacheF = CacheT<float>;
  Mat forward(const Mat& x, const Vec& t, Cache* cache = nullptr, const Mat& cond = Mat()) const;
  // A two-time network at (x, t, s).
  Mat forward(const Mat& x, const Vec& t, const Vec& s, Cache* cache = nullptr, const Mat& cond = Mat()) const;
  // The value at (x, t, s) and, in the same pass, its directional derivative along (dx, dt, ds)
  // by forward-mode tangents (the mean-flow target's JVP: direction (v, 1, 0)). A one-time
  // network ignores s and ds.
  Mat forward_jvp(const Mat& x, const Vec& t, const Vec& s, const Mat& dx, const Vec& dt, const Vec& ds, Mat& tangent,
                  Cache* cache = nullptr) const;
  // Adds ∂L/∂θ to `grad` given dout = ∂L/∂v (n × d).
  void backward(const Cache& cache, const Mat& dout, Vec& grad) const;

  // The float32 passes (train.precision = float32, and float32 sampling): the same network with
  // `p32`, params() cast to float, as its weights. The input features are built in float64 and cast.
  MatF forward_f32(const VecF& p32, const Mat& x, const Vec& t, CacheF* cache = nullptr, const Mat& cond = Mat()) const;
  void backward_f32(const VecF& p32, const CacheF& cache, const MatF& dout, VecF& grad) const;

  // Field evaluation at per-row times: value, Jacobian (n × d², row-major per point), divergence, ∇div.
  void evaluate(const Mat& x, const Vec& t, unsigned want, Derivs& out, const Mat& cond = Mat()) const;
  // ∂v/∂t by one forward tangent along the time features.
  Mat time_derivative(const Mat& x, const Vec& t, const Mat& cond = Mat()) const;

  // A usage error naming the problem unless `cond` is a valid raw condition block for n points
  // (labels inside the trained classes, the right width, ∅ only with a null token).
  void check_condition(const Mat& cond, Index n) const;

 private:
  Mat input(const Mat& x, const Vec& t, const Mat& cond) const;
  Mat input(const Mat& x, const Vec& t, const Vec& s, const Mat& cond) const;
  // The layers from the input features z, and their backward pass, with weights p (params_ or a
  // float32 copy): one template, so float64 and float32 are the same algorithm.
  template <class S>
  MatT<S> run(const S* p, MatT<S> z, CacheT<S>* cache) const;
  template <class S>
  void backward_as(const S* p, const CacheT<S>& cache, const MatT<S>& dout, S* grad) const;
  MlpSpec spec_;
  std::vector<Index> in_, out_, offset_;
  Vec params_;
};

}  // namespace fm::nn
