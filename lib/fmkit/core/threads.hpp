// Thread control for OpenMP kernels: `--threads N` on every program, 0 meaning all cores.
#pragma once

namespace fm {

void set_threads(int n);  // 0: all available cores; above max_threads() (or negative) is a usage error
int max_threads();
int threads();

}  // namespace fm
