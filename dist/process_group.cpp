// ProcessGroup over MPI. Before each collective the ranks all-gather a fingerprint of it, polled
// against a deadline: ranks that disagree raise the same tg::Error instead of exchanging mismatched
// buffers (undefined behaviour in MPI), and a rank that never arrives ends the job at the deadline.
// Then the collective itself: blocking on the CPU, MPI_Iallreduce for all_reduce_async, NCCL (polled
// against the same deadline) for CUDA tensors.
#include "dist/process_group.h"

#include <mpi.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "dist/nccl.h"

namespace tg::dist {

// What every rank announces before a collective; equal on all ranks or the collective is refused.
struct ProcessGroup::Fingerprint {
  static constexpr int kDims = 6;  // shapes of more dims fold the rest into the last slot
  int64_t op, seq, dtype, device, arg, ndim, dims[kDims];
};

namespace {

// CUDA tensors go through NCCL (ProcessGroup::start_on_nccl). In a build without it the NCCL branch
// there is a discarded statement of a template (if constexpr), so such a build never instantiates the
// calls of NcclComm's members (nor links them).
#if TG_WITH_NCCL
constexpr bool kWithNccl = true;
#else
constexpr bool kWithNccl = false;
#endif

[[noreturn]] void no_nccl() {
  fail("ProcessGroup: CUDA tensors need NCCL, and this tapegrad was built without it (TG_WITH_NCCL); move the "
       "tensors to the CPU, or build with CUDA where nccl.h and libnccl are found");
}

const char* const kOpNames[] = {"all_reduce", "broadcast", "all_gather", "reduce_scatter", "barrier"};

int op_code(const char* op) {
  for (int i = 0; i < 5; ++i)
    if (std::string(op) == kOpNames[i]) return i;
  fail("ProcessGroup: unknown collective {}", op);
}

// "all_reduce #4 (sum) of f32 (3, 4) cpu"
std::string describe_fingerprint(const int64_t* v) {
  const char* op = v[0] >= 0 && v[0] < 5 ? kOpNames[v[0]] : "?";
  std::string arg;
  if (v[0] == 0 || v[0] == 3) arg = v[4] == 0 ? " (sum)" : " (average)";
  if (v[0] == 1) arg = fmt::format(" (root {})", v[4]);
  if (v[0] == 4) return fmt::format("barrier #{}", v[1]);
  Shape shape(v + 6, v + 6 + std::min<int64_t>(v[5], 6));
  std::string dims = v[5] > 6 ? fmt::format("{} with {} dims", shape_str(shape), v[5]) : shape_str(shape);
  return fmt::format("{} #{}{} of {} {} {}", op, v[1], arg, dtype_name(DType(v[2])), dims,
                     v[3] == int64_t(DeviceType::cuda) ? "cuda" : "cpu");
}

double timeout_from_env(double given) {
  if (given > 0) return given;
  const char* env = std::getenv("TG_DIST_TIMEOUT_S");
  if (!env) return 300;
  char* end = nullptr;
  double s = std::strtod(env, &end);
  TG_CHECK(end != env && *end == '\0' && s > 0, "ProcessGroup: TG_DIST_TIMEOUT_S must be a positive number of "
           "seconds, got '{}'", env);
  return s;
}

MPI_Datatype mpi_type(DType t, const char* op, bool reduces) {
  switch (t) {
    case DType::f32: return MPI_FLOAT;
    case DType::f64: return MPI_DOUBLE;
    case DType::i32: return MPI_INT32_T;
    case DType::i64: return MPI_INT64_T;
    case DType::f16:
    case DType::bf16:
      // moved as 16-bit words; MPI has no half-precision arithmetic
      TG_CHECK(!reduces, "ProcessGroup::{}: {} tensors cannot be reduced over MPI (no half-precision sum); cast "
               "to f32 first", op, dtype_name(t));
      return MPI_UINT16_T;
  }
  fail("ProcessGroup::{}: unsupported dtype {}", op, dtype_name(t));
}

// MPI counts are int: a larger tensor is refused rather than truncated.
int mpi_count(const Tensor& t, const char* op) {
  TG_CHECK(t.numel() <= INT32_MAX, "ProcessGroup::{}: {} has more than 2^31 - 1 elements (MPI's count limit)", op,
           describe(t));
  return int(t.numel());
}

// Mean from sum: x / size, on the host (MPI has no MPI_AVG).
void divide(const Tensor& t, int size) {
  if (t.dtype() == DType::f32) {
    float* p = t.data_ptr<float>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] /= float(size);
  } else {
    double* p = t.data_ptr<double>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] /= double(size);
  }
}

}  // namespace

