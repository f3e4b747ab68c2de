// TFRecord framing: CRC32C against published check values (both the table and the SSE4.2
// path), the exact bytes of the record "hello", round trips (plain, gzip, empty and >1 MiB
// records), and every corruption the issue lists, each reported with the record's byte offset.
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "data/crc32c.h"
#include "data/tfrecord.h"
#include "test_util.h"

using namespace tg;
using namespace tg::data;

namespace {

std::string temp_path(const std::string& name) {
  // The pid keeps the data, data@loopback and data@cuda runs (CTest -j) and other checkouts apart.
  return (std::filesystem::temp_directory_path() /
          ("tapegrad_test_tfrecord_" + std::to_string(getpid()) + "_" + name)).string();
}
std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_bytes(const std::string& path, const std::vector<uint8_t>& b) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}
std::vector<uint8_t> concat(const std::vector<std::string>& records) {
  std::vector<uint8_t> out;
  for (const auto& r : records) {
    auto e = encode_tfrecord({reinterpret_cast<const uint8_t*>(r.data()), r.size()});
    out.insert(out.end(), e.begin(), e.end());
  }
  return out;
}
std::vector<std::string> read_all(TFRecordReader& reader) {
  std::vector<std::string> out;
  std::string r;
  while (reader.next(r)) out.push_back(r);
  return out;
}

}  // namespace

TEST_CASE("crc32c matches the published check values on both paths") {
  const char* digits = "123456789";
  CHECK(crc32c_portable(digits, 9) == 0xE3069283u);
  // RFC 3720 (iSCSI) B.4: 32 zero bytes, 32 0xff bytes, bytes 0..31.
  std::vector<uint8_t> zeros(32, 0), ones(32, 0xff), inc(32);
  for (int i = 0; i < 32; ++i) inc[i] = uint8_t(i);
  CHECK(crc32c_portable(zeros.data(), 32) == 0x8A9136AAu);
  CHECK(crc32c_portable(ones.data(), 32) == 0x62A8AB43u);
  CHECK(crc32c_portable(inc.data(), 32) == 0x46DD794Eu);
  CHECK(crc32c(digits, 9) == 0xE3069283u);
  if (!crc32c_hardware_available()) {
    MESSAGE("no SSE4.2 here: only the portable path was checked");
    return;
  }
  CHECK(crc32c_hardware(digits, 9) == 0xE3069283u);
  CHECK(crc32c_hardware(inc.data(), 32) == 0x46DD794Eu);
  // Every length 0..300 at every alignment 0..7, on pseudo-random bytes, and continuation.
  std::vector<uint8_t> buf(320);
  uint32_t s = 12345;
  for (auto& b : buf) b = uint8_t((s = s * 1664525u + 1013904223u) >> 24);
  int mismatches = 0;
  for (size_t off = 0; off < 8; ++off)
    for (size_t n = 0; n <= 300; ++n) mismatches += crc32c_hardware(&buf[off], n) != crc32c_portable(&buf[off], n);
  CHECK(mismatches == 0);
  CHECK(crc32c_hardware(buf.data() + 100, 200, crc32c_hardware(buf.data(), 100)) == crc32c_portable(buf.data(), 300));
}

TEST_CASE("masked crc: rotate right 15 plus 0xa282ead8, and back") {
  CHECK(mask_crc(0) == 0xa282ead8u);
  CHECK(mask_crc(0x8000u) == 0xa282ead9u);  // bit 15 rotates to bit 0
  for (uint32_t c : {0u, 1u, 0xE3069283u, 0xffffffffu}) CHECK(unmask_crc(mask_crc(c)) == c);
}

TEST_CASE("the record for \"hello\" is exactly the issue's 21 bytes") {
  std::string hello = "hello";
  auto bytes = encode_tfrecord({reinterpret_cast<const uint8_t*>(hello.data()), hello.size()});
  std::vector<uint8_t> expected = {0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xea, 0xb2, 0x04,
                                   0x3e, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0xbb, 0x1f, 0x1c, 0x19};
  CHECK(bytes == expected);
  std::string path = temp_path("hello");
  {
    TFRecordWriter w(path);
    w.write(hello);
    w.close();
  }
  CHECK(read_bytes(path) == expected);
  TFRecordReader reader(expected.data(), expected.size(), "hello");
  CHECK(read_all(reader) == std::vector<std::string>{"hello"});
}

TEST_CASE("TFRecord round trip, plain and gzip, with empty and >1 MiB records") {
  std::vector<std::string> records = {"", "a", std::string(3 << 20, 'x'), "last"};
  records[2][12345] = 'y';
  for (auto compression : {Compression::none, Compression::gzip}) {
    std::string path = temp_path(compression == Compression::gzip ? "rt.gz" : "rt");
    TFRecordWriter w(path, compression);
    for (const auto& r : records) w.write(r);
    w.close();
    CHECK(read_tfrecord_file(path, compression) == records);
    TFRecordReader reader(path, {.compression = compression});
    std::string r;
    REQUIRE(reader.next(r));
    CHECK(reader.offset() == 16);
    REQUIRE(reader.next(r));
    CHECK(reader.offset() == 16 + 17);
  }
  // The gzip file really is gzip: zlib's own reader gives back the plain bytes.
  std::string gz = temp_path("rt.gz");
  gzFile f = gzopen(gz.c_str(), "rb");
  REQUIRE(f != nullptr);
  std::vector<uint8_t> plain(64);
  int n = gzread(f, plain.data(), 64);
  gzclose(f);
  CHECK(n == 64);
  CHECK(std::vector<uint8_t>(plain.begin(), plain.begin() + 16) == encode_tfrecord({}));
}

