// libFuzzer target for the IDX parser: any input must parse or raise tg::Error, never crash,
// leak or trip a sanitizer. Run by scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>

#include "core/error.h"
#include "data/idx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    tg::data::parse_idx(data, size, "fuzz");
  } catch (const tg::Error&) {
  }
  return 0;
}