// ---- waiting with a deadline ------------------------------------------------------------------

struct Work::State {
  std::string what;              // the collective, for the timeout message
  double timeout_s = 0;
  int rank = 0;
  std::function<bool()> poll;    // true once complete
  std::function<void()> finish;  // after completion (the mean's division)
  std::function<void()> on_timeout;  // before the job is aborted (NCCL: abort the communicator)
  bool done = false;
};

namespace {

// Polls until done; past the deadline the job cannot be saved (an MPI collective cannot be
// cancelled, and the other ranks may be inside it), so it says why and aborts every rank.
void wait_state(Work::State& s) {
  if (s.done) return;
  auto start = std::chrono::steady_clock::now();
  while (!s.poll()) {
    double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (waited > s.timeout_s) {
      std::fprintf(stderr, "tapegrad dist: rank %d: %s did not complete within %g s (the timeout: "
                   "ProcessGroupOptions::timeout_s or TG_DIST_TIMEOUT_S): a rank died, hangs, or stopped calling "
                   "collectives; aborting every rank\n", s.rank, s.what.c_str(), s.timeout_s);
      std::fflush(stderr);
      if (s.on_timeout) s.on_timeout();
      MPI_Abort(MPI_COMM_WORLD, 3);
      std::abort();
    }
    // MPI moves a large message along only inside MPI calls (no progress thread for shared
    // memory), so polling continues; past 1 ms it yields the core between polls, past 100 ms
    // (a slow or dead peer, not a transfer) it sleeps 50 us between them
    if (waited > 0.1) std::this_thread::sleep_for(std::chrono::microseconds(50));
    else if (waited > 1e-3) std::this_thread::yield();
  }
  s.done = true;
  if (s.finish) s.finish();
}

std::unique_ptr<Work::State> new_state(std::string what, double timeout_s, int rank) {
  auto s = std::make_unique<Work::State>();
  s->what = std::move(what);
  s->timeout_s = timeout_s;
  s->rank = rank;
  return s;
}

// An MPI request as a poll function (the request lives in the closure).
std::function<bool()> mpi_poll(MPI_Request request) {
  return [request]() mutable {
    int flag = 0;
    MPI_Test(&request, &flag, MPI_STATUS_IGNORE);
    return flag != 0;
  };
}

}  // namespace

Work::Work(std::unique_ptr<State> state) : state_(std::move(state)) {}
Work::Work(Work&&) noexcept = default;
Work& Work::operator=(Work&& other) noexcept {
  if (state_) wait_state(*state_);
  state_ = std::move(other.state_);
  return *this;
}
Work::~Work() {
  if (state_) wait_state(*state_);
}
void Work::wait() { wait_state(*state_); }
bool Work::test() {
  if (!state_->done && state_->poll()) {
    state_->done = true;
    if (state_->finish) state_->finish();
  }
  return state_->done;
}

// ---- the group ----------------------------------------------------------------------------------

