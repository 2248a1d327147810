// Learning-rate schedules over `total` steps, with optional linear warm-up and an optional
// step granularity (`every` = steps per epoch reproduces "cosine stepped per epoch"):
//   constant: lr;   cosine: floor + (lr − floor)(1 + cos πs/total)/2;   linear: lr → floor
#pragma once
#include <string>

namespace fm::nn {

struct LrSchedule {
  std::string type = "cosine";  // constant | cosine | linear
  double lr = 1e-3;
  double floor = 0.0;           // final value for cosine and linear
  long warmup = 0;              // steps of linear ramp from 0
  long every = 1;               // the schedule advances every `every` steps
  long total = 1;
  void validate() const;
  double at(long step) const;
};

}  // namespace fm::nn
