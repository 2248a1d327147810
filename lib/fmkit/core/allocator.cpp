#include "fmkit/core/allocator.hpp"

#include <malloc.h>

namespace fm {

void keep_freed_memory() {
  // Serve large blocks from the heap and keep freed memory for reuse instead of returning it.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
}

}  // namespace fm
