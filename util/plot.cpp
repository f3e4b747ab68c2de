// Line chart drawing (see plot.h): data ranges, "nice" tick steps, axes, lines and legend.
#include "util/plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace tg::util {
namespace {

const Rgb kInk{40, 40, 40}, kGrid{225, 225, 225};

// The step 1, 2 or 5 x 10^k that cuts [lo, hi] into about `target` intervals.
double nice_step(double lo, double hi, int target) {
  double raw = (hi - lo) / target;
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

struct Axis {
  double lo = 1e300, hi = -1e300;
  bool log = false;
  double map(double v) const { return log ? std::log10(v) : v; }
  void include(double v) {
    lo = std::min(lo, map(v));
    hi = std::max(hi, map(v));
  }
  void pad() {  // a flat range gets some height; others a 4% margin
    double span = hi - lo;
    if (span <= 1e-12 * std::max(1.0, std::abs(hi))) span = log ? 1.0 : std::max(1.0, 0.1 * std::abs(hi));
    lo -= 0.04 * span;
    hi += 0.04 * span;
  }
  std::string label(double t) const {
    double v = log ? std::pow(10.0, t) : t;
    return std::abs(v) >= 1e5 || (v != 0 && std::abs(v) < 1e-3) ? fmt::format("{:.0e}", v) : fmt::format("{:g}", v);
  }
  // Tick positions in mapped units: integer decades on a log axis, nice steps otherwise.
  std::vector<double> ticks() const {
    double step = log ? std::max(1.0, std::round(nice_step(lo, hi, 5))) : nice_step(lo, hi, 6);
    std::vector<double> out;
    for (double t = std::ceil(lo / step) * step; t <= hi + 1e-9 * step; t += step)
      out.push_back(std::abs(t) < 1e-12 * step ? 0 : t);  // no "-0" label
    return out;
  }
};

bool plottable(double v, bool log) { return std::isfinite(v) && (!log || v > 0); }

}  // namespace

Rgb series_color(size_t i) {
  static const Rgb colors[] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44},  {214, 39, 40},
                               {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127}};
  return colors[i % 8];
}

Image LineChart::render(int width, int height) const {
  Axis ax{.log = log_x}, ay{.log = log_y};
  for (const Series& s : series) {
    TG_CHECK(s.x.size() == s.y.size(), "LineChart '{}': series '{}' has {} x and {} y values", title, s.name,
             s.x.size(), s.y.size());
    for (size_t i = 0; i < s.x.size(); ++i)
      if (plottable(s.x[i], log_x) && plottable(s.y[i], log_y)) {
        ax.include(s.x[i]);
        ay.include(s.y[i]);
      }
  }
  TG_CHECK(ax.lo <= ax.hi, "LineChart '{}': no series has a point to plot", title);
  ax.pad();
  ay.pad();

  Image img(width, height);
  const int left = 90, right = 20, top = 44, bottom = 64;
  const int pw = width - left - right, ph = height - top - bottom;
  auto px = [&](double v) { return left + (ax.map(v) - ax.lo) / (ax.hi - ax.lo) * pw; };
  auto py = [&](double v) { return top + (ay.hi - ay.map(v)) / (ay.hi - ay.lo) * ph; };

  for (double t : ax.ticks()) {
    int x = int(std::lround(left + (t - ax.lo) / (ax.hi - ax.lo) * pw));
    img.fill_rect(x, top, 1, ph, kGrid);
    std::string s = ax.label(t);
    img.text(x - Image::text_width(s) / 2, top + ph + 8, s, kInk);
  }
  for (double t : ay.ticks()) {
    int y = int(std::lround(top + (ay.hi - t) / (ay.hi - ay.lo) * ph));
    img.fill_rect(left, y, pw, 1, kGrid);
    std::string s = ay.label(t);
    img.text(left - 8 - Image::text_width(s), y - 5, s, kInk);
  }
  img.fill_rect(left, top, 1, ph + 1, kInk);
  img.fill_rect(left, top + ph, pw, 1, kInk);
  img.text((width - Image::text_width(title, 2)) / 2, 10, title, kInk, 2);
  std::string xl = x_label + (log_x ? " (log scale)" : "");
  std::string yl = y_label + (log_y ? " (log scale)" : "");
  img.text(left + (pw - Image::text_width(xl)) / 2, height - 24, xl, kInk);
  img.text(8, top - 16, yl, kInk);

  for (const Series& s : series) {
    bool have_prev = false;
    double x0 = 0, y0 = 0;
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!plottable(s.x[i], log_x) || !plottable(s.y[i], log_y)) {
        have_prev = false;
        continue;
      }
      double x1 = px(s.x[i]), y1 = py(s.y[i]);
      if (have_prev && s.line) img.line(x0, y0, x1, y1, s.color, 2);
      if (s.markers) img.fill_circle(x1, y1, 3, s.color);
      x0 = x1, y0 = y1, have_prev = true;
    }
  }
  // Legend: one row per named series in the top-right corner of the plot area.
  int row = 0;
  for (const Series& s : series) {
    if (s.name.empty()) continue;
    int y = top + 10 + 16 * row++;
    int x = left + pw - 16 - Image::text_width(s.name) - 26;
    if (s.line) img.fill_rect(x, y + 4, 20, 3, s.color);
    else img.fill_circle(x + 10, y + 5, 3, s.color);
    img.text(x + 26, y, s.name, kInk);
  }
  return img;
}

void LineChart::write_png(const std::string& path, int width, int height) const {
  render(width, height).write_png(path);
}

}  // namespace tg::util
