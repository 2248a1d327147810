// The SD-FM study's super-resolution block (config.super_resolution; theory/sdfm_variants.md §1):
// a continuous condition. Each image y of a data set of square images (the digits' 8×8) is paired
// with z = its average-pooled copy (`pooled` × `pooled` pixels) plus N(0, σ²) noise, in the
// standardised units the models train in; the couplings pair on the augmented cost with weight
// `beta` in their specs. Per (dataset, coupling, seed) one conditional model v(x, t, z) is trained
// with the dataset's recipe, then for the first `n_conditions` test images `samples_per_condition`
// samples of each are drawn (one noise set shared by all couplings and seeds) with Euler at each
// NFE and with Dopri5, and scored against the image whose condition was used: PSNR (pixel range
// `peak`, in data units), the spread of the samples of one condition (per-pixel standard deviation,
// averaged), and the RMSE between a sample's pooled copy and the noiseless pooled truth.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "fmkit/core/config.hpp"
#include "fmkit/dist/distribution.hpp"
#include "fmkit/io/h5file.hpp"
#include "fmkit/io/table.hpp"
#include "fmkit/study/sdfm_data.hpp"
#include "fmkit/study/study_tables.hpp"
#include "fmkit/train/train_spec.hpp"

namespace fm::study {

struct SuperResPlan {
  std::vector<std::string> names, labels, roles;
  std::vector<dist::DistributionPtr> targets;
  std::vector<train::TrainSpec> specs;
  std::vector<SplitSpec> splits;          // per dataset
  std::vector<cfg::json> coupling_specs;  // per coupling (coupling::make_coupling's spec)
  std::vector<Index> pooled;
  std::vector<double> sigma;
  std::vector<long> euler;
  bool dopri5 = true;
  Index n_conditions = 100, samples_per_condition = 8, show = 6;
  double peak = 16;
  std::vector<bool> dataset_selected, coupling_selected;
};

// The average-pooled copies of square images (rows of side² pixels, row-major) at `pooled` × `pooled`
// (side a multiple of pooled).
Mat average_pool(const Mat& images, Index side, Index pooled);

SuperResPlan plan_sdfm_superres(const cfg::json& block, const cfg::json& train);
long superres_runs(const SuperResPlan& p, std::size_t seeds);
// The /super_resolution rows; `progress` is told each training run before and after it.
io::Table run_sdfm_superres(const SuperResPlan& p, const std::vector<std::uint64_t>& seeds, std::uint64_t base_seed,
                            io::H5File* output, StudyProgress& progress);

}  // namespace fm::study
