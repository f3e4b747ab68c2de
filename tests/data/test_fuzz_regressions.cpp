// Replays every file under fuzz/corpus/ and fuzz/regressions/ (inputs that once crashed a
// reader go there) through the IDX, safetensors, TFRecord and tf.Example parsers: each must
// parse or raise tg::Error.
#include <filesystem>
#include <fstream>
#include <iterator>

#include "data/example.h"
#include "data/idx.h"
#include "data/tfrecord.h"
#include "nn/safetensors.h"
#include "test_util.h"

namespace fs = std::filesystem;

namespace {

template <class Parse>
int replay(const std::string& target, Parse&& parse) {
  int files = 0;
  for (const char* kind : {"corpus", "regressions"}) {
    fs::path dir = fs::path(TG_SOURCE_DIR) / "fuzz" / kind / target;
    if (!fs::exists(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      std::ifstream in(entry.path(), std::ios::binary);
      std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      INFO("input ", entry.path().string());
      try {
        parse(bytes.data(), bytes.size());
      } catch (const tg::Error&) {
      }
      ++files;
    }
  }
  return files;
}

}  // namespace

TEST_CASE("fuzz corpora and regressions replay without crashing") {
  CHECK(replay("idx", [](const uint8_t* b, size_t n) { tg::data::parse_idx(b, n, "replay"); }) >= 1);
  CHECK(replay("safetensors", [](const uint8_t* b, size_t n) { tg::parse_safetensors(b, n, "replay"); }) >= 1);
  CHECK(replay("tfrecord", [](const uint8_t* b, size_t n) {
          for (auto mode : {tg::data::OnCorrupt::stop, tg::data::OnCorrupt::skip}) {
            tg::data::TFRecordReader reader(b, n, "replay", {.on_corrupt = mode});
            std::string r;
            try {
              while (reader.next(r)) {
              }
            } catch (const tg::Error&) {
            }
          }
        }) >= 2);
  CHECK(replay("example", [](const uint8_t* b, size_t n) { tg::data::decode_example(b, n); }) >= 1);
}
