// A small 8-bit RGB image for the examples' pictures (decision boundaries, sample grids):
// set pixels, draw filled circles, and write it as a PNG.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tg::util {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};
// a + t (b - a), t in [0, 1]
Rgb mix(Rgb a, Rgb b, double t);

class Image {
 public:
  Image(int width, int height, Rgb background = {255, 255, 255});
  int width() const { return width_; }
  int height() const { return height_; }
  // (x, y) from the top-left corner; pixels outside the image are ignored.
  void set(int x, int y, Rgb c);
  void fill_circle(double cx, double cy, double radius, Rgb c);
  // Throws tg::Error naming the path when the file cannot be written.
  void write_png(const std::string& path) const;

 private:
  int width_, height_;
  std::vector<uint8_t> pixels_;  // row-major, 3 bytes per pixel
};

}  // namespace tg::util
