// A small 8-bit RGB image for the examples' pictures (decision boundaries, sample grids, charts):
// set pixels, draw circles, rectangles, lines, greyscale tiles and text, and write it as a PNG.
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
  void fill_rect(int x, int y, int w, int h, Rgb c);
  // A line of the given width (pixels) from (x0, y0) to (x1, y1).
  void line(double x0, double y0, double x1, double y1, Rgb c, double width = 1);
  // A w x h greyscale picture with values in [0, 1] (row-major, 0 black, 1 white), each value
  // drawn as a scale x scale block with its top-left corner at (x, y).
  void draw_gray(int x, int y, const float* values, int w, int h, int scale = 1);
  // ASCII text in stb_easy_font's 6x12 pixel font magnified by `scale`, top-left at (x, y).
  void text(int x, int y, const std::string& s, Rgb c, int scale = 1);
  static int text_width(const std::string& s, int scale = 1);
  static int text_height(int scale = 1) { return 12 * scale; }
  // Throws tg::Error naming the path when the file cannot be written.
  void write_png(const std::string& path) const;

 private:
  int width_, height_;
  std::vector<uint8_t> pixels_;  // row-major, 3 bytes per pixel
};

// A picture of rows x cols greyscale tiles of tile x tile values in [0, 1] (tile t = r * cols + c
// starts at images[t * tile * tile]), each magnified by `scale`, under a title strip; as PNG.
void write_image_grid(const std::string& path, const std::string& title, const std::vector<float>& images, int rows,
                      int cols, int tile = 28, int scale = 3);

}  // namespace tg::util
