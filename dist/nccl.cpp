// NcclComm (see nccl.h): NCCL collectives on a stream of their own. Built only with NCCL
// (TG_WITH_NCCL); completion is polled (cudaStreamQuery, ncclCommGetAsyncError) by the process
// group against its deadline, so a lost peer ends in an abort, not a hang.
#if TG_WITH_NCCL
#include "dist/nccl.h"

#include <cuda_runtime.h>
#include <nccl.h>

#include "core/error.h"

namespace tg::dist {
namespace {

#define TG_NCCL_CHECK(call)                                                                        \
  do {                                                                                             \
    ncclResult_t tg_nccl_ = (call);                                                                \
    TG_CHECK(tg_nccl_ == ncclSuccess || tg_nccl_ == ncclInProgress, "NCCL: {} failed: {}", #call,   \
             ncclGetErrorString(tg_nccl_));                                                       \
  } while (0)

ncclDataType_t nccl_type(DType t) {
  switch (t) {
    case DType::f32: return ncclFloat32;
    case DType::f64: return ncclFloat64;
    case DType::f16: return ncclFloat16;
    case DType::bf16: return ncclBfloat16;
    case DType::i32: return ncclInt32;
    case DType::i64: return ncclInt64;
  }
  fail("NCCL: unsupported dtype {}", dtype_name(t));
}

ncclComm_t as_comm(void* p) { return static_cast<ncclComm_t>(p); }
cudaStream_t as_stream(void* p) { return static_cast<cudaStream_t>(p); }

void check_cuda(cudaError_t status, const char* call) {
  TG_CHECK(status == cudaSuccess, "NCCL: {} failed: {}", call, cudaGetErrorString(status));
}

// The inputs were written by kernels on the CUDA backend's stream: wait for them.
void after_earlier_work() { check_cuda(cudaDeviceSynchronize(), "cudaDeviceSynchronize"); }

}  // namespace

NcclComm::NcclComm(int rank, int size, const std::function<void(void* bytes, int n)>& share_id) {
  ncclUniqueId id;
  if (rank == 0) TG_NCCL_CHECK(ncclGetUniqueId(&id));
  share_id(&id, int(sizeof(id)));
  ncclComm_t comm;
  TG_NCCL_CHECK(ncclCommInitRank(&comm, size, id, rank));
  comm_ = comm;
  cudaStream_t stream;
  check_cuda(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
  stream_ = stream;
}

NcclComm::~NcclComm() {
  if (comm_) ncclCommDestroy(as_comm(comm_));
  if (stream_) cudaStreamDestroy(as_stream(stream_));
}

void NcclComm::all_reduce(void* buf, int64_t n, DType t, bool average) {
  after_earlier_work();
  TG_NCCL_CHECK(ncclAllReduce(buf, buf, size_t(n), nccl_type(t), average ? ncclAvg : ncclSum, as_comm(comm_),
                              as_stream(stream_)));
}

void NcclComm::broadcast(void* buf, int64_t n, DType t, int root) {
  after_earlier_work();
  TG_NCCL_CHECK(ncclBroadcast(buf, buf, size_t(n), nccl_type(t), root, as_comm(comm_), as_stream(stream_)));
}

void NcclComm::all_gather(const void* in, void* out, int64_t n_per_rank, DType t) {
  after_earlier_work();
  TG_NCCL_CHECK(ncclAllGather(in, out, size_t(n_per_rank), nccl_type(t), as_comm(comm_), as_stream(stream_)));
}

void NcclComm::reduce_scatter(const void* in, void* out, int64_t n_per_rank, DType t, bool average) {
  after_earlier_work();
  TG_NCCL_CHECK(ncclReduceScatter(in, out, size_t(n_per_rank), nccl_type(t), average ? ncclAvg : ncclSum,
                                  as_comm(comm_), as_stream(stream_)));
}

bool NcclComm::done() {
  ncclResult_t async = ncclSuccess;
  TG_NCCL_CHECK(ncclCommGetAsyncError(as_comm(comm_), &async));
  TG_CHECK(async == ncclSuccess || async == ncclInProgress, "NCCL: a collective failed: {}",
           ncclGetErrorString(async));
  cudaError_t status = cudaStreamQuery(as_stream(stream_));
  if (status == cudaErrorNotReady) return false;
  TG_CHECK(status == cudaSuccess, "NCCL: the CUDA stream reported {}", cudaGetErrorString(status));
  return true;
}

void NcclComm::abort() {
  if (comm_) ncclCommAbort(as_comm(comm_));
  comm_ = nullptr;
}

}  // namespace tg::dist
#endif  // TG_WITH_NCCL
