// dist_faults: a program that goes wrong on purpose, for the tests in tests/dist/CMakeLists.txt
// that check every rank ends within a bounded time with a clear message:
//   dist_faults dead      rank 1 is killed (SIGKILL) after two all_reduces; the others keep reducing
//   dist_faults stuck     rank 1 stops calling collectives (sleeps); rank 0 times out and aborts
//   dist_faults mismatch  the ranks all_reduce different shapes: every rank raises tg::Error
//   dist_faults           without mpirun: the process group refuses to start, saying how to launch
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>

#include "dist/process_group.h"
#include "tapegrad.h"

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  try {
    tg::dist::ProcessGroup group;
    if (mode == "mismatch") {
      tg::Tensor x = tg::zeros({group.rank() == 0 ? 2 : 3});
      group.all_reduce(x);
    }
    for (int step = 0; step < 1000; ++step) {
      if (group.rank() == 1 && step == 2) {
        if (mode == "dead") std::raise(SIGKILL);
        if (mode == "stuck") sleep(600);
      }
      tg::Tensor x = tg::ones({1000});
      group.all_reduce(x);
      usleep(10000);
    }
    std::printf("dist_faults %s: finished without a fault\n", mode.c_str());
    return 0;
  } catch (const tg::Error& e) {
    std::fprintf(stderr, "dist_faults: error: %s\n", e.what());
    return 1;
  }
}
