// util::ProgressBar: its rate counts only the units done since it was made, so a bar resumed at
// unit 90 of 100 reports this run's speed and ETA, not 90 units in no time.
#include <chrono>
#include <thread>

#include "test_util.h"
#include "util/progress.h"

using namespace tg;

TEST_CASE("ProgressBar: a resumed bar's rate counts only this run's units" * TG_CPU_ONLY) {
  std::FILE* out = std::tmpfile();
  util::ProgressBar bar(100, "epoch", out, /*already_done=*/90);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  bar.update(91);
  // one unit in >= 0.1 s: at most 10 units/s (counting the 90 resumed ones would give >= 100/s
  // unless this sleep took over 0.9 s)
  CHECK(bar.rate() <= 10.0);
  CHECK(bar.rate() > 0);
  bar.finish();
  // the lines written name the resumed position
  std::rewind(out);
  char buf[512] = {};
  size_t n = std::fread(buf, 1, sizeof(buf) - 1, out);
  std::string text(buf, n);
  CHECK(text.find(" 91/100 ") != std::string::npos);
  std::fclose(out);

  util::ProgressBar fresh(10, "fresh", std::tmpfile());
  CHECK(fresh.rate() == 0);  // nothing done yet
}
