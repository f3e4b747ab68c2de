// CUDA attention kernels (cuda/attention.cu) against the CPU's naive f64 reference on the same
// inputs: O, the logsumexp L and the three gradients, f32/f16/bf16, D = 16..128, causal and not,
// queries shorter than keys, T off the tile. Skipped with the rest of this suite without a GPU.
#include <cuda_runtime.h>
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/cpu/cpu_backend.h"
#include "cuda/attention.h"
#include "cuda/check.h"
#include "cuda/cuda_backend.h"
#include "test_util.h"

using namespace tg;

namespace {

// A device copy of a CPU tensor's bytes, freed on scope exit. Uploads and downloads go through the
// backend, on the stream the kernels run on: a plain cudaMemcpy runs on the legacy default stream,
// which the backend's non-blocking stream does not wait for, so a kernel could read an upload
// still in flight (pageable cudaMemcpy returns once the bytes are staged, not landed).
struct DeviceBuffer {
  void* ptr = nullptr;
  size_t bytes;
  explicit DeviceBuffer(size_t n) : bytes(n) { TG_CUDA_CHECK(cudaMalloc(&ptr, n)); }
  explicit DeviceBuffer(const Tensor& t) : DeviceBuffer(t.nbytes()) {
    cuda::instance().copy_from_host(ptr, t.data(), bytes);
  }
  ~DeviceBuffer() { cudaFree(ptr); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  // The contents as a CPU tensor of the given shape and dtype, read as f64.
  std::vector<double> values(const Shape& shape, DType dtype) const {
    Tensor t = Tensor::empty(shape, dtype);
    cuda::instance().copy_to_host(t.data(), ptr, bytes);
    return t.to_vector<double>();
  }
};

void check_parity(const AttentionArgs& a, DType dtype, double atol, double rtol) {
  INFO("B ", a.B, " H ", a.H, " Tq ", a.Tq, " Tk ", a.Tk, " D ", a.D, a.causal ? " causal " : " full ", dtype_name(dtype));
  Generator gen(7);
  Shape qs{a.B, a.H, a.Tq, a.D}, ks{a.B, a.H, a.Tk, a.D};
  // Inputs rounded to the tested dtype once; the reference sees exactly those values.
  Tensor q = randn(qs, gen).to(dtype), k = randn(ks, gen).to(dtype), v = randn(ks, gen).to(dtype);
  Tensor dout = randn(qs, gen).to(dtype);
  DeviceBuffer dq_in(q), dk_in(k), dv_in(v), ddout(dout), o(q.nbytes()), lse(size_t(a.B * a.H * a.Tq) * 4);
  DeviceBuffer dq(q.nbytes()), dk(k.nbytes()), dv(v.nbytes());
  cudaStream_t stream = cuda::instance().stream();
  cuda::attention_forward(dtype, o.ptr, static_cast<float*>(lse.ptr), dq_in.ptr, dk_in.ptr, dv_in.ptr, a, stream);
  cuda::attention_backward(dtype, dq.ptr, dk.ptr, dv.ptr, dq_in.ptr, dk_in.ptr, dv_in.ptr, o.ptr,
                           static_cast<const float*>(lse.ptr), ddout.ptr, a, stream);
  TG_CUDA_CHECK(cudaStreamSynchronize(stream));

  std::vector<double> qd = q.to_vector<double>(), kd = k.to_vector<double>(), vd = v.to_vector<double>();
  std::vector<double> dod = dout.to_vector<double>();
  std::vector<double> eo(qd.size()), elog(size_t(a.B * a.H * a.Tq)), edq(qd.size()), edk(kd.size()), edv(vd.size());
  cpu::attention_forward_reference(eo.data(), elog.data(), qd.data(), kd.data(), vd.data(), a);
  cpu::attention_backward_reference(edq.data(), edk.data(), edv.data(), qd.data(), kd.data(), vd.data(), dod.data(), a);
  CHECK_CLOSE(o.values(qs, dtype), eo, atol, rtol);
  CHECK_CLOSE(lse.values({a.B, a.H, a.Tq}, DType::f32), elog, 1e-4, 1e-5);
  CHECK_CLOSE(dq.values(qs, dtype), edq, atol, rtol);
  CHECK_CLOSE(dk.values(ks, dtype), edk, atol, rtol);
  CHECK_CLOSE(dv.values(ks, dtype), edv, atol, rtol);
}

}  // namespace

TEST_CASE("cuda attention matches the CPU reference in f32, f16 and bf16") {
  // Tolerances: f32 accumulation throughout; outputs rounded to f16 (2^-11 relative) or bf16 (2^-8).
  struct Tol {
    DType dtype;
    double atol, rtol;
  };
  for (Tol t : {Tol{DType::f32, 1e-4, 1e-3}, Tol{DType::f16, 2e-3, 1e-2}, Tol{DType::bf16, 2e-2, 2e-2}})
    for (int64_t D : {16, 32, 64, 128})
      for (bool causal : {false, true}) {
        const double scale = 1 / std::sqrt(double(D));
        check_parity({.B = 2, .H = 2, .Tq = 100, .Tk = 100, .D = D, .scale = scale, .causal = causal}, t.dtype, t.atol,
                     t.rtol);
        check_parity({.B = 1, .H = 3, .Tq = 37, .Tk = 150, .D = D, .scale = scale, .causal = causal}, t.dtype, t.atol,
                     t.rtol);
      }
}

TEST_CASE("cuda attention rejects head sizes and dtypes it has no kernel for") {
  AttentionArgs a{.B = 1, .H = 1, .Tq = 4, .Tk = 4, .D = 24, .scale = 1};
  cudaStream_t stream = cuda::instance().stream();
  CHECK_ERROR(cuda::attention_forward(DType::f32, nullptr, nullptr, nullptr, nullptr, nullptr, a, stream), "head size");
  a.D = 16;
  CHECK_ERROR(cuda::attention_forward(DType::f64, nullptr, nullptr, nullptr, nullptr, nullptr, a, stream),
              "f32, f16 or bf16");
}
