// The CPU paths that issue 15's CUDA fixes touched, timed against the code they replaced, in the
// same binary and the same run (rounds interleaved, so both see the same machine load):
//   cast f32 -> i32 and f32 -> f16 (4M elements): core/dtype.h's cast_element (NaN -> 0,
//     saturation) against the plain C++ conversion the kernel used before;
//   clip_grad_norm_ on the MLP 784-400-10's gradients: per-device device-side sums and one host
//     read, against one .item() per parameter;
//   the loss scaler's finite check: Backend::all_finite_many against all_finite per gradient.
// Reports each median and new / old; > 1 would be a slowdown.
//   build/bench_cpu_paths [--reps N] [--out DIR]
#include <cmath>

#include "bench/bench_util.h"
#include "core/cpu/cpu_backend.h"
#include "tapegrad.h"

namespace {

// The cast kernel as it was before cast_element (core/cpu/elementwise.cpp).
template <class O, class I>
void old_cast(O* o, const I* x, int64_t n) {
  tg::cpu::parallel_for(n, n, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) o[i] = O(tg::compute_t<O>(tg::compute_t<I>(x[i])));
  });
}

// clip_grad_norm_ as it was: one host read per parameter.
double old_clip_grad_norm(const std::vector<tg::Tensor>& params, double max_norm) {
  tg::NoGradGuard no_grad;
  double sum_sq = 0;
  for (const tg::Tensor& p : params)
    if (p.grad().defined()) sum_sq += tg::sum(tg::square(p.grad().to(tg::DType::f64))).item<double>();
  double total = std::sqrt(sum_sq);
  double coef = max_norm / (total + 1e-6);
  if (!std::isfinite(total) || coef >= 1) return total;
  for (tg::Tensor p : params)
    if (p.grad().defined()) p.set_grad(tg::mul(p.grad(), coef));
  return total;
}

// Median milliseconds of `fn_new` and `fn_old`, run alternately round by round.
template <class New, class Old>
std::pair<double, double> paired_ms(int reps, New&& fn_new, Old&& fn_old) {
  std::vector<double> a, b;
  for (int r = 0; r < reps + 1; ++r) {  // round 0 warms up
    double ta = bench::median_ms(0, 1, fn_new), tb = bench::median_ms(0, 1, fn_old);
    if (r > 0) a.push_back(ta), b.push_back(tb);
  }
  auto median = [](std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
  };
  return {median(a), median(b)};
}

}  // namespace

int main(int argc, char** argv) {
  bench::Flags flags = bench::parse_flags(argc, argv, "bench_cpu_paths: cast, clip_grad_norm_, finite check: new vs old");
  const int reps = flags.reps > 0 ? flags.reps : 21;
  std::vector<std::pair<std::string, double>> metrics;
  auto record = [&](const std::string& name, std::pair<double, double> t) {
    metrics.push_back({name + "_new_ms", t.first});
    metrics.push_back({name + "_old_ms", t.second});
    metrics.push_back({name + "_new_over_old", t.first / t.second});
  };
  tg::Backend& cpu = tg::backend(tg::Device::cpu);
  tg::Generator gen(0);

  // Casts: normal values scaled to +-1000, the range a label or index cast sees.
  const int64_t n = int64_t(1) << 22;
  tg::Tensor x = tg::mul(tg::randn({n}, gen), 1000.0);
  tg::Tensor i32 = tg::empty({n}, {.dtype = tg::DType::i32}), f16 = tg::empty({n}, {.dtype = tg::DType::f16});
  const auto* xs = static_cast<const float*>(x.data());
  record("cast_f32_i32", paired_ms(reps, [&] { cpu.cast(tg::DType::i32, i32.data(), tg::DType::f32, xs, n); },
                                   [&] { old_cast(static_cast<int32_t*>(i32.data()), xs, n); }));
  record("cast_f32_f16", paired_ms(reps, [&] { cpu.cast(tg::DType::f16, f16.data(), tg::DType::f32, xs, n); },
                                   [&] { old_cast(static_cast<tg::half*>(f16.data()), xs, n); }));

  // The MLP 784-400-10's parameters with gradients of norm well above max_norm (so both clip).
  std::vector<tg::Shape> shapes = {{400, 784}, {400}, {10, 400}, {10}};
  std::vector<tg::Tensor> params;
  for (const tg::Shape& s : shapes) {
    tg::Tensor p = tg::randn(s, gen);
    p.requires_grad_();
    p.set_grad(tg::randn(s, gen));
    params.push_back(p);
  }
  std::vector<tg::Tensor> grads;
  for (const tg::Tensor& p : params) grads.push_back(p.grad());
  auto reset = [&] {
    for (size_t k = 0; k < params.size(); ++k) params[k].set_grad(grads[k]);
  };
  record("clip_grad_norm", paired_ms(reps, [&] { reset(); tg::nn::clip_grad_norm_(params, 1.0); },
                                     [&] { reset(); old_clip_grad_norm(params, 1.0); }));

  std::vector<tg::Backend::FiniteBuffer> buffers;
  for (const tg::Tensor& g : grads) buffers.push_back({g.dtype(), g.data(), g.numel()});
  record("finite_check", paired_ms(reps, [&] { (void)cpu.all_finite_many(buffers); },
                                   [&] {
                                     for (const auto& b : buffers)
                                       if (!cpu.all_finite(b.dtype, b.data, b.n)) break;
                                   }));
  bench::write_metrics(flags.out, metrics);
}
