// The per-element pieces of reductions, written once for both backends (TG_HD): the accumulator
// type, how a value joins a partial result, and the argmax/argmin scan of one column. The CPU
// (core/cpu/reduce.cpp) and CUDA (cuda/reduce.cu) supply the loops around them.
#pragma once
#include <cstdint>
#include <type_traits>

#include "core/backend.h"

namespace tg {

// Sums accumulate in double (int64 for integers) whatever the storage type.
template <class T> using reduce_acc_t = std::conditional_t<std::is_integral_v<T>, int64_t, double>;

template <ReduceOp OP, class A>
TG_HD A reduce_combine(A acc, A v) {
  if constexpr (OP == ReduceOp::Sum) return acc + v;
  // NaN wins, as in PyTorch: v != v is true only for NaN
  else if constexpr (OP == ReduceOp::Max) return (v > acc || v != v) ? v : acc;
  else return (v < acc || v != v) ? v : acc;
}

// The index j < n of the first maximum (minimum) of col[j * inner]; the first NaN counts as the extreme.
template <class T>
TG_HD int64_t argreduce_column(bool is_max, const T* col, int64_t n, int64_t inner) {
  using C = compute_t<T>;
  int64_t best = 0;
  C bv = C(col[0]);
  for (int64_t j = 1; j < n && bv == bv; ++j) {  // stops at the first NaN
    C v = C(col[j * inner]);
    if ((is_max ? v > bv : v < bv) || v != v) {
      bv = v;
      best = j;
    }
  }
  return best;
}

}  // namespace tg
