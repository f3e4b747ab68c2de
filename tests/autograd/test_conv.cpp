// unfold/fold and the convolutions built on them (autograd/ops/conv.h): exact small cases, the
// adjoint relation <unfold(x), c> = <x, fold(c)>, conv2d and conv_transpose2d against direct loops
// in f64 over stride/padding/dilation (square and not), PyTorch's values and gradients
// (tests/reference/make_conv_reference.py), gradcheck and gradgradcheck, pooling and upsampling,
// and the bad-input errors.
#include "reference/conv_reference.h"
#include "reference/unfold_reference.h"
#include "test_util.h"

using namespace tg;
using tg::test::leaf;
using In = std::vector<Tensor>;

namespace {

// One geometry: kernel, stride, padding, dilation (height, width each).
struct Geometry {
  Pair2 k, s, p, d;
};
// Square and non-square kernels, strides, paddings and dilations, as the layers use them.
const Geometry kGeometries[] = {
    {{3, 3}, {1, 1}, {0, 0}, {1, 1}}, {{3, 3}, {1, 1}, {1, 1}, {1, 1}}, {{4, 4}, {2, 2}, {1, 1}, {1, 1}},
    {{2, 3}, {2, 1}, {1, 0}, {1, 2}}, {{3, 2}, {1, 3}, {2, 1}, {2, 1}}, {{1, 1}, {2, 2}, {0, 0}, {1, 1}},
};

double dot(const Tensor& a, const Tensor& b) { return sum(mul(a, b)).item<double>(); }

// conv2d by its definition: out[n, o, y, x] = b[o] + sum_{c,i,j} w[o, c, i, j] x[n, c, y s - p + i d, x s - p + j d]
std::vector<double> conv2d_loops(const Tensor& xt, const Tensor& wt, const Tensor& bt, const Geometry& g,
                                 Shape& shape) {
  auto x = xt.to_vector<double>(), w = wt.to_vector<double>(), b = bt.to_vector<double>();
  int64_t N = xt.size(0), C = xt.size(1), H = xt.size(2), W = xt.size(3), O = wt.size(0);
  int64_t kh = wt.size(2), kw = wt.size(3);
  int64_t OH = (H + 2 * g.p[0] - g.d[0] * (kh - 1) - 1) / g.s[0] + 1;
  int64_t OW = (W + 2 * g.p[1] - g.d[1] * (kw - 1) - 1) / g.s[1] + 1;
  shape = {N, O, OH, OW};
  std::vector<double> out;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t oy = 0; oy < OH; ++oy)
        for (int64_t ox = 0; ox < OW; ++ox) {
          double acc = b[size_t(o)];
          for (int64_t c = 0; c < C; ++c)
            for (int64_t i = 0; i < kh; ++i)
              for (int64_t j = 0; j < kw; ++j) {
                int64_t iy = oy * g.s[0] - g.p[0] + i * g.d[0], ix = ox * g.s[1] - g.p[1] + j * g.d[1];
                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                acc += w[size_t(((o * C + c) * kh + i) * kw + j)] * x[size_t(((n * C + c) * H + iy) * W + ix)];
              }
          out.push_back(acc);
        }
  return out;
}

