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
// torch.nn.functional.cross_entropy's options. weight: (C) class weights (a constant: no gradient
// flows to it); targets equal to ignore_index count with weight 0; label_smoothing e mixes the
// target with the uniform distribution, (1 - e) target + e / C. Mean divides by the summed weight
// of the targets that count (index targets) or by the number of rows (probability targets).
struct CrossEntropyOptions {
  Tensor weight;
  int64_t ignore_index = -100;
  double label_smoothing = 0;
  Reduction reduction = Reduction::Mean;
};
// logits (N, C) or (N, C, ...) with class indices target (N) or (N, ...) as i64/i32, or with
// floating class probabilities of the logits' shape.
Tensor cross_entropy(const Tensor& logits, const Tensor& target, Reduction reduction = Reduction::Mean);
Tensor cross_entropy(const Tensor& logits, const Tensor& target, const CrossEntropyOptions& options);
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, Reduction reduction = Reduction::Mean);
// weight multiplies each element's loss (broadcast to the logits); pos_weight (broadcast along the
// last axis, one per class) weights the positive term. Both are constants (no gradient), as in PyTorch.
struct BceOptions {
  Tensor weight, pos_weight;
  Reduction reduction = Reduction::Mean;
};
// Numerically stable BCE on logits: max(x, 0) - x*y + log(1 + e^-|x|).
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        Reduction reduction = Reduction::Mean);
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target, const BceOptions& options);
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
// Inverted dropout: zero each element with probability p and scale the rest by 1/(1-p).
Tensor dropout(const Tensor& x, double p, bool training, Generator& gen);
Tensor dropout(const Tensor& x, double p, bool training = true);  // default generator

}  // namespace tg
