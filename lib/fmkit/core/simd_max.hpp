// The maximum of an array, with one 64-byte vector of running maxima (GCC's vector extension, so
// one vmaxps/vmaxpd per 64 bytes). GCC does not vectorise a scalar max reduction without
// -ffast-math, and neither an `omp simd reduction(max)` nor a hand-laned array of 16 did better:
// both compiled to scalar vmaxss chains. The maximum is exact, so the result is the same as any
// scalar loop's on values without NaN.
#pragma once
#include <cstring>
#include <limits>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "fmkit/core/types.hpp"

namespace fm {

// max of p[0..n); −∞ when n = 0. NaN entries are not supported (callers hold finite values or −∞).
template <class T>
T simd_max(const T* p, Index n) {
  constexpr Index kW = 64 / static_cast<Index>(sizeof(T));
  typedef T V __attribute__((vector_size(64)));
  T v = -std::numeric_limits<T>::infinity();
  Index j = 0;
  if (n >= kW) {
    V m;
    std::memcpy(&m, p, sizeof(V));  // unaligned loads
    for (j = kW; j + kW <= n; j += kW) {
      V x;
      std::memcpy(&x, p + j, sizeof(V));
      m = x > m ? x : m;
    }
    for (Index l = 0; l < kW; ++l) v = m[l] > v ? m[l] : v;
  }
  for (; j < n; ++j) v = p[j] > v ? p[j] : v;
  return v;
}

// The first j in [0, n) with p[j] == value, or n. With AVX-512, 64 bytes per compare and the
// lane from the mask's lowest bit: as a scalar scan it was a third of the MIPS argmax pass.
template <class T>
Index first_equal(const T* p, Index n, T value) {
  Index j = 0;
#if defined(__AVX512F__)
  if constexpr (sizeof(T) == 4) {
    const __m512 v = _mm512_set1_ps(static_cast<float>(value));
    for (; j + 16 <= n; j += 16)
      if (const unsigned m = _mm512_cmp_ps_mask(_mm512_loadu_ps(p + j), v, _CMP_EQ_OQ)) return j + __builtin_ctz(m);
  } else if constexpr (sizeof(T) == 8) {
    const __m512d v = _mm512_set1_pd(static_cast<double>(value));
    for (; j + 8 <= n; j += 8)
      if (const unsigned m = _mm512_cmp_pd_mask(_mm512_loadu_pd(p + j), v, _CMP_EQ_OQ)) return j + __builtin_ctz(m);
  }
#endif
  for (; j < n; ++j)
    if (p[j] == value) return j;
  return n;
}

}  // namespace fm
