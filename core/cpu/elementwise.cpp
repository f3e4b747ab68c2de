// Elementwise CPU kernels: fill, cast, unary, binary and where with broadcasting, strided copy.
// The per-element math is core/elementwise.h; this file only supplies the loops.
#include <atomic>

#include "core/cpu/cpu_backend.h"
#include "core/error.h"

namespace tg::cpu {
namespace {

// Runs body(row, out_offset, offsets...) for each row of a plan's iteration space, where a row
// is the innermost dim; offsets are the element offsets of each operand at the row start.
template <int NA, class Body>
void for_each_row(int ndim, const int64_t* shape, const int64_t (*strides)[kMaxKernelDims], Body&& body) {
  int64_t rows = 1;
  for (int d = 0; d < ndim - 1; ++d) rows *= shape[d];
  parallel_for(rows, rows * shape[ndim - 1], [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      int64_t off[NA] = {};
      int64_t rem = r;
      for (int d = ndim - 2; d >= 0; --d) {
        int64_t i = rem % shape[d];
        rem /= shape[d];
        for (int a = 0; a < NA; ++a) off[a] += i * strides[a][d];
      }
      body(r, off);
    }
  });
}

template <UnaryOp OP, class T>
void unary_loop(T* out, const T* in, int64_t n, double p0, double p1) {
  using C = compute_t<T>;
  C a = C(p0), b = C(p1);
  parallel_for(n, n, [&](int64_t begin, int64_t end) {
#pragma omp simd
    for (int64_t i = begin; i < end; ++i) out[i] = T(unary_fn<OP, C>(C(in[i]), a, b));
  });
}

template <BinaryOp OP, class T>
void binary_loop(T* out, const T* a, const T* b, const BroadcastPlan& p) {
  using C = compute_t<T>;
  int64_t n = p.shape[p.ndim - 1];
  int64_t sa = p.stride[0][p.ndim - 1], sb = p.stride[1][p.ndim - 1];
  if (p.ndim == 1 && sa == 1 && sb == 1) {  // same shapes: one flat vectorised loop
    parallel_for(n, n, [&](int64_t begin, int64_t end) {
#pragma omp simd
      for (int64_t i = begin; i < end; ++i) out[i] = T(binary_fn<OP, C>(C(a[i]), C(b[i])));
    });
    return;
  }
  if (p.ndim == 1 && sb == 0) {
    C bv = C(b[0]);
    parallel_for(n, n, [&](int64_t begin, int64_t end) {
#pragma omp simd
      for (int64_t i = begin; i < end; ++i) out[i] = T(binary_fn<OP, C>(C(a[i * sa]), bv));
    });
    return;
  }
  for_each_row<2>(p.ndim, p.shape, p.stride, [&](int64_t r, const int64_t* off) {
    T* o = out + r * n;
    const T* pa = a + off[0];
    const T* pb = b + off[1];
    if (sa == 1 && sb == 1) {
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) o[i] = T(binary_fn<OP, C>(C(pa[i]), C(pb[i])));
    } else {
      for (int64_t i = 0; i < n; ++i) o[i] = T(binary_fn<OP, C>(C(pa[i * sa]), C(pb[i * sb])));
    }
  });
}

}  // namespace

void CpuBackend::fill(DType t, void* out, int64_t n, double value) {
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    T v = cast_element<T>(value);
    T* o = static_cast<T*>(out);
    parallel_for(n, n, [&](int64_t begin, int64_t end) { std::fill(o + begin, o + end, v); });
  });
}

void CpuBackend::cast(DType out_t, void* out, DType in_t, const void* in, int64_t n) {
  dispatch_dtype(out_t, [&](auto otag) {
    using O = decltype(otag);
    dispatch_dtype(in_t, [&](auto itag) {
      using I = decltype(itag);
      O* o = static_cast<O*>(out);
      const I* x = static_cast<const I*>(in);
      parallel_for(n, n, [&](int64_t begin, int64_t end) {
        // core/dtype.h's rule, as on CUDA: NaN -> 0, saturating float -> int.
        for (int64_t i = begin; i < end; ++i) o[i] = cast_element<O>(x[i]);
      });
    });
  });
}

void CpuBackend::unary(UnaryOp op, DType t, void* out, const void* in, int64_t n, double p0, double p1) {
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    switch (op) {
#define TG_CASE(name, ...)                                                                            \
  case UnaryOp::name:                                                                              \
    return unary_loop<UnaryOp::name, T>(static_cast<T*>(out), static_cast<const T*>(in), n, p0, p1);
      TG_UNARY_TABLE(TG_CASE)
#undef TG_CASE
    }
  });
}

void CpuBackend::binary(BinaryOp op, DType t, void* out, const void* a, const void* b, const BroadcastPlan& plan) {
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    switch (op) {
#define TG_CASE(name, ...)                                                                                  \
  case BinaryOp::name:                                                                                   \
    return binary_loop<BinaryOp::name, T>(static_cast<T*>(out), static_cast<const T*>(a),                \
                                          static_cast<const T*>(b), plan);
      TG_BINARY_TABLE(TG_CASE)
#undef TG_CASE
    }
  });
}

void CpuBackend::where(DType t, void* out, DType cond_t, const void* cond, const void* a, const void* b,
                       const BroadcastPlan& p) {
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    dispatch_dtype(cond_t, [&](auto ctag) {
      using K = decltype(ctag);
      int64_t n = p.shape[p.ndim - 1];
      int64_t sc = p.stride[0][p.ndim - 1], sa = p.stride[1][p.ndim - 1], sb = p.stride[2][p.ndim - 1];
      for_each_row<3>(p.ndim, p.shape, p.stride, [&](int64_t r, const int64_t* off) {
        T* o = static_cast<T*>(out) + r * n;
        const K* pc = static_cast<const K*>(cond) + off[0];
        const T* pa = static_cast<const T*>(a) + off[1];
        const T* pb = static_cast<const T*>(b) + off[2];
        for (int64_t i = 0; i < n; ++i) o[i] = compute_t<K>(pc[i * sc]) != 0 ? pa[i * sa] : pb[i * sb];
      });
    });
  });
}

void CpuBackend::copy_strided(DType t, void* out, const void* in, const CopyPlan& p) {
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    int64_t strides[2][kMaxKernelDims];
    for (int d = 0; d < p.ndim; ++d) {
      strides[0][d] = p.out_stride[d];
      strides[1][d] = p.in_stride[d];
    }
    int64_t n = p.shape[p.ndim - 1];
    int64_t so = strides[0][p.ndim - 1], si = strides[1][p.ndim - 1];
    for_each_row<2>(p.ndim, p.shape, strides, [&](int64_t, const int64_t* off) {
      T* o = static_cast<T*>(out) + off[0];
      const T* x = static_cast<const T*>(in) + off[1];
      if (so == 1 && si == 1)
        std::copy(x, x + n, o);
      else
        for (int64_t i = 0; i < n; ++i) o[i * so] = x[i * si];
    });
  });
}

bool CpuBackend::all_finite(DType t, const void* in, int64_t n) {
  return dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    const T* x = static_cast<const T*>(in);
    std::atomic<bool> ok = true;
    if constexpr (std::is_floating_point_v<compute_t<T>>) {
      parallel_for(n, n, [&](int64_t begin, int64_t end) {
        bool mine = true;
        for (int64_t i = begin; i < end; ++i) mine = mine && std::isfinite(compute_t<T>(x[i]));
        if (!mine) ok = false;
      });
    }
    return ok.load();
  });
}

}  // namespace tg::cpu
