// Byte-level text data (see text.h).
#include "data/text.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/creation.h"
#include "core/error.h"

namespace tg::data {
namespace fs = std::filesystem;
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  TG_CHECK(in.good(), "text: cannot open {}", path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

constexpr double kTrainFraction = 0.9;

}  // namespace

std::vector<int64_t> encode(const std::string& text) {
  std::vector<int64_t> tokens(text.size());
  for (size_t i = 0; i < text.size(); ++i) tokens[i] = int64_t(static_cast<unsigned char>(text[i]));
  return tokens;
}

std::string decode(const std::vector<int64_t>& tokens) {
  std::string text(tokens.size(), '\0');
  for (size_t i = 0; i < tokens.size(); ++i) {
    TG_CHECK(tokens[i] >= 0 && tokens[i] < kByteVocab, "decode: token {} at index {} is not a byte (0..255)",
             tokens[i], i);
    text[i] = char(uint8_t(tokens[i]));
  }
  return text;
}

void check_utf8(const std::string& text, const std::string& name) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    // length of the sequence from its lead byte, and the smallest code point it may encode
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    bool ok = len > 0 && i + len <= n;
    for (size_t j = 1; ok && j < len; ++j) {
      ok = (s[i + j] & 0xC0) == 0x80;
      cp = (cp << 6) | (s[i + j] & 0x3F);
    }
    const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    ok = ok && cp >= min_cp[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    TG_CHECK(ok, "text: {} is not UTF-8: invalid byte 0x{:02x} at offset {}", name, unsigned(c), i);
    i += len;
  }
}

std::string fortunes_dir() {
  const char* env = std::getenv("TG_FORTUNES_DIR");
  return env && *env ? env : "/usr/share/games/fortunes";
}

TextCorpus split_text(const std::string& text, const std::string& source) {
  TG_CHECK(!text.empty(), "text: {} is empty", source);
  check_utf8(text, source);
  const size_t cut = size_t(double(text.size()) * kTrainFraction);
  return {text.substr(0, cut), text.substr(cut), source};
}

TextCorpus load_text_file(const std::string& path) {
  TG_CHECK(fs::is_regular_file(path), "text: --data {} is not a readable file", path);
  return split_text(read_file(path), path);
}

TextCorpus load_fortunes(const std::string& dir) {
  TG_CHECK(fs::is_directory(dir),
           "text: the fortunes corpus is not at {} (install it with `apt-get install fortunes`, set "
           "TG_FORTUNES_DIR, or pass --data FILE)", dir);
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && !e.is_symlink() && e.path().extension() != ".dat" && e.path().extension() != ".u8")
      files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  TG_CHECK(!files.empty(), "text: no fortune files in {}", dir);
  TextCorpus corpus{.source = dir};
  for (const auto& f : files) {
    TextCorpus part = split_text(read_file(f), f);
    corpus.train += part.train;
    corpus.validation += part.validation;
  }
  return corpus;
}

TextWindows make_windows(const std::vector<int64_t>& tokens, int64_t context, const std::string& what) {
  TG_CHECK(context > 0, "text windows: context must be positive, got {}", context);
  const int64_t n = int64_t(tokens.size()), windows = n > context ? (n - 1) / context : 0;
  TG_CHECK(windows > 0, "text: {} has {} bytes, shorter than one window of context + 1 = {}", what, n, context + 1);
  std::vector<int64_t> x(size_t(windows * context)), y(size_t(windows * context));
  for (int64_t w = 0; w < windows; ++w)
    for (int64_t t = 0; t < context; ++t) {
      x[size_t(w * context + t)] = tokens[size_t(w * context + t)];
      y[size_t(w * context + t)] = tokens[size_t(w * context + t + 1)];
    }
  TensorOptions i64{.dtype = DType::i64};
  return {tensor(std::vector<double>(x.begin(), x.end()), {windows, context}, i64),
          tensor(std::vector<double>(y.begin(), y.end()), {windows, context}, i64)};
}

TextCorpus load_corpus(const std::string& path) { return path.empty() ? load_fortunes() : load_text_file(path); }

CorpusWindows make_corpus_windows(const TextCorpus& corpus, int64_t context, int64_t val_windows) {
  std::vector<int64_t> val = encode(corpus.validation);
  // the first N windows are those of the first N T + 1 tokens (window i holds [i T, i T + T + 1))
  if (val_windows > 0 && int64_t(val.size()) > val_windows * context + 1) val.resize(size_t(val_windows * context + 1));
  return {make_windows(encode(corpus.train), context, corpus.source + " (train part)"),
          make_windows(val, context, corpus.source + " (validation part)")};
}

}  // namespace tg::data
