// Thread control for OpenMP kernels: `--threads N` on every program, 0 meaning all cores.
#pragma once

namespace fm {

void set_threads(int n);  // 0: all available cores; above max_threads() (or negative) is a usage error
int max_threads();
int threads();

// Whether a kernel over `entries` independent inner-loop entries is worth a thread team (for an
// OpenMP `if` clause). A fork and join costs microseconds on an idle machine but a scheduler time
// slice when another process holds a core: a semidiscrete SGD step on 64 × 6 entries went from
// 13 µs to over 8 ms under `ctest -j2`, and a 200 000-step test from 3 s to a 600 s timeout.
// Below the threshold one thread does the work alone; the results do not change (every entry is
// computed by one thread either way).
bool worth_threads(double entries);

}  // namespace fm
