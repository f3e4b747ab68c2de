// The one list of user-facing ops: X(Name, name, kind, ...), where `name` is the function users call
// (errors and the tape name ops by it). The elementwise ops come from the table in
// core/elementwise.h, which also gives their math and derivatives. The list drives op names in
// errors and on the tape, and the test suite's coverage check: every Primitive and Composite op
// must have a gradcheck case and a forward-value case, every NoGrad op a forward-value case
// (tests/autograd/test_coverage.cpp).
//   Primitive: records a tape node with its own backward rule.
//   Composite: built from primitives, so its gradient comes for free (still gradchecked).
//   NoGrad:    returns values without a gradient (comparisons, argmax, indices).
#pragma once
#include <cstdint>

#include "core/elementwise.h"

namespace tg {

#define TG_OPS(X)                                                                                     \
  /* elementwise: the table in core/elementwise.h */                                                  \
  TG_UNARY_TABLE(X) TG_BINARY_TABLE(X)                                                                \
  X(Where, where, Primitive) X(Cast, cast, Primitive) X(ToDevice, to, Primitive)                      \
  /* reductions */                                                                                    \
  X(Sum, sum, Primitive) X(Mean, mean, Composite) X(Max, max, Primitive) X(Min, min, Primitive)       \
  X(LogSumExp, logsumexp, Composite) X(Var, var, Composite) X(Argmax, argmax, NoGrad)                 \
  X(Argmin, argmin, NoGrad) X(Amax, amax, Primitive) X(Amin, amin, Primitive)                         \
  X(ClampMin, clamp_min, Composite) X(ClampMax, clamp_max, Composite)                                 \
  /* linear algebra */                                                                                \
  X(Matmul, matmul, Primitive)                                                                        \
  /* shape and indexing */                                                                            \
  X(Reshape, reshape, Primitive) X(Expand, expand, Primitive) X(Transpose, transpose, Composite)      \
  X(Permute, permute, Primitive) X(Slice, slice, Primitive) X(Cat, cat, Primitive)                    \
  X(Stack, stack, Composite) X(IndexSelect, index_select, Primitive) X(IndexAdd, index_add, Primitive) \
  X(Embedding, embedding, Composite) X(Gather, gather, Primitive) X(ScatterAdd, scatter_add, Primitive) \
  X(OneHot, one_hot, NoGrad)                                                                          \
  /* normalisation and losses */                                                                      \
  X(Softmax, softmax, Primitive) X(LogSoftmax, log_softmax, Primitive)                                \
  X(CrossEntropy, cross_entropy, Composite) X(NllLoss, nll_loss, Composite)                           \
  X(BinaryCrossEntropyWithLogits, binary_cross_entropy_with_logits, Composite)                        \
  X(MseLoss, mse_loss, Composite) X(Dropout, dropout, Composite)                                      \
  /* attention */                                                                                     \
  X(ScaledDotProductAttention, scaled_dot_product_attention, Primitive)                               \
  /* convolution and pooling */                                                                       \
  X(Unfold, unfold, Primitive) X(Fold, fold, Primitive) X(Conv2d, conv2d, Composite)                  \
  X(ConvTranspose2d, conv_transpose2d, Composite) X(AvgPool2d, avg_pool2d, Composite)                 \
  X(UpsampleNearest2d, upsample_nearest2d, Composite)

enum class OpKind : uint8_t { Primitive, Composite, NoGrad };

#define TG_OP_ENUM(Name, ...) Name,
enum class Op : uint16_t { TG_OPS(TG_OP_ENUM) AccumulateGrad };
#undef TG_OP_ENUM

#define TG_OP_COUNT(Name, ...) +1
constexpr int kNumOps = 0 TG_OPS(TG_OP_COUNT);
#undef TG_OP_COUNT

// The enum of the tape's op list for an elementwise table entry (same Name).
Op op_of(UnaryOp k);
Op op_of(BinaryOp k);

// The user-facing function's name ("index_select"), for errors and the tape.
const char* op_name(Op op);
OpKind op_kind(Op op);

}  // namespace tg