// conv_transpose2d by its definition, a scatter: each input pixel x[n, c, y, x] adds w[c, o, i, j] x
// to out[n, o, y s - p + i d, x s - p + j d] (where that is inside the output).
std::vector<double> conv_transpose2d_loops(const Tensor& xt, const Tensor& wt, const Tensor& bt, const Geometry& g,
                                           Pair2 op, Shape& shape) {
  auto x = xt.to_vector<double>(), w = wt.to_vector<double>(), b = bt.to_vector<double>();
  int64_t N = xt.size(0), C = xt.size(1), H = xt.size(2), W = xt.size(3), O = wt.size(1);
  int64_t kh = wt.size(2), kw = wt.size(3);
  int64_t OH = (H - 1) * g.s[0] - 2 * g.p[0] + g.d[0] * (kh - 1) + op[0] + 1;
  int64_t OW = (W - 1) * g.s[1] - 2 * g.p[1] + g.d[1] * (kw - 1) + op[1] + 1;
  shape = {N, O, OH, OW};
  std::vector<double> out(size_t(N * O * OH * OW));
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t k = 0; k < OH * OW; ++k) out[size_t((n * O + o) * OH * OW + k)] = b[size_t(o)];
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t y = 0; y < H; ++y)
        for (int64_t xx = 0; xx < W; ++xx)
          for (int64_t o = 0; o < O; ++o)
            for (int64_t i = 0; i < kh; ++i)
              for (int64_t j = 0; j < kw; ++j) {
                int64_t oy = y * g.s[0] - g.p[0] + i * g.d[0], ox = xx * g.s[1] - g.p[1] + j * g.d[1];
                if (oy < 0 || oy >= OH || ox < 0 || ox >= OW) continue;
                out[size_t(((n * O + o) * OH + oy) * OW + ox)] +=
                    w[size_t(((c * O + o) * kh + i) * kw + j)] * x[size_t(((n * C + c) * H + y) * W + xx)];
              }
  return out;
}

// One PyTorch case: y = fn(inputs) and the inputs' gradients of sum(y * c), in f64 (to 1e-10) and
// f32 (to 1e-5 absolute, 1e-4 relative: f32 rounding of sums of up to 36 products).
struct TorchCase {
  std::vector<std::pair<const std::vector<double>*, Shape>> inputs;
  const std::vector<double>& y;
  const std::vector<double>& c;
  std::vector<const std::vector<double>*> grads;
};
void check_torch(const std::function<Tensor(const In&)>& fn, const TorchCase& ref) {
  for (DType dt : {DType::f64, DType::f32}) {
    CAPTURE(dtype_name(dt));
    double tol = dt == DType::f64 ? 1e-10 : 1e-5;
    In in;
    for (auto& [values, shape] : ref.inputs) in.push_back(tensor(*values, shape, {.dtype = dt, .requires_grad = true}));
    Tensor y = fn(in);
    CHECK_CLOSE(y, ref.y, tol, 10 * tol);
    sum(mul(y, tensor(ref.c, y.shape(), {.dtype = dt}))).backward();
    for (size_t i = 0; i < in.size(); ++i) CHECK_CLOSE(in[i].grad(), *ref.grads[i], tol, 10 * tol);
  }
}

}  // namespace

TG_OP_TEST(Unfold, Value, "PyTorch: kernel (2, 3), stride (2, 1), padding (1, 1), dilation (1, 2)") {
  using namespace conv_ref;
  check_torch([](const In& x) { return unfold(x[0], {2, 3}, {2, 1}, {1, 1}, {1, 2}); },
              {{{&unfold_in0, {2, 2, 5, 6}}}, unfold_y, unfold_c, {&unfold_d0}});
}

TG_OP_TEST(Fold, Value, "PyTorch: output (5, 6), kernel (2, 3), stride (2, 1), padding (1, 1), dilation (1, 2)") {
  using namespace conv_ref;
  check_torch([](const In& x) { return fold(x[0], {5, 6}, {2, 3}, {2, 1}, {1, 1}, {1, 2}); },
              {{{&fold_in0, {2, 12, 12}}}, fold_y, fold_c, {&fold_d0}});
}

TG_OP_TEST(Conv2d, Value, "PyTorch: stride (2, 1), padding (1, 0), dilation (1, 2); the DCGAN k4 s2 p1 layer") {
  using namespace conv_ref;
  check_torch([](const In& x) { return conv2d(x[0], x[1], x[2], {2, 1}, {1, 0}, {1, 2}); },
              {{{&conv2d_in0, {2, 3, 7, 6}}, {&conv2d_in1, {4, 3, 3, 2}}, {&conv2d_in2, {4}}}, conv2d_y, conv2d_c,
               {&conv2d_d0, &conv2d_d1, &conv2d_d2}});
  check_torch([](const In& x) { return conv2d(x[0], x[1], x[2], {2, 2}, {1, 1}); },
              {{{&conv2d_dcgan_in0, {2, 2, 8, 8}}, {&conv2d_dcgan_in1, {3, 2, 4, 4}}, {&conv2d_dcgan_in2, {3}}},
               conv2d_dcgan_y, conv2d_dcgan_c, {&conv2d_dcgan_d0, &conv2d_dcgan_d1, &conv2d_dcgan_d2}});
}

