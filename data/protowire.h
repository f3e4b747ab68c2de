// The protobuf wire format, just enough of it for tf.Example: a message is a sequence of
//   key = varint(field_number << 3 | wire_type), then the value: a varint (type 0), 8 bytes
//   (type 1), varint length + bytes (type 2: strings, sub-messages, packed repeated), 4 bytes (5).
// Varints are little-endian base-128 with the high bit meaning "more", at most 10 bytes for 64
// bits. Every read is bounds-checked; a problem is a tg::Error with the byte offset of the field.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/error.h"

namespace tg::data::wire {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kStartGroup = 3, kEndGroup = 4, kFixed32 = 5 };

// Reads a message held in [begin, end); `base` is the offset of begin in the outermost message
// (for messages), `what` names the caller in errors ("parse_example").
class Reader {
 public:
  Reader(const uint8_t* begin, const uint8_t* end, uint64_t base, const char* what)
      : p_(begin), begin_(begin), end_(end), base_(base), what_(what) {}
  bool done() const { return p_ >= end_; }
  uint64_t offset() const { return base_ + uint64_t(p_ - begin_); }

  uint64_t varint() {
    uint64_t at = offset(), v = 0;
    for (int i = 0; i < 10; ++i) {
      TG_CHECK(p_ < end_, "{}: varint at byte {} runs past the end of the message", what_, at);
      uint8_t b = *p_++;
      v |= uint64_t(b & 0x7f) << (7 * i);
      if (!(b & 0x80)) return v;
    }
    fail("{}: varint at byte {} is longer than 10 bytes", what_, at);
  }
  // Reads a key; field number 0 is invalid in every message.
  void key(uint32_t& field, uint32_t& type) {
    uint64_t at = offset(), k = varint();
    key_at_ = at;
    field = uint32_t(k >> 3);
    type = uint32_t(k & 7);
    TG_CHECK((k >> 3) > 0 && (k >> 3) < (1u << 29), "{}: invalid field number {} at byte {}", what_, k >> 3, at);
  }
  // The bytes of a length-delimited value as a sub-reader.
  Reader sub() {
    uint64_t at = offset(), n = varint();
    TG_CHECK(n <= uint64_t(end_ - p_), "{}: length-delimited field at byte {} claims {} bytes but only {} remain",
             what_, at, n, end_ - p_);
    Reader r(p_, p_ + n, offset(), what_);
    p_ += n;
    return r;
  }
  std::string_view bytes() {
    Reader r = sub();
    return {reinterpret_cast<const char*>(r.p_), size_t(r.end_ - r.p_)};
  }
  uint32_t fixed32() {
    TG_CHECK(end_ - p_ >= 4, "{}: fixed32 at byte {} runs past the end of the message", what_, offset());
    uint32_t v;
    std::memcpy(&v, p_, 4);  // little-endian hosts only (x86-64, AArch64)
    p_ += 4;
    return v;
  }
  float float32() {
    uint32_t u = fixed32();
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  // Skips a field of this wire type (unknown fields); groups are skipped to their end tag.
  void skip(uint32_t field, uint32_t type, int depth = 0) {
    uint64_t at = offset();
    switch (type) {
      case kVarint: varint(); return;
      case kFixed64:
        TG_CHECK(end_ - p_ >= 8, "{}: fixed64 at byte {} runs past the end of the message", what_, at);
        p_ += 8;
        return;
      case kLengthDelimited: sub(); return;
      case kFixed32: fixed32(); return;
      case kStartGroup:
        TG_CHECK(depth < 64, "{}: groups nested more than 64 deep at byte {}", what_, at);
        for (;;) {
          TG_CHECK(!done(), "{}: group of field {} is not closed before the end of the message", what_, field);
          uint32_t f, t;
          key(f, t);
          if (t == kEndGroup) {
            TG_CHECK(f == field, "{}: end-group tag of field {} at byte {} closes field {}", what_, f, at, field);
            return;
          }
          skip(f, t, depth + 1);
        }
      default: fail("{}: field {} at byte {} has invalid wire type {}", what_, field, key_at_, type);
    }
  }
  const char* what() const { return what_; }
  // The unread rest of the message.
  std::string_view bytes_left() const { return {reinterpret_cast<const char*>(p_), size_t(end_ - p_)}; }

 private:
  const uint8_t* p_;
  const uint8_t* begin_;
  const uint8_t* end_;
  uint64_t base_;
  const char* what_;
  uint64_t key_at_ = 0;  // offset of the last key read
};

// Appends fields to a string.
struct Writer {
  std::string out;
  void varint(uint64_t v) {
    while (v >= 0x80) {
      out.push_back(char(v | 0x80));
      v >>= 7;
    }
    out.push_back(char(v));
  }
  void key(uint32_t field, uint32_t type) { varint(uint64_t(field) << 3 | type); }
  void bytes(uint32_t field, std::string_view b) {
    key(field, kLengthDelimited);
    varint(b.size());
    out.append(b);
  }
  void fixed32(uint32_t v) {
    char b[4];
    std::memcpy(b, &v, 4);
    out.append(b, 4);
  }
};

}  // namespace tg::data::wire
