// Run outputs of the examples: the output folder, a per-step CSV file and metrics.json
// (flat keys with units in their names, e.g. "step_ms", so runs can be compared by scripts).
#pragma once
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace tg::util {

// Creates `dir` and its parents if needed; throws tg::Error saying why when it cannot.
void create_output_dir(const std::string& dir);

class CsvWriter {
 public:
  // Opens `path` (truncating it) and writes the header row.
  CsvWriter(const std::string& path, std::vector<std::string> columns);
  void row(const std::vector<double>& values);  // one value per column

 private:
  std::string path_;
  std::vector<std::string> columns_;
  std::ofstream out_;
};

// {"key": value, ...} in the given order.
void write_metrics_json(const std::string& path, const std::vector<std::pair<std::string, double>>& metrics);

}  // namespace tg::util
