// Line charts as PNG for the examples (loss curves, variance against sample count): series of
// (x, y) points on linear or log10 axes, with ticks, axis labels, a title and a legend.
#pragma once
#include <string>
#include <vector>

#include "util/image.h"

namespace tg::util {

struct Series {
  std::string name;  // shown in the legend
  std::vector<double> x, y;
  Rgb color;
  bool markers = true;  // a dot at each point
  bool line = true;     // a line through consecutive points
};

struct LineChart {
  std::string title, x_label, y_label;
  bool log_x = false, log_y = false;  // log10 axes; points <= 0 are skipped on a log axis
  std::vector<Series> series;
  // Draws the chart at the given size; throws tg::Error when no series has a plottable point.
  Image render(int width = 720, int height = 480) const;
  void write_png(const std::string& path, int width = 720, int height = 480) const;
};

// Distinct colours for up to 8 series (then they repeat).
Rgb series_color(size_t i);

}  // namespace tg::util
