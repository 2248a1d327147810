#include "fmkit/field/mlp_mean_flow.hpp"

#include "fmkit/core/error.hpp"

namespace fm::field {

MlpMeanFlow::MlpMeanFlow(std::shared_ptr<const nn::Mlp> mlp) : mlp_(std::move(mlp)) {
  FM_REQUIRE(mlp_ && mlp_->spec().times == 2, "mean flow: the network takes one time; train it with objective meanflow");
}

}  // namespace fm::field
