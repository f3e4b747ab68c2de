// Output folder, CSV and metrics.json writers (see output.h).
#include "util/output.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace tg::util {

void create_output_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  TG_CHECK(!ec && std::filesystem::is_directory(dir), "cannot create output folder '{}': {}", dir,
           ec ? ec.message() : "a file with that name exists");
}

CsvWriter::CsvWriter(const std::string& path, std::vector<std::string> columns)
    : path_(path), columns_(std::move(columns)), out_(path) {
  TG_CHECK(out_.good(), "CsvWriter: cannot open {} for writing", path);
  out_ << fmt::format("{}\n", fmt::join(columns_, ","));
}

void CsvWriter::row(const std::vector<double>& values) {
  TG_CHECK(values.size() == columns_.size(), "CsvWriter: {} values for the {} columns of {}", values.size(),
           columns_.size(), path_);
  out_ << fmt::format("{}\n", fmt::join(values, ","));
  TG_CHECK(out_.good(), "CsvWriter: writing {} failed", path_);
}

void write_metrics_json(const std::string& path, const std::vector<std::pair<std::string, double>>& metrics) {
  nlohmann::ordered_json json = nlohmann::ordered_json::object();
  for (const auto& [key, value] : metrics) json[key] = value;
  std::ofstream out(path);
  out << json.dump(2) << "\n";
  TG_CHECK(out.good(), "write_metrics_json: cannot write {}", path);
}

}  // namespace tg::util
