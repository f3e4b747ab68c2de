// The NCCL side of a ProcessGroup: one communicator over the ranks, collectives on a stream of its
// own, started after cudaDeviceSynchronize (so the kernels that made their inputs have finished,
// whatever stream the CUDA backend ran them on). Compiled only when tapegrad is built with NCCL
// (TG_WITH_NCCL); ProcessGroup raises for CUDA tensors otherwise. Each rank drives one GPU: NCCL
// refuses two ranks of a communicator on the same device.
#pragma once
#include <cstdint>
#include <functional>

#include "core/dtype.h"

namespace tg::dist {

class NcclComm {
 public:
  // Rank 0 creates the unique id; share_id(bytes, n) broadcasts those n bytes from rank 0.
  NcclComm(int rank, int size, const std::function<void(void* bytes, int n)>& share_id);
  ~NcclComm();
  NcclComm(const NcclComm&) = delete;
  NcclComm& operator=(const NcclComm&) = delete;

  // Enqueued on the stream (after the device's earlier work); done() says when they have finished.
  void all_reduce(void* buf, int64_t n, DType t, bool average);
  void broadcast(void* buf, int64_t n, DType t, int root);
  void all_gather(const void* in, void* out, int64_t n_per_rank, DType t);
  void reduce_scatter(const void* in, void* out, int64_t n_per_rank, DType t, bool average);
  // True when the stream has run everything enqueued; raises tg::Error on an NCCL error.
  bool done();
  // Stops every NCCL operation of this communicator (before aborting the job on a timeout).
  void abort();

 private:
  void* comm_ = nullptr;    // ncclComm_t and cudaStream_t, kept opaque so this header needs neither
  void* stream_ = nullptr;  // NCCL nor the CUDA runtime
};

}  // namespace tg::dist
