// Runs a per-chunk solve over fixed-size row chunks in parallel. Chunk boundaries depend only on
// n and the chunk size, never on the thread count, so results are bit-identical across threads.
#pragma once
#include <functional>
#include <string>

#include "fmkit/core/types.hpp"

namespace fm::integrate {

struct ChunkStats {
  long nfe_max = 0;     // evaluations on the costliest chunk
  double nfe_mean = 0;  // per-row mean of the chunks' evaluations
};

// body(r0, rows) solves rows [r0, r0+rows) and returns its NFE. An exception in any chunk is
// rethrown (with its original type) after all chunks finish.
// `label`, when non-empty, names a progress bar on stderr (drawn only on a terminal).
ChunkStats for_each_chunk(Index n, Index chunk, const std::function<long(Index r0, Index rows)>& body,
                          const std::string& label = "");

}  // namespace fm::integrate
