// libFuzzer target for the tf.Example decoder: any input must decode or raise tg::Error; what
// decodes must re-encode and decode to the same Example. Run by scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/error.h"
#include "data/example.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tg::data;
  try {
    Example e = decode_example(data, size);
    // NaN payloads compare unequal; compare the encodings instead.
    if (encode_example(decode_example(encode_example(e))) != encode_example(e)) std::abort();
  } catch (const tg::Error&) {
  }
  return 0;
}
