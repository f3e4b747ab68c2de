// TFRecord reading and writing (see tfrecord.h). The reader keeps a window of the stream in a
// buffer it refills in 1 MiB reads (or points straight at the caller's memory), so a record is
// handed out without a copy and a file of any size streams in constant memory.
#include "data/tfrecord.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "data/crc32c.h"

namespace tg::data {

namespace {

constexpr size_t kHeader = 12, kFooter = 4;  // u64 length + u32 crc; u32 crc
constexpr size_t kChunk = size_t(1) << 20;

uint64_t load_u64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}
uint32_t load_u32(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }
void store_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = uint8_t(v >> (8 * i));
}

}  // namespace

// ---- sources ----------------------------------------------------------------------------------

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Up to n bytes into dst; 0 at the end of the stream. Throws tg::Error on a read error.
  virtual size_t read(uint8_t* dst, size_t n) = 0;
};

namespace {

class FileSource : public ByteSource {
 public:
  explicit FileSource(const std::string& path) : path_(path), f_(std::fopen(path.c_str(), "rb")) {
    TG_CHECK(f_ != nullptr, "TFRecordReader: cannot open {}: {}", path, std::strerror(errno));
  }
  ~FileSource() override { std::fclose(f_); }
  size_t read(uint8_t* dst, size_t n) override {
    size_t got = std::fread(dst, 1, n, f_);
    TG_CHECK(got > 0 || !std::ferror(f_), "TFRecordReader: read error in {} at byte {}", path_, done_);
    done_ += got;
    return got;
  }

 private:
  std::string path_;
  std::FILE* f_;
  uint64_t done_ = 0;
};

class GzipSource : public ByteSource {
 public:
  explicit GzipSource(const std::string& path) : path_(path), f_(gzopen(path.c_str(), "rb")) {
    TG_CHECK(f_ != nullptr, "TFRecordReader: cannot open {}", path);
    gzbuffer(f_, 1 << 18);
    if (gzdirect(f_)) {
      gzclose(f_);
      fail("TFRecordReader: {} is not a gzip file (opened with Compression::gzip)", path);
    }
  }
  ~GzipSource() override { gzclose(f_); }
  size_t read(uint8_t* dst, size_t n) override {
    int got = gzread(f_, dst, unsigned(std::min<size_t>(n, 1u << 30)));
    int code = Z_OK;
    const char* msg = gzerror(f_, &code);
    // zlib reports a stream cut off mid-member only through gzerror once the data runs out.
    TG_CHECK(got > 0 || (code == Z_OK || code == Z_STREAM_END),
             "TFRecordReader: {}: corrupt or truncated gzip stream after byte {} of the decompressed data ({})",
             path_, done_, msg ? msg : "");
    done_ += uint64_t(std::max(got, 0));
    return size_t(std::max(got, 0));
  }

 private:
  std::string path_;
  gzFile f_;
  uint64_t done_ = 0;
};

}  // namespace

// ---- reader -----------------------------------------------------------------------------------

TFRecordReader::TFRecordReader(const std::string& path, TFRecordReaderOptions opts) : name_(path), opts_(opts) {
  if (opts.compression == Compression::gzip)
    source_ = std::make_unique<GzipSource>(path);
  else
    source_ = std::make_unique<FileSource>(path);
}

TFRecordReader::TFRecordReader(const uint8_t* bytes, size_t size, const std::string& name, TFRecordReaderOptions opts)
    : name_(name), opts_(opts), data_(bytes), end_(size), eof_(true) {
  TG_CHECK(opts.compression == Compression::none, "TFRecordReader: {}: in-memory records must be uncompressed", name);
}

TFRecordReader::~TFRecordReader() = default;

