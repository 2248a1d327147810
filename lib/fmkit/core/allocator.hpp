// Allocator tuning for batch kernels. glibc returns freed blocks above 128 KB to the OS (mmap /
// heap trim), so every Eigen temporary of a large batch is page-faulted in again on each call:
// measured 12× slower for the exact-mixture velocity at n = 4096. Programs call this once.
#pragma once

namespace fm {

void keep_freed_memory();

}  // namespace fm
