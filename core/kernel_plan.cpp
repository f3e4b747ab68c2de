// Plans for elementwise and copy kernels: drop size-1 dims, merge dims that are contiguous in
// every operand, so a (B, T, C) + (C,) add becomes one (B*T, C) loop.
#include "core/kernel_plan.h"

#include "core/error.h"

namespace tg {
namespace {

// dims[d] with strides[a][d] for each array a; merges d and d+1 when every array walks them
// as one run (stride[d] == stride[d+1] * size[d+1]).
int collapse(int64_t* shape, int64_t (*strides)[kMaxKernelDims], int narrays, int ndim) {
  int out = 0;
  for (int d = 0; d < ndim; ++d) {
    if (shape[d] == 1) continue;
    if (out > 0) {
      bool mergeable = true;
      for (int a = 0; a < narrays; ++a)
        mergeable = mergeable && strides[a][out - 1] == strides[a][d] * shape[d];
      if (mergeable) {
        shape[out - 1] *= shape[d];
        for (int a = 0; a < narrays; ++a) strides[a][out - 1] = strides[a][d];
        continue;
      }
    }
    shape[out] = shape[d];
    for (int a = 0; a < narrays; ++a) strides[a][out] = strides[a][d];
    ++out;
  }
  if (out == 0) {  // a single element
    shape[0] = 1;
    for (int a = 0; a < narrays; ++a) strides[a][0] = 0;
    out = 1;
  }
  return out;
}

}  // namespace

BroadcastPlan make_broadcast_plan(const Shape& out_shape, const std::vector<const Shape*>& inputs) {
  TG_CHECK(out_shape.size() <= size_t(kMaxKernelDims) && inputs.size() <= 3,
           "kernel plan: at most {} dims and 3 inputs, got shape {}", kMaxKernelDims, shape_str(out_shape));
  BroadcastPlan p;
  int nd = int(out_shape.size());
  for (int d = 0; d < nd; ++d) p.shape[d] = out_shape[d];
  for (size_t a = 0; a < inputs.size(); ++a) {
    Shape st = broadcast_strides(*inputs[a], out_shape);
    for (int d = 0; d < nd; ++d) p.stride[a][d] = st[size_t(d)];
  }
  p.numel = numel(out_shape);
  p.ndim = collapse(p.shape, p.stride, int(inputs.size()), nd);
  return p;
}

CopyPlan make_copy_plan(const Shape& shape, const Shape& out_strides, const Shape& in_strides) {
  TG_CHECK(shape.size() <= size_t(kMaxKernelDims), "copy plan: at most {} dims, got shape {}", kMaxKernelDims,
           shape_str(shape));
  int64_t st[2][kMaxKernelDims] = {};
  CopyPlan p;
  int nd = int(shape.size());
  for (int d = 0; d < nd; ++d) {
    p.shape[d] = shape[size_t(d)];
    st[0][d] = out_strides[size_t(d)];
    st[1][d] = in_strides[size_t(d)];
  }
  p.ndim = collapse(p.shape, st, 2, nd);
  for (int d = 0; d < p.ndim; ++d) {
    p.out_stride[d] = st[0][d];
    p.in_stride[d] = st[1][d];
  }
  return p;
}

}  // namespace tg
