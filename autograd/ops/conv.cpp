// unfold/fold, the primitive pair (each one's backward is the other, with the same geometry, so
// both are differentiable to any order), and the convolutions built from them and matmul.
// The kernels are core/cpu/unfold.cpp and cuda/unfold.cu.
#include "autograd/ops/conv.h"

#include "autograd/node.h"
#include "autograd/ops/elementwise.h"
#include "autograd/ops/linalg.h"
#include "autograd/ops/raw.h"
#include "autograd/ops/reduce.h"
#include "autograd/ops/shape.h"
#include "core/backend.h"

namespace tg {
namespace {

std::string pair_str(Pair2 p) { return fmt::format("({}, {})", p[0], p[1]); }

// The positions a kernel with this geometry takes along one axis of `size` pixels, or 0 when the
// dilated kernel is larger than the padded axis.
int64_t positions(int64_t size, int64_t k, int64_t s, int64_t p, int64_t d) {
  int64_t span = d * (k - 1) + 1;
  return size + 2 * p < span ? 0 : (size + 2 * p - span) / s + 1;
}

void check_geometry(Op op, Pair2 k, Pair2 s, Pair2 p, Pair2 d) {
  const char* name = op_name(op);
  TG_CHECK(k[0] > 0 && k[1] > 0, "{}: kernel size must be positive, got {}", name, pair_str(k));
  TG_CHECK(s[0] > 0 && s[1] > 0, "{}: stride must be positive, got {}", name, pair_str(s));
  TG_CHECK(d[0] > 0 && d[1] > 0, "{}: dilation must be positive, got {}", name, pair_str(d));
  TG_CHECK(p[0] >= 0 && p[1] >= 0, "{}: padding must be non-negative, got {}", name, pair_str(p));
}

// Checks the geometry of an unfold of an (N, C, H, W) image for `op` and returns it.
UnfoldArgs unfold_args(Op op, const Shape& image, Pair2 k, Pair2 s, Pair2 p, Pair2 d) {
  const char* name = op_name(op);
  check_geometry(op, k, s, p, d);
  UnfoldArgs a{.N = image[0], .C = image[1], .H = image[2], .W = image[3], .kh = k[0], .kw = k[1], .sh = s[0],
               .sw = s[1], .ph = p[0], .pw = p[1], .dh = d[0], .dw = d[1]};
  a.OH = positions(a.H, a.kh, a.sh, a.ph, a.dh);
  a.OW = positions(a.W, a.kw, a.sw, a.pw, a.dw);
  TG_CHECK(a.OH > 0 && a.OW > 0, "{}: kernel {} with dilation {} spans ({}, {}) pixels, larger than the input {} "
           "padded by {} to ({}, {})", name, pair_str(k), pair_str(d), d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1,
           shape_str(image), pair_str(p), a.H + 2 * a.ph, a.W + 2 * a.pw);
  return a;
}

void check_image(Op op, const Tensor& x, const char* what = "input") {
  raw::check_floating(op, x);
  TG_CHECK(x.dim() == 4, "{}: {} must be (N, C, H, W), got {}", op_name(op), what, describe(x));
}

}  // namespace

Tensor unfold(const Tensor& x, Pair2 kernel, Pair2 stride, Pair2 padding, Pair2 dilation) {
  check_image(Op::Unfold, x);
  const UnfoldArgs a = unfold_args(Op::Unfold, x.shape(), kernel, stride, padding, dilation);
  Tensor cols = Tensor::empty({a.N, a.C * a.kh * a.kw, a.OH * a.OW}, x.dtype(), x.device(), "unfold");
  if (cols.numel() > 0) backend(x.device()).unfold(x.dtype(), cols.data(), x.data(), a);
  if (needs_grad(x))
    record(Op::Unfold, cols, {x}, [a, kernel, stride, padding, dilation](const Tensor& dcols, Node&) -> Grads {
      return {fold(dcols, {a.H, a.W}, kernel, stride, padding, dilation)};
    });
  return cols;
}

Tensor fold(const Tensor& cols, Pair2 output_size, Pair2 kernel, Pair2 stride, Pair2 padding, Pair2 dilation) {
  raw::check_floating(Op::Fold, cols);
  TG_CHECK(cols.dim() == 3, "fold: input must be (N, C kh kw, L), got {}", describe(cols));
  TG_CHECK(kernel[0] > 0 && kernel[1] > 0 && cols.size(1) % (kernel[0] * kernel[1]) == 0,
           "fold: input {} must have C kh kw rows for kernel {}", describe(cols), pair_str(kernel));
  TG_CHECK(output_size[0] > 0 && output_size[1] > 0, "fold: output_size must be positive, got {}",
           pair_str(output_size));
  const Shape image{cols.size(0), cols.size(1) / (kernel[0] * kernel[1]), output_size[0], output_size[1]};
  const UnfoldArgs a = unfold_args(Op::Fold, image, kernel, stride, padding, dilation);
  TG_CHECK(cols.size(2) == a.OH * a.OW, "fold: input {} has {} columns, but output_size {} with kernel {}, stride {}, "
           "padding {} and dilation {} gives {} x {} = {} positions", describe(cols), cols.size(2),
           pair_str(output_size), pair_str(kernel), pair_str(stride), pair_str(padding), pair_str(dilation), a.OH, a.OW,
           a.OH * a.OW);
  Tensor x = Tensor::empty(image, cols.dtype(), cols.device(), "fold");
  if (x.numel() > 0) backend(cols.device()).fold(cols.dtype(), x.data(), cols.data(), a);
  if (needs_grad(cols))
    record(Op::Fold, x, {cols}, [kernel, stride, padding, dilation](const Tensor& dx, Node&) -> Grads {
      return {unfold(dx, kernel, stride, padding, dilation)};
    });
  return x;
}

namespace {

// The bias of a layer with `channels` outputs, as (channels, 1[, 1]) to broadcast over positions.
void check_bias(Op op, const Tensor& bias, const Tensor& x, int64_t channels) {
  if (!bias.defined()) return;
  raw::check_compatible(op, {&x, &bias});
  TG_CHECK(bias.dim() == 1 && bias.size(0) == channels, "{}: bias {} must be ({}), one per output channel",
           op_name(op), describe(bias), channels);
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Pair2 stride, Pair2 padding,
              Pair2 dilation) {
  check_image(Op::Conv2d, x);
  raw::check_compatible(Op::Conv2d, {&x, &weight});
  TG_CHECK(weight.dim() == 4, "conv2d: weight must be (Cout, Cin, kh, kw), got {}", describe(weight));
  TG_CHECK(x.size(1) == weight.size(1), "conv2d: input {} has {} channels but weight {} expects Cin = {}",
           describe(x), x.size(1), describe(weight), weight.size(1));
  const int64_t Cout = weight.size(0);
  check_bias(Op::Conv2d, bias, x, Cout);
  const Pair2 kernel{weight.size(2), weight.size(3)};
  const UnfoldArgs a = unfold_args(Op::Conv2d, x.shape(), kernel, stride, padding, dilation);
  Tensor cols = unfold(x, kernel, stride, padding, dilation);  // (N, Cin kh kw, L)
  Tensor out = matmul(reshape(weight, {Cout, -1}), cols);       // (N, Cout, L)
  if (bias.defined()) out = add(out, reshape(bias, {Cout, 1}));
  return reshape(out, {a.N, Cout, a.OH, a.OW});
}

Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Pair2 stride, Pair2 padding,
                        Pair2 output_padding, Pair2 dilation) {
  check_image(Op::ConvTranspose2d, x);
  raw::check_compatible(Op::ConvTranspose2d, {&x, &weight});
  TG_CHECK(weight.dim() == 4, "conv_transpose2d: weight must be (Cin, Cout, kh, kw), got {}", describe(weight));
  TG_CHECK(x.size(1) == weight.size(0), "conv_transpose2d: input {} has {} channels but weight {} expects Cin = {}",
           describe(x), x.size(1), describe(weight), weight.size(0));
  const int64_t N = x.size(0), Cin = x.size(1), H = x.size(2), W = x.size(3), Cout = weight.size(1);
  check_bias(Op::ConvTranspose2d, bias, x, Cout);
  const Pair2 kernel{weight.size(2), weight.size(3)};
  check_geometry(Op::ConvTranspose2d, kernel, stride, padding, dilation);
  TG_CHECK(output_padding[0] >= 0 && output_padding[1] >= 0 && output_padding[0] < stride[0] &&
           output_padding[1] < stride[1], "conv_transpose2d: output_padding {} must be non-negative and smaller "
           "than the stride {}", pair_str(output_padding), pair_str(stride));
  const Pair2 out_size{(H - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kernel[0] - 1) + output_padding[0] + 1,
                       (W - 1) * stride[1] - 2 * padding[1] + dilation[1] * (kernel[1] - 1) + output_padding[1] + 1};
  TG_CHECK(out_size[0] > 0 && out_size[1] > 0, "conv_transpose2d: input {} with weight {}, stride {} and padding {} "
           "gives an output of {} pixels", describe(x), describe(weight), pair_str(stride), pair_str(padding),
           pair_str(out_size));
  // (Cin, Cout kh kw)^T @ (N, Cin, H W) -> (N, Cout kh kw, H W): the columns conv2d would have read
  Tensor cols = matmul(reshape(weight, {Cin, -1}), reshape(x, {N, Cin, H * W}), /*trans_a=*/true, false);
  Tensor out = fold(cols, out_size, kernel, stride, padding, dilation);
  if (bias.defined()) out = add(out, reshape(bias, {Cout, 1, 1}));
  return out;
}

Tensor avg_pool2d(const Tensor& x, Pair2 kernel, Pair2 stride, Pair2 padding) {
  check_image(Op::AvgPool2d, x);
  if (stride[0] == 0 && stride[1] == 0) stride = kernel;
  const UnfoldArgs a = unfold_args(Op::AvgPool2d, x.shape(), kernel, stride, padding, {1, 1});
  TG_CHECK(2 * padding[0] <= kernel[0] && 2 * padding[1] <= kernel[1],
           "avg_pool2d: padding {} must be at most half the kernel {}", pair_str(padding), pair_str(kernel));
  Tensor cols = reshape(unfold(x, kernel, stride, padding), {a.N, a.C, a.kh * a.kw, a.OH * a.OW});
  return reshape(mean(cols, {2}), {a.N, a.C, a.OH, a.OW});
}

Tensor upsample_nearest2d(const Tensor& x, int64_t scale) {
  check_image(Op::UpsampleNearest2d, x);
  TG_CHECK(scale >= 1, "upsample_nearest2d: scale must be a positive integer, got {}", scale);
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  // (N, C, H, 1, W, 1) broadcast to (N, C, H, s, W, s): each pixel repeated in an s x s block
  Tensor blocks = expand(reshape(x, {N, C, H, 1, W, 1}), {N, C, H, scale, W, scale});
  return reshape(blocks, {N, C, H * scale, W * scale});
}

}  // namespace tg
