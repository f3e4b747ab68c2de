// Files TensorFlow 2.21 wrote (tests/data/reference/make_tf_reference.py): every record reads
// here, decodes to the Examples the script defines, and re-encodes to TensorFlow's exact bytes.
#include "data/example.h"
#include "data/tfrecord.h"
#include "test_util.h"

using namespace tg::data;

namespace {

Example reference_example(int i) {
  Example e;
  e.features["id"] = Feature::int64s({i, -int64_t(i) * 1000, (int64_t(1) << 40) + i});
  e.features["x"] = Feature::floats({float(i * 0.5), -1.25f, float(3.0e-8 * i)});
  e.features["name"] = Feature::bytes({"row" + std::to_string(i), std::string("\x00\xff", 2)});
  e.features["empty"] = Feature::floats({});
  return e;
}

}  // namespace

TEST_CASE("TFRecord files written by TensorFlow read here, plain and GZIP") {
  for (auto [file, compression] : {std::pair{"tf_examples.tfrecord", Compression::none},
                                   std::pair{"tf_examples.tfrecord.gz", Compression::gzip}}) {
    INFO(file);
    auto records = read_tfrecord_file(std::string(TG_SOURCE_DIR) + "/tests/data/reference/" + file, compression);
    REQUIRE(records.size() == 5);
    for (int i = 0; i < 5; ++i) {
      CHECK(decode_example(records[i]) == reference_example(i));
      CHECK(encode_example(reference_example(i)) == records[i]);  // byte-identical to TensorFlow's serializer
    }
  }
}
