// Matrix products. matmul takes transpose flags so linear layers and backward rules never copy.
#pragma once
#include "core/tensor.h"

namespace tg {

// op(a) @ op(b) where op transposes the last two dims when its flag is set. 1-D operands are
// treated as a row (a) or column (b) vector and that dim is dropped from the result, as in
// torch.matmul; leading (batch) dims broadcast.
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);

}  // namespace tg
