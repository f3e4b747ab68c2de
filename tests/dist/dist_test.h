// What the dist suite's cases share: the process group of this run (made by tests/dist/main.cpp
// under mpirun) and the test helpers of the other suites.
#pragma once
#include "dist/process_group.h"
#include "test_util.h"

namespace tg::test {
dist::ProcessGroup& group();
}
