// The main of every test binary. A suite that cannot run here (the CUDA suite without a GPU)
// defines tg_test_skip_reason(); then the binary exits with 77, which CTest reports as skipped.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

extern "C" __attribute__((weak)) const char* tg_test_skip_reason() { return nullptr; }

int main(int argc, char** argv) {
  if (const char* why = tg_test_skip_reason()) {
    std::printf("SKIPPED: %s\n", why);
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