bool TFRecordReader::fill(size_t n) {
  if (end_ - pos_ >= n) return true;
  if (eof_) return false;
  if (pos_ > 0) {
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  while (end_ < n) {
    // Grow only as data arrives, so a corrupt length cannot make us allocate more than the
    // stream actually holds (times two).
    if (end_ == buf_.size()) buf_.resize(buf_.empty() ? kChunk : std::min(2 * buf_.size(), std::max(n, kChunk)));
    size_t got = source_->read(buf_.data() + end_, buf_.size() - end_);
    if (got == 0) {
      eof_ = true;
      break;
    }
    end_ += got;
  }
  data_ = buf_.data();
  return end_ >= n;
}

void TFRecordReader::report(uint64_t at, const std::string& what) {
  std::string msg = fmt::format("{}: record at byte {}: {}", name_, at, what);
  if (opts_.on_corrupt == OnCorrupt::stop) throw Error(msg);
  corrupt_.push_back({at, msg});
}

bool TFRecordReader::resync() {
  // Slide one byte at a time to the next place whose 8 length bytes match the CRC after them; a
  // false match has probability 2^-32 per position, and the data CRC still guards the record.
  ++pos_;
  ++offset_;
  while (fill(kHeader)) {
    const uint8_t* h = data_ + pos_;
    if (mask_crc(crc32c(h, 8)) == load_u32(h + 8)) return true;
    ++pos_;
    ++offset_;
  }
  offset_ += end_ - pos_;
  pos_ = end_;
  return false;
}

bool TFRecordReader::next(std::span<const uint8_t>& record) {
  for (;;) {
    uint64_t start = offset_;
    if (!fill(1)) return false;  // a clean end between records
    if (!fill(kHeader)) {
      size_t have = end_ - pos_;
      offset_ += have;
      pos_ = end_;
      report(start, fmt::format("truncated length: {} of the 12 header bytes before the end of the file", have));
      return false;
    }
    const uint8_t* h = data_ + pos_;
    uint64_t length = load_u64(h);
    if (opts_.check_crc) {
      uint32_t stored = load_u32(h + 8), computed = mask_crc(crc32c(h, 8));
      if (stored != computed) {
        report(start, fmt::format("length CRC mismatch (stored 0x{:08x}, computed 0x{:08x} for length {})", stored,
                                  computed, length));
        if (resync()) continue;
        return false;
      }
    }
    if (length > (uint64_t(1) << 62) || !fill(kHeader + size_t(length) + kFooter)) {
      size_t have = end_ - pos_;
      offset_ += have;
      pos_ = end_;
      report(start, fmt::format("length {} runs past the end of the file ({} bytes follow the header)", length,
                                have - kHeader));
      return false;
    }
    const uint8_t* d = data_ + pos_ + kHeader;
    size_t total = kHeader + size_t(length) + kFooter;
    if (opts_.check_crc) {
      uint32_t stored = load_u32(d + length), computed = mask_crc(crc32c(d, length));
      if (stored != computed) {
        pos_ += total;  // the length was verified, so the next record starts right after this one
        offset_ += total;
        report(start, fmt::format("data CRC mismatch (stored 0x{:08x}, computed 0x{:08x} over {} bytes)", stored,
                                  computed, length));
        continue;
      }
    }
    record = {d, size_t(length)};
    pos_ += total;
    offset_ += total;
    return true;
  }
}

bool TFRecordReader::next(std::string& record) {
  std::span<const uint8_t> r;
  if (!next(r)) return false;
  record.assign(reinterpret_cast<const char*>(r.data()), r.size());
  return true;
}

std::vector<std::string> read_tfrecord_file(const std::string& path, Compression compression) {
  TFRecordReader reader(path, {.compression = compression});
  std::vector<std::string> out;
  std::string r;
  while (reader.next(r)) out.push_back(r);
  return out;
}

// ---- writer -----------------------------------------------------------------------------------

std::vector<uint8_t> encode_tfrecord(std::span<const uint8_t> data) {
  std::vector<uint8_t> out(kHeader + data.size() + kFooter);
  uint64_t n = data.size();
  for (int i = 0; i < 8; ++i) out[i] = uint8_t(n >> (8 * i));
  store_u32(&out[8], mask_crc(crc32c(out.data(), 8)));
  if (!data.empty()) std::memcpy(&out[kHeader], data.data(), data.size());
  store_u32(&out[kHeader + data.size()], mask_crc(crc32c(data.data(), data.size())));
  return out;
}

Compression compression_from_name(const std::string& name) {
  if (name.empty() || name == "none" || name == "NONE") return Compression::none;
  if (name == "gzip" || name == "GZIP") return Compression::gzip;
  fail("TFRecord: unknown compression '{}' (expected none or gzip; ZLIB streams are not supported)", name);
}

TFRecordWriter::TFRecordWriter(const std::string& path, Compression compression)
    : path_(path), compression_(compression) {
  if (compression == Compression::gzip) {
    gz_ = gzopen(path.c_str(), "wb");
    TG_CHECK(gz_ != nullptr, "TFRecordWriter: cannot create {}", path);
  } else {
    file_ = std::fopen(path.c_str(), "wb");
    TG_CHECK(file_ != nullptr, "TFRecordWriter: cannot create {}: {}", path, std::strerror(errno));
  }
}

TFRecordWriter::~TFRecordWriter() {
  try {
    close();
  } catch (const Error&) {
  }
}

void TFRecordWriter::put(const void* p, size_t n) {
  if (n == 0) return;
  bool ok = gz_ ? gzwrite(static_cast<gzFile>(gz_), p, unsigned(n)) == int(n) : std::fwrite(p, 1, n, file_) == n;
  TG_CHECK(ok, "TFRecordWriter: write to {} failed", path_);
}

void TFRecordWriter::write(std::span<const uint8_t> data) {
  TG_CHECK(gz_ || file_, "TFRecordWriter: {} is closed", path_);
  uint8_t header[kHeader], footer[kFooter];
  uint64_t n = data.size();
  for (int i = 0; i < 8; ++i) header[i] = uint8_t(n >> (8 * i));
  store_u32(header + 8, mask_crc(crc32c(header, 8)));
  store_u32(footer, mask_crc(crc32c(data.data(), data.size())));
  put(header, kHeader);
  if (gz_ && data.size() > (1u << 30)) {
    for (size_t i = 0; i < data.size(); i += 1u << 30) put(data.data() + i, std::min<size_t>(1u << 30, data.size() - i));
  } else {
    put(data.data(), data.size());
  }
  put(footer, kFooter);
}

void TFRecordWriter::close() {
  if (gz_) {
    int rc = gzclose(static_cast<gzFile>(gz_));
    gz_ = nullptr;
    TG_CHECK(rc == Z_OK, "TFRecordWriter: closing {} failed (zlib code {})", path_, rc);
  }
  if (file_) {
    int rc = std::fclose(file_);
    file_ = nullptr;
    TG_CHECK(rc == 0, "TFRecordWriter: closing {} failed: {}", path_, std::strerror(errno));
  }
}

}  // namespace tg::data
