// bench_allreduce: all-reduce time by message size between the ranks of mpirun, through
// tg::dist::ProcessGroup (its fingerprint exchange included): all_reduce (blocking MPI_Allreduce)
// and all_reduce_async + wait (MPI_Iallreduce, what DDP's buckets use), and MPI_Allreduce alone.
// Reports the time per all-reduce, the algorithm bandwidth bytes / t and the bus bandwidth
// bytes / t * 2 (N - 1) / N (nccl-tests' convention: what each link carries in a ring all-reduce),
// and writes metrics.json to --out from rank 0. The cost model these feed is bench/dist/README.md.
// Run: scripts/mpirun.sh -np 2 build/bench_allreduce [--reps N] [--out DIR]
#include <mpi.h>

#include <algorithm>
#include <vector>

#include "bench/bench_util.h"
#include "dist/process_group.h"
#include "tapegrad.h"

namespace {

// Seconds per all-reduce: the median over `reps` timed rounds of `inner` back-to-back calls each,
// every round started together (MPI_Barrier) and timed as the slowest rank saw it.
template <class Fn>
double seconds_per_call(int reps, int inner, Fn&& fn) {
  fn();  // warm: buffers touched, connections made
  std::vector<double> rounds;
  for (int r = 0; r < reps; ++r) {
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (int i = 0; i < inner; ++i) fn();
    double t = (MPI_Wtime() - t0) / inner, slowest = 0;
    MPI_Allreduce(&t, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    rounds.push_back(slowest);
  }
  std::nth_element(rounds.begin(), rounds.begin() + reps / 2, rounds.end());
  return rounds[size_t(reps / 2)];
}

}  // namespace

int main(int argc, char** argv) {
  bench::Flags flags = bench::parse_flags(argc, argv, "scripts/mpirun.sh -np 2 build/bench_allreduce");
  tg::dist::ProcessGroup group;
  const int n = group.size(), reps = flags.reps > 0 ? flags.reps : 9;
  const double bus = n > 1 ? 2.0 * (n - 1) / n : 1.0;
  std::vector<std::pair<std::string, double>> metrics{{"ranks", double(n)}};
  if (group.rank() == 0)
    fmt::print("all-reduce (sum, f32) over {} ranks, median of {} rounds\n{:>10} {:>12} {:>12} {:>12} {:>14}\n", n,
               reps, "bytes", "tg us", "async us", "MPI us", "tg busbw");
  for (int64_t bytes = 4; bytes <= (int64_t(64) << 20); bytes *= 4) {
    tg::Tensor x = tg::ones({bytes / 4});
    std::vector<float> raw(size_t(bytes / 4), 1.0f);
    int inner = int(std::clamp<int64_t>((int64_t(16) << 20) / bytes, 1, 200));
    double tg_s = seconds_per_call(reps, inner, [&] { group.all_reduce(x); });
    double async_s = seconds_per_call(reps, inner, [&] { group.all_reduce_async(x).wait(); });
    double mpi_s = seconds_per_call(reps, inner, [&] {
      MPI_Allreduce(MPI_IN_PLACE, raw.data(), int(raw.size()), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    });
    double algbw = double(bytes) / tg_s / 1e9;
    if (group.rank() == 0)
      fmt::print("{:>10} {:>12.2f} {:>12.2f} {:>12.2f} {:>9.3f} GB/s\n", bytes, tg_s * 1e6, async_s * 1e6,
                 mpi_s * 1e6, algbw * bus);
    std::string key = bytes >= (1 << 20) ? fmt::format("{}MiB", bytes >> 20)
                      : bytes >= 1024    ? fmt::format("{}KiB", bytes >> 10)
                                         : fmt::format("{}B", bytes);
    metrics.push_back({"allreduce_" + key + "_us", tg_s * 1e6});
    metrics.push_back({"allreduce_async_" + key + "_us", async_s * 1e6});
    metrics.push_back({"mpi_allreduce_" + key + "_us", mpi_s * 1e6});
    metrics.push_back({"allreduce_" + key + "_busbw_GBps", algbw * bus});
  }
  if (group.rank() == 0 && !flags.out.empty()) bench::write_metrics(flags.out, metrics);
  return 0;
}
