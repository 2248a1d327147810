// What the SD-FM plots show beside the tables, stored in the study's file for each (dataset,
// coupling): the training-loss curve of every seed, and for the first seed its samples (data units),
// 64 Euler trajectories of a 2-D set, and the SD potential's χ² against SGD step. Layout in
// docs/fm-sdfm-study.md; experiments/plot/sdfm_study.py draws them.
#pragma once
#include <cstdint>
#include <string>

#include "fmkit/core/types.hpp"
#include "fmkit/field/velocity_field.hpp"
#include "fmkit/io/h5file.hpp"
#include "fmkit/train/trainer.hpp"

namespace fm::study {

struct ExampleRun {
  std::size_t dataset_index = 0, coupling_index = 0;
  std::string dataset, coupling, role;
  std::uint64_t seed = 0;
  bool first_seed = false;  // samples, trajectories and the χ² history are kept for one seed
};

// `samples` are the standardised generated points (the study's most accurate solver), `x0` the
// bench's noise, `mean` and `scale` the dataset's standardisation.
void store_examples(io::H5File& out, const ExampleRun& run, const train::Trainer& trainer,
                    const field::VelocityField& v, const Mat& x0, const Mat& samples, const Vec& mean, double scale);

// The loss curve in at most `bins` block means: rows (last step of the block, mean loss).
Mat binned_curve(const std::vector<double>& loss, Index bins);

}  // namespace fm::study
