// The dist suite's main, run under mpirun (tests/dist/CMakeLists.txt): every rank joins the process
// group, runs the same cases in the same order (they call collectives), and the job fails when any
// rank had a failure. Ranks other than 0 print only their failures (doctest --minimal).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "dist_test.h"

namespace {
tg::dist::ProcessGroup* the_group = nullptr;
}

tg::dist::ProcessGroup& tg::test::group() { return *the_group; }

int main(int argc, char** argv) {
  try {
    tg::dist::ProcessGroup group;
    the_group = &group;
    doctest::Context context(argc, argv);
    if (group.rank() != 0) context.setOption("minimal", true);
    int result = context.run();
    tg::Tensor failed = tg::tensor({double(result != 0)}, {1}, {.dtype = tg::DType::i64});
    group.all_reduce(failed);
    return failed.item<int64_t>() > 0 ? 1 : 0;
  } catch (const tg::Error& e) {
    std::fprintf(stderr, "test_dist: %s\n", e.what());
    return 1;
  }
}
