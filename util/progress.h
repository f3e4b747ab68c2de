// A one-line progress bar for training loops: done/total, a status string (loss, accuracy),
// the rate and the ETA. On a terminal it redraws in place at most ~10 times a second; when
// stderr is a file or pipe it prints a plain line every 10% instead, so logs stay readable.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace tg::util {

class ProgressBar {
 public:
  // `already_done` units were done before this run (a resumed epoch): the bar starts there, and
  // the rate and ETA count only the units done since.
  ProgressBar(int64_t total, std::string label, std::FILE* out = stderr, int64_t already_done = 0);
  // After unit `done` of total (1-based); `status` is shown after the counter, e.g. "loss 0.12".
  void update(int64_t done, const std::string& status = "");
  // Draws the final state and ends the line (also called by the destructor if needed).
  void finish();
  // Units per second done since construction (excluding already_done).
  double rate() const;
  ~ProgressBar();

 private:
  std::string line() const;
  using Clock = std::chrono::steady_clock;

  int64_t total_, done_ = 0, first_ = 0;
  std::string label_, status_;
  std::FILE* out_;
  bool tty_;
  bool finished_ = false;
  Clock::time_point start_, last_draw_;
  int64_t last_decile_ = 0;
};

}  // namespace tg::util
