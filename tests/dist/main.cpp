// The dist suite's main, run under mpirun (tests/dist/CMakeLists.txt): every rank joins the process
// group, runs the same cases in the same order (they call collectives), and the job fails when any
// rank had a failure. Ranks other than 0 print only their failures (doctest --minimal).
// `--device=cuda` creates the tensors on the GPU, so the collectives go through NCCL, and leaves
// out the TG_CPU_ONLY cases (MPI's own refusals); without a GPU it exits 77 (skipped).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <string_view>
#include <vector>

#include "core/backend.h"
#include "dist_test.h"

namespace {
tg::dist::ProcessGroup* the_group = nullptr;
}

tg::dist::ProcessGroup& tg::test::group() { return *the_group; }

int main(int argc, char** argv) {
  bool cuda = false;
  std::vector<char*> doctest_args;
  for (int i = 0; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--device=cuda") cuda = true;
    else doctest_args.push_back(argv[i]);
  }
  if (cuda && !tg::has_backend(tg::DeviceType::cuda)) {
    std::printf("SKIPPED: --device=cuda needs a GPU and tapegrad built with CUDA and NCCL\n");
    return 77;
  }
  try {
    tg::dist::ProcessGroup group;
    the_group = &group;
    doctest::Context context(int(doctest_args.size()), doctest_args.data());
    if (group.rank() != 0) context.setOption("minimal", true);
    if (cuda) {
      tg::set_default_device(tg::Device::cuda);
      context.addFilter("test-suite-exclude", TG_CPU_ONLY_SUITE);
    }
    int result = context.run();
    tg::Tensor failed = tg::tensor({double(result != 0)}, {1}, {.dtype = tg::DType::i64});
    group.all_reduce(failed);
    return failed.item<int64_t>() > 0 ? 1 : 0;
  } catch (const tg::Error& e) {
    std::fprintf(stderr, "test_dist: %s\n", e.what());
    return 1;
  }
}
