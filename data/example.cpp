// tf.Example encoding and decoding on the wire codec (see example.h for the message layout).
#include "data/example.h"

#include "data/protowire.h"

namespace tg::data {

using namespace wire;

namespace {

// Calls visit(field number, wire type, byte offset of the key) for each field of the message in r,
// in order; visit reads the field's value or skips it.
template <class Visit>
void for_each_field(Reader& r, Visit visit) {
  while (!r.done()) {
    uint64_t at = r.offset();
    uint32_t f, t;
    r.key(f, t);
    visit(f, t, at);
  }
}

void expect_type(const Reader& r, uint32_t field, uint32_t type, uint32_t want, uint64_t at, const char* message) {
  TG_CHECK(type == want, "{}: {} field {} at byte {} has wire type {}, expected {}", r.what(), message, field, at, type,
           want);
}

void parse_bytes_list(Reader r, std::vector<std::string>& out) {
  for_each_field(r, [&](uint32_t f, uint32_t t, uint64_t at) {
    if (f != 1) {
      r.skip(f, t);
      return;
    }
    expect_type(r, f, t, kLengthDelimited, at, "BytesList");
    out.emplace_back(r.bytes());
  });
}

void parse_float_list(Reader r, std::vector<float>& out) {
  for_each_field(r, [&](uint32_t f, uint32_t t, uint64_t at) {
    if (f != 1) {
      r.skip(f, t);
    } else if (t == kFixed32) {  // unpacked: one value per field
      out.push_back(r.float32());
    } else if (t == kLengthDelimited) {  // packed: a run of little-endian floats
      Reader packed = r.sub();
      std::string_view b(packed.bytes_left());
      TG_CHECK(b.size() % 4 == 0, "{}: packed FloatList at byte {} has {} bytes, not a multiple of 4", r.what(), at,
               b.size());
      size_t n0 = out.size();
      out.resize(n0 + b.size() / 4);
      if (!b.empty()) std::memcpy(out.data() + n0, b.data(), b.size());  // (an empty vector's data() may be null)
    } else {
      fail("{}: FloatList value at byte {} has wire type {}, expected 5 (fixed32) or 2 (packed)", r.what(), at, t);
    }
  });
}

void parse_int64_list(Reader r, std::vector<int64_t>& out) {
  for_each_field(r, [&](uint32_t f, uint32_t t, uint64_t at) {
    if (f != 1) {
      r.skip(f, t);
    } else if (t == kVarint) {
      out.push_back(int64_t(r.varint()));
    } else if (t == kLengthDelimited) {
      Reader packed = r.sub();
      while (!packed.done()) out.push_back(int64_t(packed.varint()));
    } else {
      fail("{}: Int64List value at byte {} has wire type {}, expected 0 (varint) or 2 (packed)", r.what(), at, t);
    }
  });
}

void parse_feature(Reader r, Feature& out) {
  for_each_field(r, [&](uint32_t f, uint32_t t, uint64_t at) {
    if (f < 1 || f > 3) {
      r.skip(f, t);
      return;
    }
    expect_type(r, f, t, kLengthDelimited, at, "Feature");
    auto kind = Feature::Kind(f);  // bytes_list = 1, float_list = 2, int64_list = 3
    if (out.kind != kind) out = Feature{kind, {}, {}, {}};  // another member of the oneof replaces it
    Reader list = r.sub();
    if (kind == Feature::Kind::bytes) parse_bytes_list(list, out.bytes_list);
    if (kind == Feature::Kind::floats) parse_float_list(list, out.float_list);
    if (kind == Feature::Kind::int64s) parse_int64_list(list, out.int64_list);
  });
}

void parse_map_entry(Reader r, std::map<std::string, Feature>& out) {
  std::string key;
  Feature value;
  for_each_field(r, [&](uint32_t f, uint32_t t, uint64_t at) {
    if (f == 1) {
      expect_type(r, f, t, kLengthDelimited, at, "Features map key");
      key = r.bytes();
    } else if (f == 2) {
      expect_type(r, f, t, kLengthDelimited, at, "Features map value");
      value = Feature{};  // a repeated value field in one entry: the last one wins
      parse_feature(r.sub(), value);
    } else {
      r.skip(f, t);
    }
  });
  out[key] = std::move(value);
}

void parse_features(Reader r, std::map<std::string, Feature>& out) {
  for_each_field(r, [&](uint32_t f, uint32_t t, uint64_t at) {
    if (f != 1) {
      r.skip(f, t);
      return;
    }
    expect_type(r, f, t, kLengthDelimited, at, "Features");
    parse_map_entry(r.sub(), out);
  });
}

void write_feature(Writer& w, const Feature& feature) {
  Writer list;
  switch (feature.kind) {
    case Feature::Kind::none: return;
    case Feature::Kind::bytes:
      for (const auto& b : feature.bytes_list) list.bytes(1, b);
      break;
    case Feature::Kind::floats:
      if (!feature.float_list.empty()) {
        list.key(1, kLengthDelimited);
        list.varint(4 * feature.float_list.size());
        for (float v : feature.float_list) {
          uint32_t u;
          std::memcpy(&u, &v, 4);
          list.fixed32(u);
        }
      }
      break;
    case Feature::Kind::int64s:
      if (!feature.int64_list.empty()) {
        Writer packed;
        for (int64_t v : feature.int64_list) packed.varint(uint64_t(v));
        list.bytes(1, packed.out);
      }
      break;
  }
  w.bytes(uint32_t(feature.kind), list.out);
}

}  // namespace

std::string encode_example(const Example& example) {
  Writer features;
  for (const auto& [key, feature] : example.features) {
    Writer value, entry;
    write_feature(value, feature);
    entry.bytes(1, key);
    entry.bytes(2, value.out);
    features.bytes(1, entry.out);
  }
  Writer out;
  // An Example with no features has an unset `features` field: zero bytes, as in TensorFlow.
  if (!example.features.empty()) out.bytes(1, features.out);
  return out.out;
}

Example decode_example(const uint8_t* bytes, size_t size) {
  Reader r(bytes, bytes + size, 0, "decode_example");
  Example out;
  for_each_field(r, [&](uint32_t f, uint32_t t, uint64_t at) {
    if (f != 1) {
      r.skip(f, t);
      return;
    }
    expect_type(r, f, t, kLengthDelimited, at, "Example");
    parse_features(r.sub(), out.features);
  });
  return out;
}

Example decode_example(const std::string& bytes) {
  return decode_example(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

}  // namespace tg::data
