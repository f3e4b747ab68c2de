// The one list of user-facing ops. It drives op names in errors and on the tape, and the test
// suite's coverage check: every Primitive and Composite op must have a gradcheck case and a
// forward-value case, every NoGrad op a forward-value case (tests/autograd/test_coverage.cpp).
//   Primitive: records a tape node with its own backward rule.
//   Composite: built from primitives, so its gradient comes for free (still gradchecked).
//   NoGrad:    returns values without a gradient (comparisons, argmax, indices).
#pragma once
#include <cstdint>

namespace tg {

#define TG_OPS(X)                                                                                   \
  /* elementwise */                                                                                 \
  X(Add, Primitive) X(Sub, Primitive) X(Mul, Primitive) X(Div, Primitive) X(Pow, Primitive)         \
  X(Maximum, Primitive) X(Minimum, Primitive) X(Neg, Primitive) X(Exp, Primitive) X(Log, Primitive) \
  X(Log1p, Primitive) X(Sqrt, Primitive) X(Abs, Primitive) X(Tanh, Primitive)                       \
  X(Sigmoid, Primitive) X(Relu, Primitive) X(LeakyRelu, Primitive) X(Gelu, Primitive)               \
  X(Erf, Primitive) X(Softplus, Primitive) X(Clamp, Primitive) X(AddScalar, Primitive)              \
  X(MulScalar, Primitive) X(PowScalar, Primitive) X(Reciprocal, Primitive) X(Square, Primitive)     \
  X(Where, Primitive) X(Cast, Primitive) X(ToDevice, Primitive)                                    \
  X(Eq, NoGrad) X(Ne, NoGrad) X(Lt, NoGrad) X(Le, NoGrad) X(Gt, NoGrad) X(Ge, NoGrad)               \
  /* reductions */                                                                                  \
  X(Sum, Primitive) X(Mean, Composite) X(Max, Primitive) X(Min, Primitive)                          \
  X(LogSumExp, Composite) X(Var, Composite) X(Argmax, NoGrad) X(Argmin, NoGrad)                     \
  X(Amax, Primitive) X(Amin, Primitive) X(ClampMin, Composite) X(ClampMax, Composite)               \
  /* linear algebra */                                                                              \
  X(Matmul, Primitive)                                                                              \
  /* shape and indexing */                                                                          \
  X(Reshape, Primitive) X(Expand, Primitive) X(Transpose, Composite) X(Permute, Primitive)          \
  X(Slice, Primitive) X(Cat, Primitive) X(Stack, Composite) X(IndexSelect, Primitive)               \
  X(IndexAdd, Primitive) X(Embedding, Composite) X(Gather, Primitive) X(ScatterAdd, Primitive)    \
  X(OneHot, NoGrad)                                                                                 \
  /* normalisation and losses */                                                                    \
  X(Softmax, Primitive) X(LogSoftmax, Primitive) X(CrossEntropy, Composite) X(NllLoss, Composite)   \
  X(BinaryCrossEntropyWithLogits, Composite) X(MseLoss, Composite) X(Dropout, Composite)          \
  /* attention */                                                                                   \
  X(ScaledDotProductAttention, Primitive)

enum class OpKind : uint8_t { Primitive, Composite, NoGrad };

#define TG_OP_ENUM(name, kind) name,
enum class Op : uint16_t { TG_OPS(TG_OP_ENUM) AccumulateGrad };
#undef TG_OP_ENUM

#define TG_OP_COUNT(name, kind) +1
constexpr int kNumOps = 0 TG_OPS(TG_OP_COUNT);
#undef TG_OP_COUNT

const char* op_name(Op op);
OpKind op_kind(Op op);

}  // namespace tg
