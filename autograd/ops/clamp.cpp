// clamp_min / clamp_max as clamp(x, lo, +inf) and clamp(x, -inf, hi): a NaN bound is rejected
// with the user's function name (clamp itself would name clamp).
#include "autograd/ops/clamp.h"

#include <cmath>

#include "autograd/op_list.h"
#include "autograd/ops/elementwise.h"
#include "core/error.h"

namespace tg {

Tensor clamp_min(const Tensor& x, double lo) {
  TG_CHECK(!std::isnan(lo), "{}: bound is NaN (input {})", op_name(Op::ClampMin), describe(x));
  return clamp(x, lo, INFINITY);
}

Tensor clamp_max(const Tensor& x, double hi) {
  TG_CHECK(!std::isnan(hi), "{}: bound is NaN (input {})", op_name(Op::ClampMax), describe(x));
  return clamp(x, -INFINITY, hi);
}

}  // namespace tg
