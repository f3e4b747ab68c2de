// Softmax, losses and dropout: the functional pieces networks are trained with.
#pragma once
#include "core/random.h"
#include "core/tensor.h"

namespace tg {

enum class Reduction { Mean, Sum, None };

// The losses take f16/bf16 inputs and compute them in f32, returning an f32 loss (as under
// torch.autocast): a sum over a batch leaves f16's range, and the loss scaler multiplies the
// loss by up to 2^24 (nn/amp.h). Their gradients flow back to the inputs in the inputs' dtype.

Tensor softmax(const Tensor& x, int64_t axis = -1);
Tensor log_softmax(const Tensor& x, int64_t axis = -1);
// logits (N, C) or (N, C, ...) with class indices target (N) or (N, ...) as i64/i32.
Tensor cross_entropy(const Tensor& logits, const Tensor& target, Reduction reduction = Reduction::Mean);
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, Reduction reduction = Reduction::Mean);
// Numerically stable BCE on logits: max(x, 0) - x*y + log(1 + e^-|x|).
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        Reduction reduction = Reduction::Mean);
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
// Inverted dropout: zero each element with probability p and scale the rest by 1/(1-p).
Tensor dropout(const Tensor& x, double p, bool training, Generator& gen);
Tensor dropout(const Tensor& x, double p, bool training = true);  // default generator

}  // namespace tg
