// Thread control for OpenMP kernels: `--threads N` on every program, 0 meaning all cores.
#pragma once

namespace fm {

void set_threads(int n);  // n <= 0: all available cores
int threads();

}  // namespace fm
