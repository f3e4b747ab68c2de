// libFuzzer target for the TFRecord reader: any input must read or raise tg::Error, never crash,
// leak or trip a sanitizer, in both the stop and the skip (resynchronising) modes. Run by scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/error.h"
#include "data/tfrecord.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tg::data;
  for (OnCorrupt mode : {OnCorrupt::stop, OnCorrupt::skip}) {
    try {
      TFRecordReader reader(data, size, "fuzz", {.on_corrupt = mode});
      std::span<const uint8_t> record;
      while (reader.next(record)) {
      }
    } catch (const tg::Error&) {
    }
  }
  return 0;
}
