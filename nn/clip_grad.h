// Gradient clipping by global norm (torch.nn.utils.clip_grad_norm_), applied between
// backward and the optimizer step to keep one bad batch from throwing the weights far away.
#pragma once
#include <vector>

#include "core/tensor.h"

namespace tg::nn {

// total = sqrt(sum over params p, elements i of grad_pi^2), accumulated in f64; parameters
// without a grad are skipped. When total > max_norm every grad becomes
// grad * max_norm / (total + 1e-6) (PyTorch's coefficient). Grads are replaced by new tensors
// (set_grad), never scaled in place: a .grad may share storage with other tensors. Returns the
// norm before clipping; a non-finite norm is returned with the grads left unchanged, for the
// caller to skip the step.
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm);

}  // namespace tg::nn
