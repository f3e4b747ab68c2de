// A process group: the ranks mpirun started, and the collectives data-parallel training needs
// (all_reduce, broadcast, all_gather, reduce_scatter, barrier), over MPI for CPU tensors and over
// NCCL for CUDA tensors (when built with it). Every collective first all-gathers a small
// fingerprint (op, sequence number, dtype, shape, root) and raises tg::Error on every rank when the
// ranks disagree; every wait for other ranks has a deadline, past which the rank prints why and
// aborts the job. A rank that dies inside a collective is noticed by mpirun, which ends the job.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "core/tensor.h"

namespace tg::dist {

class NcclComm;

enum class ReduceOp { Sum, Average };

struct ProcessGroupOptions {
  // Seconds a collective may wait for the other ranks before the job is aborted (MPI_Abort):
  // a rank that died, hangs, or stopped calling collectives ends every rank within this time.
  // 0 takes TG_DIST_TIMEOUT_S from the environment, else 300.
  double timeout_s = 0;
};

// A collective in flight (all_reduce_async); wait() completes it. Not copyable; waited on or
// destroyed (which waits) before the tensor it reduces is read.
class Work {
 public:
  struct State;
  explicit Work(std::unique_ptr<State> state);
  Work(Work&&) noexcept;
  Work& operator=(Work&&) noexcept;
  ~Work();
  void wait();
  // Polls once, never blocks: true when it has completed (then wait() returns at once). Polling
  // is also what moves an MPI transfer along while the caller does other work.
  bool test();

 private:
  std::unique_ptr<State> state_;
};

class ProcessGroup {
 public:
  // Joins the ranks mpirun started (MPI_Init). Outside mpirun (no OMPI_COMM_WORLD_SIZE, PMI_SIZE or
  // PMIX_RANK in the environment) it raises tg::Error saying how to launch. One per process.
  explicit ProcessGroup(ProcessGroupOptions options = {});
  ~ProcessGroup();  // MPI_Finalize
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  double timeout_s() const { return timeout_s_; }

  // In place: t becomes the elementwise sum (or mean) over the ranks of their t.
  void all_reduce(const Tensor& t, ReduceOp op = ReduceOp::Sum);
  // Starts it and returns at once. check = false skips the fingerprint exchange, which waits for
  // every rank: only for callers that make the same calls on every rank by construction (DDP's
  // buckets, whose layout the parameters' checked broadcast fixed); the deadline still holds.
  Work all_reduce_async(const Tensor& t, ReduceOp op = ReduceOp::Sum, bool check = true);
  // In place: every rank's t becomes root's t.
  void broadcast(const Tensor& t, int root = 0);
  // (size * d0, ...) : the ranks' t, equal shapes, concatenated along dim 0 in rank order.
  Tensor all_gather(const Tensor& t);
  // t is (size * k, ...); rank r gets rows [r k, (r + 1) k) of the sum (or mean) over the ranks.
  Tensor reduce_scatter(const Tensor& t, ReduceOp op = ReduceOp::Sum);
  void barrier();

  // The collectives this group has run (the fingerprint's sequence number).
  int64_t collectives() const { return seq_; }

 private:
  struct Fingerprint;
  // All-gathers `mine` and raises on every rank when any rank's differs.
  void check_same(const Fingerprint& mine);
  Fingerprint fingerprint(const char* op, const Tensor& t, int64_t arg);
  // check_same, then the checks of a reduction (no average of integers)
  Fingerprint check_reduce(const char* op_name, const Tensor& t, ReduceOp op);

  // The NCCL communicator for CUDA tensors, made at the first CUDA collective (its unique id
  // broadcast over MPI); nullptr until then, and always without NCCL.
  NcclComm& nccl();
  // Enqueues a collective on the NCCL communicator and returns the Work that waits for its stream
  // (past the deadline it aborts the communicator, then the job). Without NCCL it raises. A
  // template called with generic lambdas, so a build without NCCL never instantiates their calls.
  template <class Enqueue>
  Work start_on_nccl(const Fingerprint& f, Enqueue enqueue);
  std::shared_ptr<NcclComm> nccl_;  // shared_ptr: its deleter is bound where it is made, so builds
                                    // without NCCL never need ~NcclComm
  int rank_ = 0, size_ = 1;
  double timeout_s_ = 300;
  int64_t seq_ = 0;
  bool finalize_ = false;
};

}  // namespace tg::dist
