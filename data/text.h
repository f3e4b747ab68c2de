// Text for the language models: a byte-level tokenizer (token = one byte of the UTF-8 text, so a
// vocabulary of 256 and no unknown tokens), the corpus (the `fortunes` Debian package, or any UTF-8
// file), a fixed train/validation split, and fixed-length windows for next-token prediction.
// Validation is measured in bits per character (bpc) = mean cross-entropy / ln 2 per byte.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace tg::data {

constexpr int64_t kByteVocab = 256;

std::vector<int64_t> encode(const std::string& text);  // bytes 0..255
std::string decode(const std::vector<int64_t>& tokens);  // a token outside 0..255 is a tg::Error

// Throws tg::Error naming `name` and the byte offset of the first invalid UTF-8 sequence.
void check_utf8(const std::string& text, const std::string& name);

// Where the fortunes live: $TG_FORTUNES_DIR, else /usr/share/games/fortunes.
std::string fortunes_dir();

// The corpus split into train and validation text. Fortunes: each plain text file of the folder
// (not the .dat indexes nor the .u8 links), in name order, gives its first 90% of bytes to train and
// the rest to validation, so both see every topic. A single file (--data) is split at 90%.
struct TextCorpus {
  std::string train, validation;
  std::string source;  // the folder or file, for messages
};
TextCorpus load_fortunes(const std::string& dir = fortunes_dir());
TextCorpus load_text_file(const std::string& path);
// The split both loaders use, of one text; each part must hold one window: context + 1 bytes.
TextCorpus split_text(const std::string& text, const std::string& source);

// Non-overlapping windows of a token stream: window i holds tokens [i T, i T + T + 1), inputs the
// first T and targets the last T (the next token at each position). inputs and targets are (N, T) i64.
struct TextWindows {
  Tensor inputs, targets;
};
// Throws tg::Error naming `what` when the text is shorter than one window (T + 1 tokens).
TextWindows make_windows(const std::vector<int64_t>& tokens, int64_t context, const std::string& what);

// The LM examples' corpus: the fortunes when `path` is empty, else the UTF-8 file at `path` (--data).
TextCorpus load_corpus(const std::string& path);

// A corpus's train and validation windows of `context` tokens, the validation cut to its first
// `val_windows` windows when that is positive and fewer (a fixed subset, the same every run).
struct CorpusWindows {
  TextWindows train, validation;
};
CorpusWindows make_corpus_windows(const TextCorpus& corpus, int64_t context, int64_t val_windows);

}  // namespace tg::data
