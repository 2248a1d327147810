// Thread control for OpenMP kernels: `--threads N` on every program, 0 meaning all cores.
#pragma once
#include <cstddef>
#include <functional>

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

// Runs unit(k) for k = 0 … n − 1, up to threads() units at once, each wholly on one thread (the
// kernels inside a unit then run on that thread: OpenMP regions do not nest). Many independent
// units of small kernels, such as a study's trainings of 3×64 networks, use the cores far better
// this way than by threading each kernel. Results do not change: a unit computes what it would
// alone, and the caller keeps each unit's output in its own slot. After a unit throws, the units
// numbered above it that have not started are skipped, and the lowest-numbered error is rethrown:
// the one a serial run would have stopped at.
void for_each_unit(std::size_t n, const std::function<void(std::size_t)>& unit);

}  // namespace fm
