// data/text: the byte tokenizer, the UTF-8 check, the split, the windows, and the fortunes corpus
// (skipped where the package is not installed).
#include <filesystem>

#include "data/text.h"
#include "test_util.h"

using namespace tg;

TEST_CASE("byte tokenizer: UTF-8 text round-trips through bytes 0..255") {
  const std::string text = "a\xc3\xa9\xe2\x82\xac!";  // "aé€!": 1 + 2 + 3 + 1 bytes
  std::vector<int64_t> tokens = data::encode(text);
  CHECK(tokens == std::vector<int64_t>{97, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 33});
  CHECK(data::decode(tokens) == text);
  CHECK_ERROR(data::decode({65, 256}), "decode", "token 256", "index 1");
  CHECK_ERROR(data::decode({-1}), "token -1");
}

TEST_CASE("check_utf8 names the first invalid byte and its offset") {
  data::check_utf8("plain \xc3\xa9 \xf0\x9f\x98\x80", "ok");
  CHECK_ERROR(data::check_utf8("ab\xff", "f.txt"), "f.txt", "not UTF-8", "0xff", "offset 2");
  CHECK_ERROR(data::check_utf8("x\xc3", "t"), "0xc3", "offset 1");             // truncated sequence
  CHECK_ERROR(data::check_utf8("\xc0\xaf", "t"), "0xc0", "offset 0");          // overlong "/"
  CHECK_ERROR(data::check_utf8("ok\xed\xa0\x80", "t"), "0xed", "offset 2");    // a UTF-16 surrogate
  CHECK_ERROR(data::check_utf8("\xe2\x28\xa1", "t"), "0xe2", "offset 0");      // bad continuation
}

TEST_CASE("split_text: 90% train, the rest validation; empty and non-UTF-8 text are errors") {
  std::string text(100, 'x');
  text[90] = 'y';
  data::TextCorpus c = data::split_text(text, "mem");
  CHECK(c.train == std::string(90, 'x'));
  CHECK(c.validation.size() == 10);
  CHECK(c.validation[0] == 'y');
  CHECK_ERROR(data::split_text("", "empty.txt"), "empty.txt", "empty");
  CHECK_ERROR(data::split_text("abc\x80", "bad.txt"), "bad.txt", "not UTF-8", "offset 3");
  CHECK_ERROR(data::load_text_file("/nonexistent/file.txt"), "--data /nonexistent/file.txt");
}

TEST_CASE("make_windows: non-overlapping windows, targets shifted by one; too short is an error") {
  std::vector<int64_t> tokens{10, 11, 12, 13, 14, 15, 16, 17};  // 8 tokens, T = 3: (8 - 1) / 3 = 2 windows
  data::TextWindows w = data::make_windows(tokens, 3, "train");
  CHECK(w.inputs.shape() == Shape{2, 3});
  CHECK(w.inputs.to_vector<int64_t>() == std::vector<int64_t>{10, 11, 12, 13, 14, 15});
  CHECK(w.targets.to_vector<int64_t>() == std::vector<int64_t>{11, 12, 13, 14, 15, 16});
  CHECK(w.inputs.dtype() == DType::i64);
  CHECK_ERROR(data::make_windows({1, 2, 3}, 3, "validation text"), "validation text", "3 bytes",
              "context + 1 = 4");
}

TEST_CASE("make_corpus_windows: both parts as windows, validation cut to its first windows") {
  const data::TextCorpus c{.train = "abcdefghij", .validation = "0123456789", .source = "mem"};
  const auto [train, all] = data::make_corpus_windows(c, 3, 0);  // 10 bytes, T = 3: 3 windows each
  CHECK(train.inputs.shape() == Shape{3, 3});
  CHECK(all.inputs.shape() == Shape{3, 3});
  for (int64_t n : {1, 2}) {  // the first n windows, targets included
    CAPTURE(n);
    const auto [t, cut] = data::make_corpus_windows(c, 3, n);
    CHECK(cut.inputs.shape() == Shape{n, 3});
    CHECK(cut.inputs.to_vector<int64_t>() == slice(all.inputs, 0, 0, n).to_vector<int64_t>());
    CHECK(cut.targets.to_vector<int64_t>() == slice(all.targets, 0, 0, n).to_vector<int64_t>());
  }
  CHECK(data::make_corpus_windows(c, 3, 5).validation.inputs.size(0) == 3);  // more than there are: all
  CHECK_ERROR(data::make_corpus_windows({.train = "abcdefghij", .validation = "012", .source = "mem"}, 3, 1),
              "mem (validation part)", "3 bytes");
}

TEST_CASE("fortunes: every plain file split 90/10, indexes and links left out" *
          doctest::skip(!std::filesystem::is_directory(data::fortunes_dir()))) {
  data::TextCorpus c = data::load_fortunes();
  const double total = double(c.train.size() + c.validation.size());
  CHECK(total > 1e6);  // the package holds about 2.5 MB of fortunes
  CHECK(double(c.validation.size()) / total == doctest::Approx(0.1).epsilon(0.01));
  CHECK(c.train.find("%\n") != std::string::npos);  // fortunes are separated by "%" lines
  CHECK_ERROR(data::load_fortunes("/nonexistent"), "fortunes", "apt-get install fortunes", "--data");
}