TEST_CASE("truncated records are reported with their byte offset") {
  auto bytes = concat({"hello", "world!"});  // records at bytes 0 (21 long) and 21 (22 long)
  std::string path = temp_path("trunc");
  SUBCASE("inside the second record's data") {
    bytes.resize(21 + 14);
    write_bytes(path, bytes);
    TFRecordReader reader(path);
    std::string r;
    CHECK(reader.next(r));
    CHECK(r == "hello");
    CHECK(test::error_report([&] { reader.next(r); },
                             {path, "record at byte 21", "length 6 runs past the end of the file", "2 bytes follow"}) ==
          "");
  }
  SUBCASE("inside the length") {
    bytes.resize(21 + 5);
    write_bytes(path, bytes);
    TFRecordReader reader(path);
    CHECK(test::error_report([&] { read_all(reader); }, {path, "record at byte 21", "truncated length", "5 of the 12"}) ==
          "");
  }
  SUBCASE("a length larger than the file, with a valid length CRC") {
    std::vector<uint8_t> big = encode_tfrecord(std::vector<uint8_t>(1000, 7));
    big.resize(100);
    TFRecordReader reader(big.data(), big.size(), "big.tfrecord");
    CHECK(test::error_report([&] { read_all(reader); }, {"big.tfrecord: record at byte 0", "length 1000 runs past"}) ==
          "");
  }
  SUBCASE("skip mode notes the truncation and ends the stream") {
    bytes.resize(21 + 14);
    TFRecordReader reader(bytes.data(), bytes.size(), "t", {.on_corrupt = OnCorrupt::skip});
    CHECK(read_all(reader) == std::vector<std::string>{"hello"});
    REQUIRE(reader.corrupt().size() == 1);
    CHECK(reader.corrupt()[0].offset == 21);
  }
}

TEST_CASE("bit flips are detected at the right record; skip resumes, stop throws") {
  auto bytes = concat({"first", "second", "third"});  // records at 0 (21), 21 (22), 43 (21)
  SUBCASE("a flipped data bit") {
    bytes[21 + 12 + 3] ^= 0x10;
    TFRecordReader stop(bytes.data(), bytes.size(), "f");
    std::string r;
    CHECK(stop.next(r));
    CHECK(test::error_report([&] { stop.next(r); }, {"f: record at byte 21", "data CRC mismatch"}) == "");
    TFRecordReader skip(bytes.data(), bytes.size(), "f", {.on_corrupt = OnCorrupt::skip});
    CHECK(read_all(skip) == std::vector<std::string>{"first", "third"});
    REQUIRE(skip.corrupt().size() == 1);
    CHECK(skip.corrupt()[0].offset == 21);
    CHECK(skip.corrupt()[0].message.find("data CRC mismatch") != std::string::npos);
  }
  SUBCASE("a flipped length bit: skip resynchronises on the next valid header") {
    bytes[21 + 1] ^= 0x04;
    TFRecordReader stop(bytes.data(), bytes.size(), "f");
    CHECK(test::error_report([&] { read_all(stop); }, {"f: record at byte 21", "length CRC mismatch"}) == "");
    TFRecordReader skip(bytes.data(), bytes.size(), "f", {.on_corrupt = OnCorrupt::skip});
    CHECK(read_all(skip) == std::vector<std::string>{"first", "third"});
    REQUIRE(skip.corrupt().size() == 1);
    CHECK(skip.corrupt()[0].offset == 21);
  }
  SUBCASE("a flipped footer bit") {
    bytes[42] ^= 0x80;
    TFRecordReader skip(bytes.data(), bytes.size(), "f", {.on_corrupt = OnCorrupt::skip});
    CHECK(read_all(skip) == std::vector<std::string>{"first", "third"});
    REQUIRE(skip.corrupt().size() == 1);
    CHECK(skip.corrupt()[0].offset == 21);
    TFRecordReader unchecked(bytes.data(), bytes.size(), "f", {.check_crc = false});
    CHECK(read_all(unchecked) == std::vector<std::string>{"first", "second", "third"});
  }
}

TEST_CASE("gzip problems and missing files are errors naming the file") {
  std::string path = temp_path("cut.gz");
  {
    TFRecordWriter w(path, Compression::gzip);
    std::string rec(5000, 'z');
    for (int i = 0; i < 50; ++i) {
      rec[i] = char('a' + i % 26);
      w.write(rec);
    }
  }
  auto gz = read_bytes(path);
  gz.resize(gz.size() / 2);
  write_bytes(path, gz);
  CHECK(test::error_report([&] { read_tfrecord_file(path, Compression::gzip); },
                           {path, "corrupt or truncated gzip stream after byte"}) == "");
  std::string plain = temp_path("plain");
  write_bytes(plain, concat({"x"}));
  CHECK(test::error_report([&] { read_tfrecord_file(plain, Compression::gzip); }, {plain, "is not a gzip file"}) == "");
  CHECK(test::error_report([&] { read_tfrecord_file(temp_path("does_not_exist")); }, {"cannot open", "does_not_exist"}) ==
        "");
  CHECK(test::error_report([&] { compression_from_name("ZLIB"); }, {"unknown compression 'ZLIB'"}) == "");
}
