// CPU reductions over the middle axis of an (outer, n, inner) view, argmax/argmin, and row
// softmax. The per-element rules (accumulator type, NaN handling) are core/reduce_math.h.
#include <cmath>
#include <limits>
#include <vector>

#include "core/cpu/cpu_backend.h"
#include "core/elementwise.h"
#include "core/reduce_math.h"

namespace tg::cpu {
namespace {

template <ReduceOp OP, class T>
void reduce_loop(T* out, const T* in, int64_t outer, int64_t n, int64_t inner) {
  using A = reduce_acc_t<compute_t<T>>;
  if (inner == 1) {
    parallel_for(outer, outer * n, [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; ++o) {
        const T* row = in + o * n;
        A acc = OP == ReduceOp::Sum ? A(0) : A(compute_t<T>(row[0]));
        if constexpr (OP == ReduceOp::Sum) {
#pragma omp simd reduction(+ : acc)
          for (int64_t j = 0; j < n; ++j) acc += A(compute_t<T>(row[j]));
        } else {
          for (int64_t j = 1; j < n; ++j) acc = reduce_combine<OP>(acc, A(compute_t<T>(row[j])));
        }
        out[o] = T(compute_t<T>(acc));
      }
    });
    return;
  }
  parallel_for(outer, outer * n * inner, [&](int64_t begin, int64_t end) {
    std::vector<A> acc(static_cast<size_t>(inner));
    for (int64_t o = begin; o < end; ++o) {
      const T* block = in + o * n * inner;
      for (int64_t i = 0; i < inner; ++i) acc[size_t(i)] = OP == ReduceOp::Sum ? A(0) : A(compute_t<T>(block[i]));
      for (int64_t j = OP == ReduceOp::Sum ? 0 : 1; j < n; ++j) {
        const T* row = block + j * inner;
        for (int64_t i = 0; i < inner; ++i) acc[size_t(i)] = reduce_combine<OP>(acc[size_t(i)], A(compute_t<T>(row[i])));
      }
      for (int64_t i = 0; i < inner; ++i) out[o * inner + i] = T(compute_t<T>(acc[size_t(i)]));
    }
  });
}

}  // namespace

void CpuBackend::reduce(ReduceOp op, DType t, void* out, const void* in, int64_t outer, int64_t n, int64_t inner) {
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    T* o = static_cast<T*>(out);
    const T* x = static_cast<const T*>(in);
    switch (op) {
      case ReduceOp::Sum: return reduce_loop<ReduceOp::Sum>(o, x, outer, n, inner);
      case ReduceOp::Max: return reduce_loop<ReduceOp::Max>(o, x, outer, n, inner);
      case ReduceOp::Min: return reduce_loop<ReduceOp::Min>(o, x, outer, n, inner);
    }
  });
}

void CpuBackend::argreduce(bool is_max, DType t, int64_t* out, const void* in, int64_t outer, int64_t n,
                           int64_t inner) {
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    const T* x = static_cast<const T*>(in);
    parallel_for(outer * inner, outer * inner * n, [&](int64_t begin, int64_t end) {
      for (int64_t oi = begin; oi < end; ++oi) {
        int64_t o = oi / inner, i = oi % inner;
        out[oi] = argreduce_column(is_max, x + o * n * inner + i, n, inner);
      }
    });
  });
}

// softmax(x)_j = e^(x_j - m) / sum_k e^(x_k - m), m = max_k x_k (shifting leaves it unchanged and
// keeps exp from overflowing); log_softmax(x)_j = x_j - m - log sum_k e^(x_k - m).
void CpuBackend::softmax(DType t, void* out, const void* in, int64_t rows, int64_t n, bool log) {
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    const T* x = static_cast<const T*>(in);
    T* y = static_cast<T*>(out);
    parallel_for(rows, rows * n, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const T* xr = x + r * n;
        T* yr = y + r * n;
        C m = -std::numeric_limits<C>::infinity();
        for (int64_t j = 0; j < n; ++j) m = std::max(m, C(xr[j]));
        if (m == -std::numeric_limits<C>::infinity()) m = 0;  // an all -inf row stays finite-shifted
        C s = 0;
        for (int64_t j = 0; j < n; ++j) s += exp_of(C(xr[j]) - m);
        if (log) {
          // (x - m) - log s, not x - (m + log s): m + log s rounds away log s's low bits when |m| is
          // large, while x - m is exact for the entries near the max (Sterbenz)
          C log_s = log_of(s);
          for (int64_t j = 0; j < n; ++j) yr[j] = T((C(xr[j]) - m) - log_s);
        } else {
          C inv = C(1) / s;
          for (int64_t j = 0; j < n; ++j) yr[j] = T(exp_of(C(xr[j]) - m) * inv);
        }
      }
    });
  });
}

}  // namespace tg::cpu
