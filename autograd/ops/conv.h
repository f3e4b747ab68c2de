// Convolutions and pooling on (N, C, H, W) images. unfold/fold (im2col/col2im) are the one new
// primitive pair, each the other's backward; conv2d, conv_transpose2d and avg_pool2d are composed
// from them and matmul, so their gradients (and gradients of gradients) come from existing rules.
// Semantics and argument order follow torch.nn.functional.
#pragma once
#include <array>
#include <cstdint>

#include "core/tensor.h"

namespace tg {

using Pair2 = std::array<int64_t, 2>;  // (height, width) of a kernel, stride, padding or dilation

// x (N, C, H, W) -> cols (N, C kh kw, L), L = OH OW output positions, where
//   OH = (H + 2 ph - dh (kh - 1) - 1) / sh + 1   (OW alike)
// and cols[n, (c, i, j), (oy, ox)] = x[n, c, oy sh - ph + i dh, ox sw - pw + j dw] (0 in the padding).
Tensor unfold(const Tensor& x, Pair2 kernel, Pair2 stride = {1, 1}, Pair2 padding = {0, 0}, Pair2 dilation = {1, 1});
// The adjoint of unfold: cols (N, C kh kw, L) summed back onto an image (N, C, H, W) of
// output_size (H, W), each entry added to the pixel unfold would have read it from.
Tensor fold(const Tensor& cols, Pair2 output_size, Pair2 kernel, Pair2 stride = {1, 1}, Pair2 padding = {0, 0},
            Pair2 dilation = {1, 1});

// x (N, Cin, H, W), weight (Cout, Cin, kh, kw), bias (Cout) or undefined -> (N, Cout, OH, OW):
//   out[n] = W (Cout, Cin kh kw) @ unfold(x)[n] (Cin kh kw, L) + b
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, Pair2 stride = {1, 1},
              Pair2 padding = {0, 0}, Pair2 dilation = {1, 1});
// The transpose (adjoint in x) of conv2d: x (N, Cin, H, W), weight (Cin, Cout, kh, kw) as in torch
// -> (N, Cout, OH, OW) with OH = (H - 1) sh - 2 ph + dh (kh - 1) + output_padding_h + 1:
//   out[n] = fold(W^T (Cout kh kw, Cin) @ x[n] (Cin, H W)) + b
// output_padding (< stride) adds rows/columns at the bottom/right that only the bias reaches.
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, Pair2 stride = {1, 1},
                        Pair2 padding = {0, 0}, Pair2 output_padding = {0, 0}, Pair2 dilation = {1, 1});

// Mean over each kernel window, zero padding counted in the divisor kh kw (torch's default
// count_include_pad=True); stride 0 means stride = kernel. Padding at most half the kernel.
Tensor avg_pool2d(const Tensor& x, Pair2 kernel, Pair2 stride = {0, 0}, Pair2 padding = {0, 0});
// Nearest-neighbour upsampling by an integer factor: out[n, c, y, x] = x[n, c, y / s, x / s].
Tensor upsample_nearest2d(const Tensor& x, int64_t scale);

}  // namespace tg
