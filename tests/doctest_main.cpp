// The main of every test binary. A suite that cannot run here (the CUDA parity suite without a
// GPU) defines tg_test_skip_reason(); then the binary exits with 77, which CTest reports as skipped.
//
// `--device=cuda` runs the suite again on the GPU: tensors that tests create without naming a
// device go to cuda:0 (tg::set_default_device), and test cases tagged TG_CPU_ONLY (those about
// the CPU backend itself) are left out. Without a GPU that run is skipped too. `--device=loopback`
// does the same on LoopbackCuda (tests/test_util.h), a host-memory stand-in for the GPU, so a
// machine without one still checks that the suites hold no hidden CPU assumption.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "core/backend.h"
#include "test_util.h"

extern "C" __attribute__((weak)) const char* tg_test_skip_reason() { return nullptr; }

int main(int argc, char** argv) {
  if (const char* why = tg_test_skip_reason()) {
    std::printf("SKIPPED: %s\n", why);
    return 77;
  }
  const char* device = "cpu";
  std::vector<char*> doctest_args;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--device=", 9) == 0) device = argv[i] + 9;
    else doctest_args.push_back(argv[i]);
  }
  std::unique_ptr<tg::test::LoopbackCuda> loopback;
  if (std::strcmp(device, "loopback") == 0) loopback = std::make_unique<tg::test::LoopbackCuda>();
  else if (std::strcmp(device, "cuda") == 0 && !tg::has_backend(tg::DeviceType::cuda)) {
    std::printf("SKIPPED: --device=cuda needs a GPU and tapegrad built with CUDA\n");
    return 77;
  } else if (std::strcmp(device, "cpu") != 0 && std::strcmp(device, "cuda") != 0) {
    std::fprintf(stderr, "unknown --device=%s (expected cpu, cuda or loopback)\n", device);
    return 2;
  }

  doctest::Context context(int(doctest_args.size()), doctest_args.data());
  if (std::strcmp(device, "cpu") != 0) {
    tg::set_default_device(tg::Device::cuda);
    context.addFilter("test-suite-exclude", TG_CPU_ONLY_SUITE);
    std::printf("tapegrad tests on %s (default device cuda:0; '%s' cases left out)\n", device, TG_CPU_ONLY_SUITE);
  }
  return context.run();
}
