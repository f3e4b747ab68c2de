// Shared pieces of the bench mains: command-line flags, a timer that reports the median of
// repeated runs after warmup (the machine is shared, so single timings are noise), and the
// metrics.json writer. bench/compare.py runs every bench and adds PyTorch's figures.
#pragma once
#include <fmt/format.h>
#include <fmt/os.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace bench {

struct Flags {
  int reps = 0;           // timed repetitions (0: the bench's default)
  std::string out = "";   // folder for metrics.json (none when empty)
};

// --reps N and --out DIR; --help prints the usage line.
inline Flags parse_flags(int argc, char** argv, const char* usage) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--reps" && i + 1 < argc) f.reps = std::atoi(argv[++i]);
    else if (a == "--out" && i + 1 < argc) f.out = argv[++i];
    else {
      fmt::print("{}\n  --reps N   timed repetitions\n  --out DIR  write DIR/metrics.json\n", usage);
      std::exit(a == "--help" ? 0 : 2);
    }
  }
  return f;
}

// Median wall time of fn() in milliseconds over `reps` runs, after `warmup` untimed ones.
template <class Fn>
double median_ms(int warmup, int reps, Fn&& fn) {
  for (int i = 0; i < warmup; ++i) fn();
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    fn();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
  return ms[ms.size() / 2];
}

// Writes {"key": value, ...} to dir/metrics.json and echoes the figures on stdout.
inline void write_metrics(const std::string& dir, const std::vector<std::pair<std::string, double>>& kv) {
  std::string body = "{";
  for (size_t i = 0; i < kv.size(); ++i) {
    body += fmt::format("{}\n  \"{}\": {:.6g}", i ? "," : "", kv[i].first, kv[i].second);
    fmt::print("{} = {:.6g}\n", kv[i].first, kv[i].second);
  }
  body += "\n}\n";
  if (dir.empty()) return;
  std::filesystem::create_directories(dir);
  auto file = fmt::output_file(dir + "/metrics.json");
  file.print("{}", body);
}

}  // namespace bench
