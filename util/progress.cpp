// Progress bar (see progress.h).
#include "util/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

namespace tg::util {
namespace {

// "1:05" or "1:02:03"
std::string clock_text(double seconds) {
  auto s = int64_t(std::max(0.0, seconds) + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

}  // namespace

ProgressBar::ProgressBar(int64_t total, std::string label, std::FILE* out, int64_t already_done)
    : total_(std::max<int64_t>(total, 1)), label_(std::move(label)), out_(out), tty_(isatty(fileno(out)) != 0),
      start_(Clock::now()), last_draw_(start_) {
  first_ = done_ = std::clamp<int64_t>(already_done, 0, total_);
  last_decile_ = 10 * done_ / total_;
}

double ProgressBar::rate() const {
  double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  return elapsed > 0 ? double(done_ - first_) / elapsed : 0;
}

ProgressBar::~ProgressBar() {
  if (!finished_ && done_ > first_) finish();
}

std::string ProgressBar::line() const {
  constexpr int kWidth = 24;
  double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  double rate = this->rate();
  int filled = int(kWidth * done_ / total_);
  std::string bar = std::string(size_t(filled), '#') + std::string(size_t(kWidth - filled), '.');
  std::string timing = done_ >= total_ ? fmt::format("{:.0f} it/s, {}", rate, clock_text(elapsed))
                                       : fmt::format("{:.0f} it/s, ETA {}", rate,
                                                     clock_text(rate > 0 ? double(total_ - done_) / rate : 0));
  int width = int(std::to_string(total_).size());
  return fmt::format("{} [{}] {:>{}}/{} {:3}%  {}  | {}", label_, bar, done_, width, total_, 100 * done_ / total_,
                     status_, timing);
}

void ProgressBar::update(int64_t done, const std::string& status) {
  done_ = std::clamp<int64_t>(done, 0, total_);
  status_ = status;
  if (tty_) {
    auto now = Clock::now();
    if (now - last_draw_ < std::chrono::milliseconds(100) && done_ < total_) return;
    last_draw_ = now;
    fmt::print(out_, "\r{}\x1b[K", line());  // ESC[K clears what a longer previous line left
  } else {
    int64_t decile = 10 * done_ / total_;
    if (decile == last_decile_ && done_ != 1) return;
    last_decile_ = decile;
    fmt::print(out_, "{}\n", line());
  }
  std::fflush(out_);
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  if (tty_) fmt::print(out_, "\r{}\x1b[K\n", line());
  else if (last_decile_ < 10) fmt::print(out_, "{}\n", line());
  std::fflush(out_);
}

}  // namespace tg::util
