// The caching device allocator: size classes, reuse without cudaMalloc, stats, empty_cache and
// the out-of-memory error. Each test uses its own allocator so the counts start at zero.
#include "cuda/allocator.h"

#include <cuda_runtime.h>
#include <doctest/doctest.h>

#include <numeric>
#include <string>
#include <vector>

#include "core/error.h"
#include "cuda/device.h"

using tg::cuda::CachingAllocator;

constexpr size_t KiB = 1024, MiB = 1024 * 1024;

TEST_CASE("allocator size classes") {
  CHECK(CachingAllocator::round_size(0) == 0);
  CHECK(CachingAllocator::round_size(1) == 512);
  CHECK(CachingAllocator::round_size(512) == 512);
  CHECK(CachingAllocator::round_size(513) == 1024);
  CHECK(CachingAllocator::round_size(1 * MiB) == 1 * MiB);
  CHECK(CachingAllocator::round_size(1 * MiB + 1) == 1 * MiB + 256 * KiB);
  CHECK(CachingAllocator::round_size(3 * MiB) == 3 * MiB);
  CHECK(CachingAllocator::round_size(5 * MiB + 1) == 6 * MiB);
  CHECK(CachingAllocator::round_size(7 * MiB + 1) == 8 * MiB);
}

TEST_CASE("allocator reuses a freed block of the same class without cudaMalloc") {
  CachingAllocator alloc(0);
  void* a = alloc.allocate(1000);
  REQUIRE(a != nullptr);
  CHECK(alloc.stats().num_cuda_malloc == 1);
  alloc.deallocate(a);
  void* b = alloc.allocate(900);  // same 1024 B class
  CHECK(b == a);
  CHECK(alloc.stats().num_cuda_malloc == 1);
  CHECK(alloc.stats().num_cache_hits == 1);
  void* c = alloc.allocate(2000);  // another class: a new block
  CHECK(c != a);
  CHECK(alloc.stats().num_cuda_malloc == 2);
  alloc.deallocate(b);
  alloc.deallocate(c);
  CHECK(alloc.allocate(0) == nullptr);
}

TEST_CASE("allocator blocks hold data") {
  CachingAllocator alloc(0);
  std::vector<float> host(3 * MiB / sizeof(float)), back(host.size());
  std::iota(host.begin(), host.end(), 0.0f);
  void* d = alloc.allocate(host.size() * sizeof(float));
  REQUIRE(cudaMemcpy(d, host.data(), host.size() * sizeof(float), cudaMemcpyHostToDevice) == cudaSuccess);
  REQUIRE(cudaMemcpy(back.data(), d, back.size() * sizeof(float), cudaMemcpyDeviceToHost) == cudaSuccess);
  CHECK(back == host);
  alloc.deallocate(d);
}

TEST_CASE("allocator stats track in-use, peak and cached bytes") {
  CachingAllocator alloc(0);
  void* a = alloc.allocate(100);          // 512 B class
  void* b = alloc.allocate(2 * MiB + 1);  // 2.5 MiB class
  auto s = alloc.stats();
  CHECK(s.bytes_in_use == 512 + 2 * MiB + 512 * KiB);
  CHECK(s.peak_bytes_in_use == s.bytes_in_use);
  CHECK(s.bytes_cached == 0);
  alloc.deallocate(b);
  s = alloc.stats();
  CHECK(s.bytes_in_use == 512);
  CHECK(s.bytes_cached == 2 * MiB + 512 * KiB);
  CHECK(s.peak_bytes_in_use == 512 + 2 * MiB + 512 * KiB);
  alloc.reset_peak();
  CHECK(alloc.stats().peak_bytes_in_use == 512);
  alloc.deallocate(a);
  CHECK(alloc.stats().bytes_in_use == 0);
}

TEST_CASE("empty_cache returns cached blocks to the device") {
  CachingAllocator alloc(0);
  alloc.deallocate(alloc.allocate(64 * MiB));
  alloc.deallocate(alloc.allocate(4 * KiB));
  REQUIRE(alloc.stats().bytes_cached == 64 * MiB + 4 * KiB);
  alloc.empty_cache();
  auto s = alloc.stats();
  CHECK(s.bytes_cached == 0);
  CHECK(s.num_cuda_free == 2);
  alloc.deallocate(alloc.allocate(64 * MiB));  // nothing cached: cudaMalloc again
  CHECK(alloc.stats().num_cuda_malloc == 3);
}

TEST_CASE("allocator out of memory is a clear tg::Error, and the allocator still works after it") {
  CachingAllocator alloc(0);
  void* kept = alloc.allocate(1 * MiB);
  std::string msg;
  try {
    alloc.allocate(size_t(1) << 50);  // 1 PiB: more than any GPU has
  } catch (const tg::Error& e) {
    msg = e.what();
  }
  INFO("message: ", msg);
  CHECK(msg.find("out of memory") != std::string::npos);
  CHECK(msg.find("1.00 PiB") != std::string::npos);
  CHECK(msg.find("1125899906842624 bytes requested") != std::string::npos);
  CHECK(msg.find("1.00 MiB in use") != std::string::npos);
  CHECK(cudaGetLastError() == cudaSuccess);
  void* p = alloc.allocate(4 * KiB);
  CHECK(p != nullptr);
  alloc.deallocate(p);
  alloc.deallocate(kept);
}

TEST_CASE("allocator rejects pointers it did not hand out") {
  CachingAllocator alloc(0);
  int on_host = 0;
  CHECK_THROWS_AS(alloc.deallocate(&on_host), tg::Error);
  void* p = alloc.allocate(512);
  alloc.deallocate(p);
  CHECK_THROWS_AS(alloc.deallocate(p), tg::Error);  // freed twice
}

TEST_CASE("one shared allocator per device") {
  CHECK(&tg::cuda::allocator(0) == &tg::cuda::allocator(0));
  CHECK(tg::cuda::allocator(0).device() == 0);
  CHECK_THROWS_AS(tg::cuda::allocator(tg::cuda::device_count()), tg::Error);
}
