// tf.Example codec against byte strings assembled by hand from the wire format (independent of
// the encoder): packed and unpacked lists, unknown fields, merging, and malformed input with offsets.
#include "data/example.h"
#include "test_util.h"

using namespace tg;
using namespace tg::data;

namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int v : b) s.push_back(char(v));
  return s;
}

// {"a": int64 [1, 300], "b": float [1.5], "c": bytes ["hi", ""]}, written field by field:
//   Int64List  0a 03 01 ac 02          (value=1, packed, 3 bytes: varint 1, varint 300 = ac 02)
//   FloatList  0a 04 00 00 c0 3f       (value=1, packed, 1.5f little-endian)
//   BytesList  0a 02 68 69 0a 00       (two values: "hi", "")
//   Feature    1a|12|0a <len> <list>   (int64_list=3, float_list=2, bytes_list=1)
//   map entry  0a 01 <key> 12 <len> <feature>;  Features 0a <len> <entry> ...;  Example 0a <len> <features>
const std::string kAbc = bytes({0x0a, 0x2c,                                                              //
                                0x0a, 0x0c, 0x0a, 0x01, 'a', 0x12, 0x07, 0x1a, 0x05, 0x0a, 0x03, 0x01, 0xac, 0x02,  //
                                0x0a, 0x0d, 0x0a, 0x01, 'b', 0x12, 0x08, 0x12, 0x06, 0x0a, 0x04, 0x00, 0x00, 0xc0,
                                0x3f,  //
                                0x0a, 0x0d, 0x0a, 0x01, 'c', 0x12, 0x08, 0x0a, 0x06, 0x0a, 0x02, 'h', 'i', 0x0a, 0x00});

Example abc() {
  Example e;
  e.features["a"] = Feature::int64s({1, 300});
  e.features["b"] = Feature::floats({1.5f});
  e.features["c"] = Feature::bytes({"hi", ""});
  return e;
}

}  // namespace

TEST_CASE("encode_example writes the hand-assembled bytes and decode_example reads them back") {
  CHECK(encode_example(abc()) == kAbc);
  CHECK(decode_example(kAbc) == abc());
  CHECK(encode_example(Example{}).empty());
  CHECK(decode_example(std::string()) == Example{});
}

TEST_CASE("negative int64, empty lists and a feature with no kind round trip") {
  Example e;
  e.features["neg"] = Feature::int64s({-1, INT64_MIN, INT64_MAX});
  e.features["empty_f"] = Feature::floats({});
  e.features["empty_b"] = Feature::bytes({});
  e.features["unset"] = Feature{};
  e.features[""] = Feature::floats({-0.0f, 3.25f});
  std::string s = encode_example(e);
  CHECK(decode_example(s) == e);
  // -1 is a 10-byte varint: ff ff ff ff ff ff ff ff ff 01.
  Example one;
  one.features["n"] = Feature::int64s({-1});
  CHECK(encode_example(one) == bytes({0x0a, 0x15, 0x0a, 0x13, 0x0a, 0x01, 'n', 0x12, 0x0e, 0x1a, 0x0c, 0x0a, 0x0a, 0xff,
                                      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}));
}

TEST_CASE("unpacked lists, unknown fields, repeated messages merge as protobuf does") {
  // Feature "a" with int64_list unpacked (08 01 08 ac 02) and an unknown fixed64 field 9 inside
  // the list; an unknown varint field 15 (78 05) in Example; Features given twice (merged).
  std::string s = bytes({0x78, 0x05,                                                                       //
                         0x0a, 0x17, 0x0a, 0x15, 0x0a, 0x01, 'a', 0x12, 0x10, 0x1a, 0x0e, 0x08, 0x01, 0x49,  //
                         1, 2, 3, 4, 5, 6, 7, 8, 0x08, 0xac, 0x02,                                          //
                         0x0a, 0x13, 0x0a, 0x11, 0x0a, 0x01, 'b', 0x12, 0x0c, 0x12, 0x05, 0x0d, 0x00, 0x00,
                         0xc0, 0x3f, 0x2d, 0, 0, 0, 0});  // float unpacked (0d ...), unknown fixed32 field 5 in Feature
  Example e = decode_example(s);
  REQUIRE(e.features.size() == 2);
  CHECK(e.features["a"] == Feature::int64s({1, 300}));
  CHECK(e.features["b"] == Feature::floats({1.5f}));
  // A repeated key: the last map entry wins. Two int64_list fields in one Feature concatenate.
  std::string twice = bytes({0x0a, 0x1c,                                                            //
                             0x0a, 0x0b, 0x0a, 0x01, 'k', 0x12, 0x06, 0x1a, 0x04, 0x0a, 0x02, 0x07, 0x08,  //
                             0x0a, 0x0d, 0x0a, 0x01, 'k', 0x12, 0x08, 0x1a, 0x02, 0x08, 0x09, 0x1a, 0x02, 0x08,
                             0x0a});
  CHECK(decode_example(twice).features.at("k") == Feature::int64s({9, 10}));
}

TEST_CASE("malformed Examples are tg::Errors with the byte offset") {
  // Example field 1 as a varint.
  CHECK(test::error_report([] { decode_example(bytes({0x08, 0x01})); },
                           {"decode_example", "Example field 1 at byte 0 has wire type 0, expected 2"}) == "");
  // A varint longer than 10 bytes (the value of an unknown varint field 15).
  CHECK(test::error_report([] { decode_example(bytes({0x78, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                                      0x01})); },
                           {"varint at byte 1 is longer than 10 bytes"}) == "");
  // A packed Int64List whose length (5) runs past its message (2 bytes remain): offset 13.
  std::string past = bytes({0x0a, 0x0d, 0x0a, 0x0b, 0x0a, 0x01, 'a', 0x12, 0x06, 0x1a, 0x04, 0x0a, 0x05, 0x01, 0xac});
  CHECK(test::error_report([&] { decode_example(past); }, {"at byte 12 claims 5 bytes but only 2 remain"}) == "");
  // A packed varint cut off at the end of its list.
  std::string cut = bytes({0x0a, 0x0c, 0x0a, 0x0a, 0x0a, 0x01, 'a', 0x12, 0x05, 0x1a, 0x03, 0x0a, 0x01, 0x80});
  CHECK(test::error_report([&] { decode_example(cut); }, {"varint at byte 13 runs past the end"}) == "");
  // A packed FloatList of 3 bytes.
  std::string odd = bytes({0x0a, 0x0d, 0x0a, 0x0b, 0x0a, 0x01, 'f', 0x12, 0x06, 0x12, 0x04, 0x0a, 0x02, 0x00, 0x00});
  CHECK(test::error_report([&] { decode_example(odd); }, {"packed FloatList at byte 11 has 2 bytes"}) == "");
  // Wire types 6 and 7 do not exist; field number 0 is invalid.
  CHECK(test::error_report([] { decode_example(bytes({0x7e})); }, {"field 15 at byte 0 has invalid wire type 6"}) == "");
  CHECK(test::error_report([] { decode_example(bytes({0x00})); }, {"invalid field number 0 at byte 0"}) == "");
  // A message truncated mid-field.
  CHECK(test::error_report([&] { decode_example(kAbc.substr(0, 20)); }, {"claims 44 bytes but only 18 remain"}) == "");
}
