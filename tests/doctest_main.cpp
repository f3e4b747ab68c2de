// The main of every test binary. A suite that cannot run here (the CUDA parity suite without a
// GPU) defines tg_test_skip_reason(); then the binary exits with 77, which CTest reports as skipped.
//
// `--device=cuda` runs the suite again on the GPU: tensors that tests create without naming a
// device go to cuda:0 (tg::set_default_device), and test cases tagged TG_CPU_ONLY (host code: the
// CPU backend's kernels and allocator) are left out. Without a GPU that run is skipped too.
// `--device=loopback` does the same on LoopbackCuda (tests/test_util.h), a host-memory stand-in
// for the GPU, so a machine without one still checks that the suites hold no hidden CPU
// assumption; where a GPU is present it is skipped, `--device=cuda` covering it.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <memory>
#include <string_view>
#include <vector>

#include "core/backend.h"
#include "test_util.h"

extern "C" __attribute__((weak)) const char* tg_test_skip_reason() { return nullptr; }

namespace {
int skip(const char* why) {
  std::printf("SKIPPED: %s\n", why);
  return 77;
}
}  // namespace

int main(int argc, char** argv) {
  if (const char* why = tg_test_skip_reason()) return skip(why);
  std::string_view device = "cpu";
  std::vector<char*> doctest_args;
  for (int i = 0; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.starts_with("--device=")) device = arg.substr(9);
    else doctest_args.push_back(argv[i]);
  }
  const bool gpu = tg::has_backend(tg::DeviceType::cuda);
  std::unique_ptr<tg::test::LoopbackCuda> loopback;
  if (device == "loopback") {
    if (gpu) return skip("a GPU is present, so --device=cuda runs this suite on it instead of the stand-in");
    loopback = std::make_unique<tg::test::LoopbackCuda>();
  } else if (device == "cuda") {
    if (!gpu) return skip("--device=cuda needs a GPU and tapegrad built with CUDA");
  } else if (device != "cpu") {
    std::fprintf(stderr, "unknown --device=%.*s (expected cpu, cuda or loopback)\n", int(device.size()), device.data());
    return 2;
  }

  doctest::Context context(int(doctest_args.size()), doctest_args.data());
  if (device != "cpu") {
    tg::set_default_device(tg::Device::cuda);
    context.addFilter("test-suite-exclude", TG_CPU_ONLY_SUITE);
    std::printf("tapegrad tests on %.*s (default device cuda:0; '%s' cases left out)\n", int(device.size()),
                device.data(), TG_CPU_ONLY_SUITE);
  }
  return context.run();
}