TG_OP_TEST(ConvTranspose2d, Value, "PyTorch: stride (2, 1), padding (1, 1), output_padding (1, 0), dilation (1, 2)") {
  using namespace conv_ref;
  check_torch([](const In& x) { return conv_transpose2d(x[0], x[1], x[2], {2, 1}, {1, 1}, {1, 0}, {1, 2}); },
              {{{&conv_transpose2d_in0, {2, 3, 4, 5}}, {&conv_transpose2d_in1, {3, 2, 4, 3}},
                {&conv_transpose2d_in2, {2}}},
               conv_transpose2d_y, conv_transpose2d_c,
               {&conv_transpose2d_d0, &conv_transpose2d_d1, &conv_transpose2d_d2}});
}

TG_OP_TEST(AvgPool2d, Value, "PyTorch: kernel 3, stride 2, padding 1") {
  using namespace conv_ref;
  check_torch([](const In& x) { return avg_pool2d(x[0], {3, 3}, {2, 2}, {1, 1}); },
              {{{&avg_pool2d_in0, {1, 2, 5, 5}}}, avg_pool2d_y, avg_pool2d_c, {&avg_pool2d_d0}});
}

TG_OP_TEST(Unfold, Value, "exact columns of a 3x3 image, plain and padded with stride 2") {
  Tensor x = tensor({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
  Tensor cols = unfold(x, {2, 2});
  CHECK(cols.shape() == Shape{1, 4, 4});
  // rows (i, j) = (0,0), (0,1), (1,0), (1,1); columns the four 2x2 windows
  CHECK_CLOSE(cols, {1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9});
  // padding 1, stride 2: windows at rows/cols -1 and 1, so (OH, OW) = (2, 2)
  CHECK_CLOSE(unfold(x, {2, 2}, {2, 2}, {1, 1}), {0, 0, 0, 5, 0, 0, 4, 6, 0, 2, 0, 8, 1, 3, 7, 9});
  // dilation 2 with a 2x2 kernel reads the four corners of the one 3x3 window
  CHECK_CLOSE(unfold(x, {2, 2}, {1, 1}, {0, 0}, {2, 2}), {1, 3, 7, 9});
  // two channels: channel-major rows, (c, i, j)
  Tensor x2 = tensor({1, 2, 3, 4, 10, 20, 30, 40}, {1, 2, 2, 2});
  CHECK_CLOSE(unfold(x2, {1, 2}), {1, 3, 2, 4, 10, 30, 20, 40});
}

TG_OP_TEST(Fold, Value, "exact sums: fold of ones counts the windows covering each pixel") {
  Tensor counts = fold(ones({1, 4, 4}), {3, 3}, {2, 2});
  CHECK(counts.shape() == Shape{1, 1, 3, 3});
  CHECK_CLOSE(counts, {1, 2, 1, 2, 4, 2, 1, 2, 1});
  // stride 2, padding 1: every pixel of the 3x3 image lies in exactly one window
  CHECK_CLOSE(fold(ones({1, 4, 4}), {3, 3}, {2, 2}, {2, 2}, {1, 1}), {1, 1, 1, 1, 1, 1, 1, 1, 1});
  // fold(unfold(x)) = x * counts
  Tensor x = tensor({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
  CHECK_CLOSE(fold(unfold(x, {2, 2}), {3, 3}, {2, 2}), {1, 4, 3, 8, 20, 12, 7, 16, 9});
}

TG_OP_TEST(Fold, Value, "adjoint of unfold: <unfold(x), c> = <x, fold(c)> over every geometry") {
  uint64_t seed = 1;
  for (const Geometry& g : kGeometries) {
    Tensor x = leaf({2, 3, 7, 6}, seed++).detach();
    Tensor cols = unfold(x, g.k, g.s, g.p, g.d);
    Tensor c = leaf(cols.shape(), seed++).detach();
    double lhs = dot(cols, c), rhs = dot(x, fold(c, {7, 6}, g.k, g.s, g.p, g.d));
    CAPTURE(g.k[0]);
    CAPTURE(g.s[1]);
    CHECK(lhs == doctest::Approx(rhs).epsilon(1e-12));
  }
}

TG_OP_TEST(Unfold, Gradcheck, "unfold over every geometry, first and second order") {
  uint64_t seed = 20;
  for (const Geometry& g : kGeometries) {
    auto fn = [g](const In& in) { return unfold(in[0], g.k, g.s, g.p, g.d); };
    CHECK_GRADCHECK(fn, In{leaf({2, 2, 5, 6}, seed++)});
    CHECK_GRADGRADCHECK(fn, In{leaf({1, 2, 5, 6}, seed++)});
  }
}

TG_OP_TEST(Fold, Gradcheck, "fold over every geometry, first and second order") {
  uint64_t seed = 40;
  for (const Geometry& g : kGeometries) {
    Shape cols = unfold(zeros({2, 2, 5, 6}, {.dtype = DType::f64}), g.k, g.s, g.p, g.d).shape();
    auto fn = [g](const In& in) { return fold(in[0], {5, 6}, g.k, g.s, g.p, g.d); };
    CHECK_GRADCHECK(fn, In{leaf(cols, seed++)});
    cols[0] = 1;
    CHECK_GRADGRADCHECK(fn, In{leaf(cols, seed++)});
  }
}

TG_OP_TEST(Conv2d, Value, "direct loops over stride, padding, dilation, non-square, f64 and f32") {
  uint64_t seed = 60;
  for (const Geometry& g : kGeometries) {
    Tensor x = leaf({2, 3, 7, 8}, seed++).detach(), w = leaf({4, 3, g.k[0], g.k[1]}, seed++).detach();
    Tensor b = leaf({4}, seed++).detach();
    Shape shape;
    std::vector<double> expected = conv2d_loops(x, w, b, g, shape);
    Tensor out = conv2d(x, w, b, g.s, g.p, g.d);
    CHECK(out.shape() == shape);
    CHECK_CLOSE(out, expected, 1e-12, 1e-12);
    Tensor out32 = conv2d(x.to(DType::f32), w.to(DType::f32), b.to(DType::f32), g.s, g.p, g.d);
    CHECK_CLOSE(out32, expected, 1e-5, 1e-5);
    // without a bias: the same minus b
    Shape unused;
    CHECK_CLOSE(conv2d(x, w, {}, g.s, g.p, g.d), conv2d_loops(x, w, zeros({4}, {.dtype = DType::f64}), g, unused),
                1e-12, 1e-12);
  }
}

TG_OP_TEST(Conv2d, Gradcheck, "input, weight and bias over every geometry, first and second order") {
  uint64_t seed = 80;
  for (const Geometry& g : kGeometries) {
    auto fn = [g](const In& in) { return conv2d(in[0], in[1], in[2], g.s, g.p, g.d); };
    CHECK_GRADCHECK(fn, (In{leaf({2, 2, 6, 5}, seed), leaf({3, 2, g.k[0], g.k[1]}, seed + 1), leaf({3}, seed + 2)}));
    CHECK_GRADGRADCHECK(fn, (In{leaf({1, 2, 5, 5}, seed + 3), leaf({2, 2, g.k[0], g.k[1]}, seed + 4),
                                leaf({2}, seed + 5)}));
    seed += 6;
  }
}

TG_OP_TEST(ConvTranspose2d, Value, "direct loops over stride, padding, output padding, dilation") {
  uint64_t seed = 120;
  for (const Geometry& g : kGeometries)
    for (Pair2 op : {Pair2{0, 0}, Pair2{g.s[0] - 1, g.s[1] - 1}}) {
      Tensor x = leaf({2, 3, 5, 4}, seed++).detach(), w = leaf({3, 2, g.k[0], g.k[1]}, seed++).detach();
      Tensor b = leaf({2}, seed++).detach();
      Shape shape;
      std::vector<double> expected = conv_transpose2d_loops(x, w, b, g, op, shape);
      Tensor out = conv_transpose2d(x, w, b, g.s, g.p, op, g.d);
      CHECK(out.shape() == shape);
      CHECK_CLOSE(out, expected, 1e-12, 1e-12);
    }
  // the DCGAN generator's upsampling layer: k4 s2 p1 doubles 7 -> 14
  CHECK(conv_transpose2d(zeros({1, 3, 7, 7}), zeros({3, 2, 4, 4}), {}, {2, 2}, {1, 1}).shape() == Shape{1, 2, 14, 14});
}

TG_OP_TEST(ConvTranspose2d, Value, "the adjoint of conv2d in x: <conv2d(x, w), y> = <x, conv_transpose2d(y, w)>") {
  uint64_t seed = 160;
  for (const Geometry& g : kGeometries) {
    Tensor x = leaf({2, 3, 7, 8}, seed++).detach(), w = leaf({4, 3, g.k[0], g.k[1]}, seed++).detach();
    Tensor y = leaf(conv2d(x, w, {}, g.s, g.p, g.d).shape(), seed++).detach();
    // output_padding restores the rows/columns the forward's floor division dropped
    Tensor back = conv_transpose2d(y, w, {}, g.s, g.p, {0, 0}, g.d);
    Pair2 op{7 - back.size(2), 8 - back.size(3)};
    back = conv_transpose2d(y, w, {}, g.s, g.p, op, g.d);
    CHECK(dot(conv2d(x, w, {}, g.s, g.p, g.d), y) == doctest::Approx(dot(x, back)).epsilon(1e-12));
  }
}

TG_OP_TEST(ConvTranspose2d, Gradcheck, "input, weight and bias over every geometry, first and second order") {
  uint64_t seed = 180;
  for (const Geometry& g : kGeometries) {
    Pair2 op{g.s[0] - 1, g.s[1] - 1};
    auto fn = [g, op](const In& in) { return conv_transpose2d(in[0], in[1], in[2], g.s, g.p, op, g.d); };
    CHECK_GRADCHECK(fn, (In{leaf({2, 2, 4, 3}, seed), leaf({2, 3, g.k[0], g.k[1]}, seed + 1), leaf({3}, seed + 2)}));
    CHECK_GRADGRADCHECK(fn, (In{leaf({1, 2, 3, 3}, seed + 3), leaf({2, 2, g.k[0], g.k[1]}, seed + 4),
                                leaf({2}, seed + 5)}));
    seed += 6;
  }
}

TG_OP_TEST(AvgPool2d, Value, "exact window means, padding counted in the divisor") {
  Tensor x = tensor({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, {1, 1, 4, 4});
  CHECK_CLOSE(avg_pool2d(x, {2, 2}), {3.5, 5.5, 11.5, 13.5});
  CHECK_CLOSE(avg_pool2d(x, {3, 3}, {1, 1}), {6, 7, 10, 11});
  // padding 1, kernel 2, stride 2: corner window holds only x[0,0] = 1, divided by 4
  CHECK_CLOSE(avg_pool2d(x, {2, 2}, {2, 2}, {1, 1}), {0.25, 1.25, 1, 3.5, 8.5, 5, 3.25, 7.25, 4});
}

TG_OP_TEST(AvgPool2d, Gradcheck, "plain, strided and padded") {
  CHECK_GRADCHECK([](const In& in) { return avg_pool2d(in[0], {2, 2}); }, In{leaf({2, 2, 4, 6}, 200)});
  CHECK_GRADCHECK([](const In& in) { return avg_pool2d(in[0], {3, 2}, {1, 2}, {1, 1}); }, In{leaf({1, 2, 5, 4}, 201)});
}

TG_OP_TEST(UpsampleNearest2d, Value, "each pixel becomes an s x s block") {
  Tensor x = tensor({1, 2, 3, 4}, {1, 1, 2, 2});
  Tensor up = upsample_nearest2d(x, 2);
  CHECK(up.shape() == Shape{1, 1, 4, 4});
  CHECK_CLOSE(up, {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
  CHECK_CLOSE(upsample_nearest2d(x, 1), {1, 2, 3, 4});
}

TG_OP_TEST(UpsampleNearest2d, Gradcheck, "scale 2 and 3") {
  CHECK_GRADCHECK([](const In& in) { return upsample_nearest2d(in[0], 2); }, In{leaf({2, 2, 3, 2}, 210)});
  CHECK_GRADCHECK([](const In& in) { return upsample_nearest2d(in[0], 3); }, In{leaf({1, 1, 2, 3}, 211)});
}

TEST_CASE("conv bad input: each a tg::Error naming the op and the shapes") {
  Tensor x = zeros({2, 3, 5, 5}), w = zeros({4, 3, 3, 3});
  CHECK_ERROR(unfold(x, {7, 3}), "unfold", "(7, 3)", "(2, 3, 5, 5)", "(5, 5)");
  CHECK_ERROR(unfold(x, {3, 3}, {1, 1}, {0, 0}, {3, 1}), "unfold", "dilation (3, 1)", "(7, 3)");
  CHECK_ERROR(unfold(x, {3, 3}, {0, 1}), "unfold", "stride must be positive", "(0, 1)");
  CHECK_ERROR(unfold(x, {3, 3}, {1, 1}, {0, 0}, {1, -1}), "unfold", "dilation must be positive", "(1, -1)");
  CHECK_ERROR(unfold(x, {3, 3}, {1, 1}, {-1, 0}), "unfold", "padding must be non-negative");
  CHECK_ERROR(unfold(zeros({3, 5, 5}), {3, 3}), "unfold", "(N, C, H, W)", "(3, 5, 5)");
  CHECK_ERROR(fold(zeros({2, 10, 9}), {5, 5}, {3, 3}), "fold", "(2, 10, 9)", "C kh kw");
  CHECK_ERROR(fold(zeros({2, 9, 8}), {5, 5}, {3, 3}), "fold", "(2, 9, 8)", "3 x 3 = 9");
  CHECK_ERROR(conv2d(x, zeros({4, 2, 3, 3})), "conv2d", "(2, 3, 5, 5)", "(4, 2, 3, 3)", "3 channels");
  CHECK_ERROR(conv2d(x, zeros({4, 3, 6, 6})), "conv2d", "(6, 6)", "larger than the input");
  CHECK_ERROR(conv2d(x, w, {}, {1, 0}), "conv2d", "stride must be positive");
  CHECK_ERROR(conv2d(x, w, {}, {1, 1}, {0, 0}, {0, 1}), "conv2d", "dilation must be positive");
  CHECK_ERROR(conv2d(x, w, zeros({3})), "conv2d", "bias", "(3,)", "(4)");
  CHECK_ERROR(conv2d(x, zeros({4, 3, 3, 3}, {.dtype = DType::f64})), "conv2d", "f64");
  CHECK_ERROR(conv_transpose2d(x, zeros({4, 2, 3, 3})), "conv_transpose2d", "(2, 3, 5, 5)", "(4, 2, 3, 3)",
              "3 channels");
  CHECK_ERROR(conv_transpose2d(x, zeros({3, 2, 3, 3}), {}, {2, 2}, {0, 0}, {2, 0}), "conv_transpose2d",
              "output_padding (2, 0)", "stride (2, 2)");
  CHECK_ERROR(conv_transpose2d(zeros({1, 3, 1, 1}), zeros({3, 2, 3, 3}), {}, {1, 1}, {2, 2}), "conv_transpose2d",
              "(1, 3, 1, 1)", "(-1, -1)");
  CHECK_ERROR(conv_transpose2d(x, zeros({3, 2, 3, 3}), {}, {0, 1}), "conv_transpose2d", "stride must be positive");
  CHECK_ERROR(avg_pool2d(x, {6, 6}), "avg_pool2d", "(6, 6)", "(2, 3, 5, 5)");
  CHECK_ERROR(avg_pool2d(x, {2, 2}, {2, 2}, {2, 2}), "avg_pool2d", "padding (2, 2)", "half the kernel");
  CHECK_ERROR(upsample_nearest2d(x, 0), "upsample_nearest2d", "scale", "0");
}
