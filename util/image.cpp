// RGB image drawing and PNG output through stb_image_write (see image.h).
#include "util/image.h"

#include <cmath>

#include "core/error.h"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC  // keep stb's symbols private to this file
#include <stb/stb_image_write.h>

namespace tg::util {

Rgb mix(Rgb a, Rgb b, double t) {
  auto lerp = [t](uint8_t x, uint8_t y) { return uint8_t(std::lround(x + t * (double(y) - double(x)))); };
  return {lerp(a.r, b.r), lerp(a.g, b.g), lerp(a.b, b.b)};
}

Image::Image(int width, int height, Rgb background) : width_(width), height_(height) {
  TG_CHECK(width > 0 && height > 0 && width <= 1 << 14 && height <= 1 << 14, "Image: bad size {}x{}", width, height);
  pixels_.resize(size_t(width) * size_t(height) * 3);
  for (size_t i = 0; i < pixels_.size(); i += 3) {
    pixels_[i] = background.r;
    pixels_[i + 1] = background.g;
    pixels_[i + 2] = background.b;
  }
}

void Image::set(int x, int y, Rgb c) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
  uint8_t* p = &pixels_[(size_t(y) * size_t(width_) + size_t(x)) * 3];
  p[0] = c.r;
  p[1] = c.g;
  p[2] = c.b;
}

// Every pixel whose centre lies within `radius` of (cx, cy).
void Image::fill_circle(double cx, double cy, double radius, Rgb c) {
  for (int y = int(std::floor(cy - radius)); y <= int(std::ceil(cy + radius)); ++y)
    for (int x = int(std::floor(cx - radius)); x <= int(std::ceil(cx + radius)); ++x)
      if (std::hypot(x + 0.5 - cx, y + 0.5 - cy) <= radius) set(x, y, c);
}

void Image::write_png(const std::string& path) const {
  int ok = stbi_write_png(path.c_str(), width_, height_, 3, pixels_.data(), width_ * 3);
  TG_CHECK(ok != 0, "write_png: could not write {} ({}x{} RGB)", path, width_, height_);
}

}  // namespace tg::util
