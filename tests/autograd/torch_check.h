// Checking an op against a PyTorch reference case (tests/reference/torch_reference.h, written
// offline by tests/reference/make_torch_reference.py): the case's inputs go through the same op
// written with tapegrad, and the output and the input gradients for the case's fixed upstream
// gradient are compared with PyTorch's f64 numbers.
#pragma once
#include "test_util.h"

namespace tg::test {

// Default tolerances: f64 agrees to 1e-12 (a few ulps after a handful of roundings); f32 is
// compared with PyTorch's f64 result, so it carries f32 rounding: 1e-5 relative, 1e-6 absolute
// (for values near zero produced by cancellation).
struct Tolerance {
  double atol, rtol;
};
Tolerance default_tolerance(DType dtype);

// "" when the case agrees; otherwise what differed. Floating inputs are created in `dtype`,
// integer inputs as i64. Gradients are compared when the reference has them.
std::string torch_report(const char* name, const TensorFn& fn, DType dtype, Tolerance tol);

}  // namespace tg::test

// CHECK_TORCH("case", fn): the case in f64 and in f32 with the default tolerances.
#define CHECK_TORCH(name, ...)                                                                  \
  do {                                                                                          \
    for (::tg::DType tg_dt_ : {::tg::DType::f64, ::tg::DType::f32}) {                            \
      std::string tg_r_ = ::tg::test::torch_report(name, __VA_ARGS__, tg_dt_,                   \
                                                   ::tg::test::default_tolerance(tg_dt_));      \
      CHECK_MESSAGE(tg_r_.empty(), tg_r_);                                                      \
    }                                                                                           \
  } while (0)

// CHECK_TORCH_AT("case", dtype, tolerance, fn): one dtype, explicit tolerance.
#define CHECK_TORCH_AT(name, dtype, tol, ...)                                   \
  do {                                                                          \
    std::string tg_r_ = ::tg::test::torch_report(name, __VA_ARGS__, dtype, tol); \
    CHECK_MESSAGE(tg_r_.empty(), tg_r_);                                        \
  } while (0)
