// CPU backend internals the op tests do not reach: the recycling allocator, and kernels on both
// sides of kParallelGrain (one thread below it, chunked over the OpenMP team above it), each
// checked element by element against a plain host loop.
#include <cmath>
#include <cstdint>
#include <numeric>

#include "core/backend.h"
#include "core/cpu/cpu_backend.h"
#include "test_util.h"

using namespace tg;

TEST_SUITE_BEGIN(TG_CPU_ONLY_SUITE);

TEST_CASE("cpu allocator: 64-byte aligned blocks, a freed block is reused for the same size") {
  Backend& cpu = backend(Device::cpu);
  for (size_t bytes : {size_t(4), size_t(100), size_t(3000), size_t(1) << 20}) {
    void* p = cpu.allocate(bytes);
    CHECK(reinterpret_cast<uintptr_t>(p) % 64 == 0);
    cpu.deallocate(p, bytes);
    void* q = cpu.allocate(bytes);
    CHECK(q == p);
    void* other = cpu.allocate(bytes);  // the list is empty again: a new block
    CHECK(other != q);
    cpu.deallocate(q, bytes);
    cpu.deallocate(other, bytes);
  }
  CHECK(cpu.allocate(0) == nullptr);
}

TEST_CASE("elementwise, broadcast and reduction kernels match host loops below and above the parallel grain") {
  for (int64_t rows : {int64_t(3), cpu::kParallelGrain / 50}) {
    const int64_t cols = 100, n = rows * cols;
    CAPTURE(n);
    Generator gen(11);
    Tensor a = randn({rows, cols}, gen), r = randn({cols}, gen);
    std::vector<float> av = a.to_vector<float>(), rv = r.to_vector<float>();

    std::vector<double> e_exp(static_cast<size_t>(n)), e_add(static_cast<size_t>(n)), e_sum(static_cast<size_t>(cols));
    std::vector<double> acc(static_cast<size_t>(cols), 0.0);
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) {
        size_t k = size_t(i * cols + j);
        e_exp[k] = std::exp(av[k]);
        e_add[k] = av[k] + rv[size_t(j)];
        acc[size_t(j)] += double(av[k]);
      }
    for (int64_t j = 0; j < cols; ++j) e_sum[size_t(j)] = float(acc[size_t(j)]);
    CHECK_CLOSE(exp(a), e_exp, 0, 2.4e-7);  // f32 exp is within 2 ulp (2^-22): core/fast_math.h
    CHECK_CLOSE(add(a, r), e_add, 0, 0);
    CHECK_CLOSE(sum(a, {0}), e_sum, 0, 0);
    CHECK_CLOSE(sum(a), {double(float(std::accumulate(acc.begin(), acc.end(), 0.0)))}, 0, 1e-6);
  }
}

TEST_CASE("adam_update matches the scalar update rule, for a list of tensors below and above the parallel grain") {
  // Two tensors in one call, with different steps: the split over threads crosses the boundary
  // between them when the second is large.
  for (int64_t n : {int64_t(7), 3 * cpu::kParallelGrain + 5}) {
    CAPTURE(n);
    Generator gen(5);
    std::vector<Tensor> p, g, m, v;
    std::vector<AdamTensor> list;
    const int64_t sizes[2] = {1000, n};
    for (int j = 0; j < 2; ++j) {
      p.push_back(randn({sizes[j]}, gen));
      g.push_back(randn({sizes[j]}, gen));
      m.push_back(rand({sizes[j]}, gen));
      v.push_back(rand({sizes[j]}, gen));
      float t = float(j + 1);
      list.push_back({p[j].data_ptr<float>(), g[j].data_ptr<float>(), m[j].data_ptr<float>(), v[j].data_ptr<float>(),
                      nullptr, sizes[j], {0.01f, 0.9f, 0.999f, 1e-8f, 0.1f, false, 1 - std::pow(0.9f, t), 1 - std::pow(0.999f, t)}});
    }
    std::vector<std::vector<float>> pv, gv, mv, vv;
    for (int j = 0; j < 2; ++j) {
      pv.push_back(p[j].to_vector<float>());
      gv.push_back(g[j].to_vector<float>());
      mv.push_back(m[j].to_vector<float>());
      vv.push_back(v[j].to_vector<float>());
    }
    backend(Device::cpu).adam_update(list);
    for (int j = 0; j < 2; ++j) {
      const AdamStep& s = list[size_t(j)].step;
      std::vector<double> expect(pv[j].size());
      for (size_t i = 0; i < expect.size(); ++i) {
        double grad = gv[j][i] + 0.1 * pv[j][i];
        double mi = 0.9 * mv[j][i] + 0.1 * grad, vi = 0.999 * vv[j][i] + 0.001 * grad * grad;
        expect[i] = pv[j][i] - 0.01 / s.bias_correction1 * mi / (std::sqrt(vi / s.bias_correction2) + 1e-8);
      }
      CHECK_CLOSE(p[size_t(j)], expect, 1e-6, 1e-5);  // f32 kernel against the rule in double
    }
  }
}

TEST_SUITE_END();
