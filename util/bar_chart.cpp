// Bar chart drawing (see bar_chart.h): a y axis from 0 to the largest value with about five
// ticks, bars with their values, category labels, and the reference level.
#include "util/bar_chart.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"

namespace tg::util {

Image BarChart::render(int width, int height) const {
  TG_CHECK(!values.empty() && labels.size() == values.size(), "BarChart '{}': needs one label per value, got {} "
           "labels and {} values", title, labels.size(), values.size());
  double top_value = std::isfinite(reference) ? reference : 0;
  for (double v : values) {
    TG_CHECK(std::isfinite(v) && v >= 0, "BarChart '{}': values must be finite and >= 0, got {}", title, v);
    top_value = std::max(top_value, v);
  }
  // ticks at 1, 2 or 5 x 10^k, about five of them; the axis ends at the first tick above the data
  double raw = std::max(top_value, 1e-12) / 5, mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = raw <= mag ? mag : raw <= 2 * mag ? 2 * mag : raw <= 5 * mag ? 5 * mag : 10 * mag;
  double y_max = step * std::ceil(top_value * 1.08 / step);

  const Rgb ink{40, 40, 40}, grid{225, 225, 225};
  Image img(width, height);
  const int left = 80, right = 20, top = 48, bottom = 56;
  const int pw = width - left - right, ph = height - top - bottom;
  auto py = [&](double v) { return int(std::lround(top + (1 - v / y_max) * ph)); };
  for (double t = 0; t <= y_max + 1e-9 * step; t += step) {
    img.fill_rect(left, py(t), pw, 1, grid);
    std::string s = fmt::format("{:g}", t);
    img.text(left - 8 - Image::text_width(s), py(t) - 5, s, ink);
  }
  const double slot = double(pw) / double(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    int x = int(left + slot * double(i) + slot * 0.15), w = std::max(1, int(slot * 0.7));
    img.fill_rect(x, py(values[i]), w, top + ph - py(values[i]), color);
    std::string v = fmt::format("{:.3g}", values[i]);
    img.text(x + (w - Image::text_width(v)) / 2, py(values[i]) - 14, v, ink);
    img.text(x + (w - Image::text_width(labels[i])) / 2, top + ph + 8, labels[i], ink);
  }
  if (std::isfinite(reference)) {
    for (int x = left; x < left + pw; x += 12) img.fill_rect(x, py(reference), 6, 2, {214, 39, 40});
    img.text(left + pw - Image::text_width(reference_label) - 4, py(reference) - 14, reference_label, {214, 39, 40});
  }
  img.fill_rect(left, top, 1, ph + 1, ink);
  img.fill_rect(left, top + ph, pw, 1, ink);
  img.text((width - Image::text_width(title, 2)) / 2, 10, title, ink, 2);
  img.text(8, top - 16, y_label, ink);
  return img;
}

void BarChart::write_png(const std::string& path, int width, int height) const { render(width, height).write_png(path); }

}  // namespace tg::util
