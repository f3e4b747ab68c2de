// tf.Example, TensorFlow's record of named features (tensorflow/core/example/{example,feature}.proto):
//   Example  { Features features = 1; }
//   Features { map<string, Feature> feature = 1; }   // map entries: key = 1, value = 2
//   Feature  { oneof kind { BytesList bytes_list = 1; FloatList float_list = 2; Int64List int64_list = 3; } }
//   BytesList { repeated bytes value = 1; }  FloatList { repeated float value = 1 [packed]; }
//   Int64List { repeated int64 value = 1 [packed]; }
// encoded and decoded with the small wire-format codec of protowire.h: no libprotobuf needed.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tg::data {

struct Feature {
  enum class Kind { none, bytes, floats, int64s };
  Kind kind = Kind::none;
  std::vector<std::string> bytes_list;
  std::vector<float> float_list;
  std::vector<int64_t> int64_list;

  static Feature bytes(std::vector<std::string> v) { return {Kind::bytes, std::move(v), {}, {}}; }
  static Feature floats(std::vector<float> v) { return {Kind::floats, {}, std::move(v), {}}; }
  static Feature int64s(std::vector<int64_t> v) { return {Kind::int64s, {}, {}, std::move(v)}; }
  bool operator==(const Feature&) const = default;
};

struct Example {
  std::map<std::string, Feature> features;
  bool operator==(const Example&) const = default;
};

// Serialises with keys in sorted order and packed float/int64 lists (as TensorFlow writes them).
std::string encode_example(const Example& example);
// Parses a serialised Example. Accepts packed and unpacked repeated values, merges repeated
// occurrences of a message as protobuf does (the last map entry for a key wins), and skips
// unknown fields. Malformed input is a tg::Error with the byte offset of the bad field.
Example decode_example(const uint8_t* bytes, size_t size);
Example decode_example(const std::string& bytes);

}  // namespace tg::data
