// Bar charts as PNG for the examples (e.g. how a classifier sorts generated images into classes):
// one labelled bar per category, its value printed above it, and an optional dashed reference
// level (such as the uniform share 1/K).
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "util/image.h"

namespace tg::util {

struct BarChart {
  std::string title, y_label;
  std::vector<std::string> labels;  // one per bar, under it
  std::vector<double> values;       // finite and >= 0
  double reference = NAN;           // drawn as a dashed level with reference_label when finite
  std::string reference_label;
  Rgb color{31, 119, 180};
  // Throws tg::Error when labels and values differ in count, are empty, or a value is negative or
  // not finite.
  Image render(int width = 800, int height = 420) const;
  void write_png(const std::string& path, int width = 800, int height = 420) const;
};

}  // namespace tg::util