ProcessGroup::ProcessGroup(ProcessGroupOptions options) {
  timeout_s_ = timeout_from_env(options.timeout_s);
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    // A program run without mpirun would start as a singleton MPI job of one rank, or hang or fail
    // inside MPI_Init where no launcher daemon can be reached: refused up front instead.
    TG_CHECK(std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK"),
             "ProcessGroup: not started by an MPI launcher (none of OMPI_COMM_WORLD_SIZE, PMI_SIZE, PMIX_RANK is "
             "set); run the program under mpirun, e.g. scripts/mpirun.sh -np 2 <program> ...");
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
    finalize_ = true;
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

ProcessGroup::~ProcessGroup() {
  nccl_.reset();
  if (finalize_) MPI_Finalize();
}

ProcessGroup::Fingerprint ProcessGroup::fingerprint(const char* op, const Tensor& t, int64_t arg) {
  Fingerprint f{};
  f.op = op_code(op);
  f.seq = seq_++;
  f.arg = arg;
  if (t.defined()) {
    f.dtype = int64_t(t.dtype());
    f.device = int64_t(t.device().type);
    f.ndim = t.dim();
    for (int64_t i = 0; i < t.dim(); ++i) {
      int64_t& slot = f.dims[std::min<int64_t>(i, Fingerprint::kDims - 1)];
      slot = i < Fingerprint::kDims ? t.size(i) : slot * 1000003 + t.size(i);
    }
  }
  return f;
}

void ProcessGroup::check_same(const Fingerprint& mine) {
  constexpr int n = int(sizeof(Fingerprint) / sizeof(int64_t));
  std::vector<int64_t> all(size_t(n) * size_t(size_));
  MPI_Request request;
  MPI_Iallgather(&mine, n, MPI_INT64_T, all.data(), n, MPI_INT64_T, MPI_COMM_WORLD, &request);
  auto s = new_state(describe_fingerprint(&mine.op) + " (its fingerprint exchange)", timeout_s_, rank_);
  s->poll = mpi_poll(request);
  wait_state(*s);
  std::string ranks;
  bool differ = false;
  for (int r = 0; r < size_; ++r) {
    const int64_t* v = all.data() + size_t(r) * n;
    differ = differ || !std::equal(v, v + n, all.data());
    ranks += fmt::format("\n  rank {}: {}", r, describe_fingerprint(v));
  }
  TG_CHECK(!differ, "ProcessGroup::{}: the ranks called different collectives:{}", kOpNames[mine.op], ranks);
}

NcclComm& ProcessGroup::nccl() {
#if TG_WITH_NCCL
  if (!nccl_) {
    nccl_ = std::make_shared<NcclComm>(rank_, size_, [this](void* bytes, int n) {
      MPI_Request request;
      MPI_Ibcast(bytes, n, MPI_BYTE, 0, MPI_COMM_WORLD, &request);
      auto s = new_state("the NCCL unique id's broadcast", timeout_s_, rank_);
      s->poll = mpi_poll(request);
      wait_state(*s);
    });
  }
  return *nccl_;
#else
  no_nccl();
#endif
}

template <class Enqueue>
Work ProcessGroup::start_on_nccl(const Fingerprint& f, Enqueue enqueue) {
  if constexpr (kWithNccl) {
    NcclComm& comm = nccl();
    enqueue(comm);
    auto s = new_state(describe_fingerprint(&f.op), timeout_s_, rank_);
    s->on_timeout = [&comm] { comm.abort(); };
    s->poll = [&comm] { return comm.done(); };
    return Work(std::move(s));
  } else {
    no_nccl();
  }
}

ProcessGroup::Fingerprint ProcessGroup::check_reduce(const char* op_name, const Tensor& t, ReduceOp op) {
  Fingerprint f = fingerprint(op_name, t, op == ReduceOp::Average);
  check_same(f);
  TG_CHECK(op == ReduceOp::Sum || is_floating(t.dtype()), "ProcessGroup::{}: the average of {} tensors is not "
           "defined; use ReduceOp::Sum", op_name, dtype_name(t.dtype()));
  return f;
}

Work ProcessGroup::all_reduce_async(const Tensor& t, ReduceOp op, bool check) {
  Fingerprint f = check ? check_reduce("all_reduce", t, op) : fingerprint("all_reduce", t, op == ReduceOp::Average);
  TG_CHECK(op == ReduceOp::Sum || is_floating(t.dtype()), "ProcessGroup::all_reduce: the average of {} tensors is "
           "not defined; use ReduceOp::Sum", dtype_name(t.dtype()));
  t.bump_version();
  if (t.device().type == DeviceType::cuda)
    return start_on_nccl(f, [&](auto& comm) {
      comm.all_reduce(t.data(), t.numel(), t.dtype(), op == ReduceOp::Average);
    });
  auto s = new_state(describe_fingerprint(&f.op), timeout_s_, rank_);
  MPI_Request request;
  MPI_Iallreduce(MPI_IN_PLACE, t.data(), mpi_count(t, "all_reduce"), mpi_type(t.dtype(), "all_reduce", true), MPI_SUM,
                 MPI_COMM_WORLD, &request);
  s->poll = mpi_poll(request);
  if (op == ReduceOp::Average) s->finish = [t, n = size_] { divide(t, n); };
  return Work(std::move(s));
}

// The blocking forms on the CPU: once the fingerprint exchange has completed, every rank is inside
// the same collective, so it can only stall if a rank dies in it, which mpirun notices and ends the
// job for. They take Open MPI's blocking algorithms (coll/tuned), faster than its nonblocking ones
// (libnbc), which progress only when polled (bench/dist/README.md has both).
void ProcessGroup::all_reduce(const Tensor& t, ReduceOp op) {
  if (t.device().type == DeviceType::cuda) return all_reduce_async(t, op).wait();
  check_reduce("all_reduce", t, op);
  t.bump_version();
  MPI_Allreduce(MPI_IN_PLACE, t.data(), mpi_count(t, "all_reduce"), mpi_type(t.dtype(), "all_reduce", true), MPI_SUM,
                MPI_COMM_WORLD);
  if (op == ReduceOp::Average) divide(t, size_);
}

void ProcessGroup::broadcast(const Tensor& t, int root) {
  TG_CHECK(root >= 0 && root < size_, "ProcessGroup::broadcast: root {} is not a rank of this group of {}", root,
           size_);
  Fingerprint f = fingerprint("broadcast", t, root);
  check_same(f);
  t.bump_version();
  if (t.device().type == DeviceType::cuda) {
    start_on_nccl(f, [&](auto& comm) { comm.broadcast(t.data(), t.numel(), t.dtype(), root); }).wait();
  } else {
    MPI_Bcast(t.data(), mpi_count(t, "broadcast"), mpi_type(t.dtype(), "broadcast", false), root, MPI_COMM_WORLD);
  }
}

Tensor ProcessGroup::all_gather(const Tensor& t) {
  Fingerprint f = fingerprint("all_gather", t, 0);
  check_same(f);
  TG_CHECK(t.dim() >= 1, "ProcessGroup::all_gather: needs a tensor of at least one dim, got {}", describe(t));
  Shape shape = t.shape();
  shape[0] *= size_;
  Tensor out = Tensor::empty(shape, t.dtype(), t.device(), "all_gather");
  if (t.device().type == DeviceType::cuda) {
    start_on_nccl(f, [&](auto& comm) { comm.all_gather(t.data(), out.data(), t.numel(), t.dtype()); }).wait();
  } else {
    MPI_Datatype type = mpi_type(t.dtype(), "all_gather", false);
    int n = mpi_count(out, "all_gather") / size_;
    MPI_Allgather(t.data(), n, type, out.data(), n, type, MPI_COMM_WORLD);
  }
  return out;
}

Tensor ProcessGroup::reduce_scatter(const Tensor& t, ReduceOp op) {
  Fingerprint f = check_reduce("reduce_scatter", t, op);
  TG_CHECK(t.dim() >= 1 && t.size(0) % size_ == 0, "ProcessGroup::reduce_scatter: dim 0 of {} must be a multiple "
           "of the group size {}", describe(t), size_);
  Shape shape = t.shape();
  shape[0] /= size_;
  Tensor out = Tensor::empty(shape, t.dtype(), t.device(), "reduce_scatter");
  if (t.device().type == DeviceType::cuda) {
    start_on_nccl(f, [&](auto& comm) {
      comm.reduce_scatter(t.data(), out.data(), out.numel(), t.dtype(), op == ReduceOp::Average);
    }).wait();
  } else {
    MPI_Reduce_scatter_block(t.data(), out.data(), mpi_count(t, "reduce_scatter") / size_,
                             mpi_type(t.dtype(), "reduce_scatter", true), MPI_SUM, MPI_COMM_WORLD);
    if (op == ReduceOp::Average) divide(out, size_);
  }
  return out;
}

void ProcessGroup::barrier() {
  Fingerprint f = fingerprint("barrier", Tensor(), 0);
  check_same(f);  // the fingerprint exchange is itself a barrier: no rank leaves before all arrived
}

}  // namespace tg::dist
