// The CUDA suite: device discovery and the checked-call helpers. Built only with the CUDA backend;
// on a machine without a usable GPU the whole binary reports as skipped (see doctest_main.cpp).
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <doctest/doctest.h>

#include <string>

#include "core/error.h"
#include "cuda/check.h"
#include "cuda/device.h"

extern "C" const char* tg_test_skip_reason() {
  return tg::cuda::device_count() == 0 ? "no CUDA device (or no driver) on this machine" : nullptr;
}

namespace {

// The message of the tg::Error that fn throws ("" when it throws nothing).
template <class Fn> std::string error_message(Fn fn) {
  try {
    fn();
  } catch (const tg::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("cuda device query") {
  int n = tg::cuda::device_count();
  REQUIRE(n >= 1);
  std::string name = tg::cuda::device_name(0);
  MESSAGE("cuda:0 is ", name, " (", n, " devices)");
  CHECK_FALSE(name.empty());
}

TEST_CASE("cuda check names the failing call") {
  std::string msg = error_message([] { tg::cuda::device_name(tg::cuda::device_count()); });
  INFO("message: ", msg);
  CHECK(msg.find("cudaGetDeviceProperties") != std::string::npos);
  CHECK(msg.find("CUDA error") != std::string::npos);
  // The failure was raised and cleared, not left behind for the next cudaGetLastError().
  CHECK(cudaGetLastError() == cudaSuccess);
}

TEST_CASE("cublas check names the failing call and the status") {
  cublasHandle_t handle = nullptr;
  TG_CUBLAS_CHECK(cublasCreate(&handle));
  float alpha = 1, beta = 0;
  // m = -1 is rejected by cuBLAS before touching the (null) matrices.
  std::string msg = error_message([&] {
    TG_CUBLAS_CHECK(cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, -1, 1, 1, &alpha, nullptr, 1, nullptr, 1, &beta,
                                nullptr, 1));
  });
  TG_CUBLAS_CHECK(cublasDestroy(handle));
  INFO("message: ", msg);
  CHECK(msg.find("cublasSgemm") != std::string::npos);
  CHECK(msg.find("CUBLAS_STATUS_INVALID_VALUE") != std::string::npos);
}
