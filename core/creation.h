// Creating tensors: from values, constants, ranges and random draws (PyTorch's names).
#pragma once
#include <vector>

#include "core/random.h"
#include "core/tensor.h"

namespace tg {

// Values (converted to opts.dtype); shape defaults to 1-D with values.size() entries.
Tensor tensor(const std::vector<double>& values, Shape shape = {}, TensorOptions opts = {});
Tensor scalar_tensor(double value, TensorOptions opts = {});
// Copies n typed values from host memory (T must match opts.dtype's C++ type).
template <class T> Tensor from_host(const T* values, const Shape& shape, TensorOptions opts = {});

Tensor empty(const Shape& shape, TensorOptions opts = {});
Tensor zeros(const Shape& shape, TensorOptions opts = {});
Tensor ones(const Shape& shape, TensorOptions opts = {});
Tensor full(const Shape& shape, double value, TensorOptions opts = {});
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);
// [start, end) in steps; the count is ceil((end - start) / step).
Tensor arange(double start, double end, double step = 1, TensorOptions opts = {});
Tensor arange(int64_t n, TensorOptions opts = {.dtype = DType::i64});

// U[0, 1), N(0, 1) and integers uniform in [low, high).
Tensor rand(const Shape& shape, Generator& gen, TensorOptions opts = {});
Tensor randn(const Shape& shape, Generator& gen, TensorOptions opts = {});
Tensor randint(int64_t low, int64_t high, const Shape& shape, Generator& gen,
               TensorOptions opts = {.dtype = DType::i64});
Tensor rand(const Shape& shape, TensorOptions opts = {});
Tensor randn(const Shape& shape, TensorOptions opts = {});
Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions opts = {.dtype = DType::i64});
// U[lo, hi) and N(mean, std) in place of the values of t (no autograd).
void uniform_(Tensor& t, double lo, double hi, Generator& gen);
void normal_(Tensor& t, double mean, double std, Generator& gen);

}  // namespace tg
