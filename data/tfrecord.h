// TFRecord files: a sequence of records, each
//   uint64 length (little-endian) | uint32 masked_crc32c(length bytes) | data[length] | uint32 masked_crc32c(data)
// written plain or as one gzip stream. The reader streams (a buffer, not the whole file), checks
// both CRCs, and on a corrupt record either throws a tg::Error naming the file and byte offset
// (OnCorrupt::stop) or notes it and resynchronises on the next valid header (OnCorrupt::skip).
#pragma once
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tg::data {

enum class Compression { none, gzip };
enum class OnCorrupt { stop, skip };

struct TFRecordReaderOptions {
  Compression compression = Compression::none;
  OnCorrupt on_corrupt = OnCorrupt::stop;
  bool check_crc = true;  // false skips both CRC checks (headers are then trusted)
};

// One problem found while reading; `offset` is the byte where the bad record starts (in the
// decompressed stream for gzip files).
struct CorruptRecord {
  uint64_t offset;
  std::string message;
};

// The 12-byte header + data + 4-byte footer of one record ("hello" -> 21 bytes).
std::vector<uint8_t> encode_tfrecord(std::span<const uint8_t> data);
// A Compression from a name: "" or "none", "gzip" or "GZIP" (TensorFlow's spelling).
Compression compression_from_name(const std::string& name);

class ByteSource;  // where the reader's bytes come from: a file, a gzip stream or memory

class TFRecordReader {
 public:
  TFRecordReader(const std::string& path, TFRecordReaderOptions opts = {});
  // Reads records from memory (not copied: the bytes must outlive the reader); `name` is used in
  // messages. Compression must be none.
  TFRecordReader(const uint8_t* bytes, size_t size, const std::string& name, TFRecordReaderOptions opts = {});
  ~TFRecordReader();
  TFRecordReader(const TFRecordReader&) = delete;
  TFRecordReader& operator=(const TFRecordReader&) = delete;

  // The next record's data, valid until the next call; false at the end of the file. With
  // OnCorrupt::stop a corrupt record throws tg::Error "<file>: record at byte <offset>: <what>".
  bool next(std::span<const uint8_t>& record);
  bool next(std::string& record);
  // Byte offset of the next record to read.
  uint64_t offset() const { return offset_; }
  // The corrupt records skipped so far (OnCorrupt::skip).
  const std::vector<CorruptRecord>& corrupt() const { return corrupt_; }

 private:
  bool fill(size_t n);  // makes n bytes available at pos_; false if the stream ends first
  void report(uint64_t at, const std::string& what);
  bool resync();  // OnCorrupt::skip: advances to the next offset where a valid header starts

  std::string name_;
  TFRecordReaderOptions opts_;
  std::unique_ptr<ByteSource> source_;
  std::vector<uint8_t> buf_;
  const uint8_t* data_ = nullptr;  // the window: data_[pos_, end_)
  size_t pos_ = 0, end_ = 0;
  bool eof_ = false;
  uint64_t offset_ = 0;  // stream offset of data_[pos_]
  std::vector<CorruptRecord> corrupt_;
};

class TFRecordWriter {
 public:
  // Creates (truncates) `path`; gzip writes one gzip stream (zlib's default level).
  explicit TFRecordWriter(const std::string& path, Compression compression = Compression::none);
  ~TFRecordWriter();  // closes; errors there are lost, so call close() to see them
  TFRecordWriter(const TFRecordWriter&) = delete;
  TFRecordWriter& operator=(const TFRecordWriter&) = delete;

  void write(std::span<const uint8_t> data);
  void write(std::string_view data) { write({reinterpret_cast<const uint8_t*>(data.data()), data.size()}); }
  void close();  // flushes; throws tg::Error naming the file if anything failed

 private:
  void put(const void* p, size_t n);
  std::string path_;
  Compression compression_;
  std::FILE* file_ = nullptr;
  void* gz_ = nullptr;  // gzFile
};

// Every record of a file (OnCorrupt::stop).
std::vector<std::string> read_tfrecord_file(const std::string& path, Compression compression = Compression::none);

}  // namespace tg::data
