// PyTorch's type promotion for the dtypes tapegrad has: the result dtype of an op on two tensors,
// or on a tensor and a number. Categories rank integral < floating; within a category the wider
// type wins, and f16 with bf16 meet at f32. A 0-d tensor only decides the result when its category
// is higher than the other operand's (f32 (3,) + f64 0-d is f32; i64 (3,) + f64 0-d is f64).
#pragma once
#include "core/dtype.h"

namespace tg {

// The dtype both operands are computed in, ignoring dimensions (torch.promote_types).
constexpr DType promote_types(DType a, DType b) {
  if (a == b) return a;
  if (is_floating(a) != is_floating(b)) return is_floating(a) ? a : b;
  if (!is_floating(a)) return DType::i64;  // i32 with i64
  if (is_half(a) && is_half(b)) return DType::f32;  // f16 with bf16
  if (a == DType::f64 || b == DType::f64) return DType::f64;
  return DType::f32;  // f32 with a half type
}

// torch.result_type for two tensors, where `a_is_0d`/`b_is_0d` say which are 0-d.
constexpr DType result_type(DType a, bool a_is_0d, DType b, bool b_is_0d) {
  if (a_is_0d == b_is_0d || is_floating(a) == is_floating(b)) {
    if (a_is_0d != b_is_0d) return a_is_0d ? b : a;  // same category: the dimensioned tensor decides
    return promote_types(a, b);
  }
  return is_floating(a) ? a : b;  // the floating one decides, 0-d or not
}

// The dtype of an op on a tensor of dtype t and a number: an integer tensor with a floating number
// becomes f32 (PyTorch's default dtype); otherwise the tensor's dtype stays.
constexpr DType result_type(DType t, bool number_is_integral) {
  return !is_floating(t) && !number_is_integral ? DType::f32 : t;
}

}  // namespace tg
