// Building the iteration plans kernels take (core/backend.h): broadcast strides for
// elementwise ops and strided copies, with adjacent dims merged where memory allows so the
// kernels' inner loops run as long as possible.
#pragma once
#include <vector>

#include "core/backend.h"
#include "core/shape.h"

namespace tg {

// out_shape is the broadcast result; each input is read with stride 0 along broadcast dims.
BroadcastPlan make_broadcast_plan(const Shape& out_shape, const std::vector<const Shape*>& inputs);

// Copy over `shape`, reading `in` at in_strides and writing `out` at out_strides (elements).
CopyPlan make_copy_plan(const Shape& shape, const Shape& out_strides, const Shape& in_strides);

}  // namespace tg
