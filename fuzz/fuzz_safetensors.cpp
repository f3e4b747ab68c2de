// libFuzzer target for the safetensors reader: any input must parse or raise tg::Error,
// never crash, leak or trip a sanitizer. Run by scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>

#include "core/error.h"
#include "nn/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    tg::parse_safetensors(data, size, "fuzz");
  } catch (const tg::Error&) {
  }
  return 0;
}
