// One-sided clamps (torch.clamp_min / torch.clamp_max), composed from clamp with an infinite
// other bound: the gradient passes where x >= lo (x <= hi), as clamp's does.
#pragma once
#include "core/tensor.h"

namespace tg {

Tensor clamp_min(const Tensor& x, double lo);  // max(x, lo)
Tensor clamp_max(const Tensor& x, double hi);  // min(x, hi)

}  // namespace tg
