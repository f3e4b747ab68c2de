// RGB image drawing and PNG output through stb_image_write (see image.h).
#include "util/image.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC  // keep stb's symbols private to this file
#include <stb/stb_image_write.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"  // the header's helpers we do not call
#include <stb/stb_easy_font.h>
#pragma GCC diagnostic pop

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

void Image::fill_rect(int x, int y, int w, int h, Rgb c) {
  for (int yy = std::max(y, 0); yy < std::min(y + h, height_); ++yy)
    for (int xx = std::max(x, 0); xx < std::min(x + w, width_); ++xx) set(xx, yy, c);
}

// Stamps a disc of diameter `width` at steps of half a pixel along the segment.
void Image::line(double x0, double y0, double x1, double y1, Rgb c, double width) {
  int steps = std::max(1, int(std::ceil(2 * std::hypot(x1 - x0, y1 - y0))));
  for (int i = 0; i <= steps; ++i) {
    double t = double(i) / steps;
    fill_circle(x0 + t * (x1 - x0), y0 + t * (y1 - y0), std::max(width / 2, 0.5), c);
  }
}

void Image::draw_gray(int x, int y, const float* values, int w, int h, int scale) {
  for (int r = 0; r < h; ++r)
    for (int col = 0; col < w; ++col) {
      auto v = uint8_t(std::lround(255 * std::clamp(double(values[r * w + col]), 0.0, 1.0)));
      fill_rect(x + col * scale, y + r * scale, scale, scale, {v, v, v});
    }
}

// stb_easy_font turns text into axis-aligned quads (4 vertices of 16 bytes: x, y, z floats and
// an RGBA colour); each quad is filled as a rectangle, magnified by `scale`.
void Image::text(int x, int y, const std::string& s, Rgb c, int scale) {
  struct Vertex {
    float x, y, z;
    uint8_t rgba[4];
  };
  std::vector<Vertex> quads(s.size() * 4 * 40 + 4);
  std::string copy = s;
  int n = stb_easy_font_print(0, 0, copy.data(), nullptr, quads.data(), int(quads.size() * sizeof(Vertex)));
  for (int q = 0; q < n; ++q) {
    const Vertex& a = quads[size_t(q) * 4];
    const Vertex& b = quads[size_t(q) * 4 + 2];
    fill_rect(x + int(a.x) * scale, y + int(a.y) * scale, int(b.x - a.x) * scale, int(b.y - a.y) * scale, c);
  }
}

int Image::text_width(const std::string& s, int scale) {
  std::string copy = s;
  return stb_easy_font_width(copy.data()) * scale;
}

void Image::write_png(const std::string& path) const {
  int ok = stbi_write_png(path.c_str(), width_, height_, 3, pixels_.data(), width_ * 3);
  TG_CHECK(ok != 0, "write_png: could not write {} ({}x{} RGB)", path, width_, height_);
}

void write_image_grid(const std::string& path, const std::string& title, const std::vector<float>& images, int rows,
                      int cols, int tile, int scale) {
  TG_CHECK(images.size() >= size_t(rows) * cols * tile * tile,
           "write_image_grid: {} values are fewer than {} x {} tiles of {} x {}", images.size(), rows, cols, tile,
           tile);
  const int side = tile * scale, gap = 2, head = 28;
  Image img(cols * (side + gap) + gap, head + rows * (side + gap) + gap, {255, 255, 255});
  img.text(gap + 2, 8, title, {40, 40, 40});
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c)
      img.draw_gray(gap + c * (side + gap), head + r * (side + gap), &images[size_t(r * cols + c) * tile * tile],
                    tile, tile, scale);
  img.write_png(path);
}

}  // namespace tg::util
