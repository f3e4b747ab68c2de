// PyTorch-style printing: nested brackets, at most 6 values per dim (first and last 3),
// then the dtype, shape and device.
#include <fmt/format.h>

#include "core/tensor.h"

namespace tg {
namespace {

void print_dim(std::string& out, const std::vector<double>& v, const Shape& shape, const Shape& strides,
               size_t d, int64_t base, bool integral) {
  if (shape.empty()) {
    out += integral ? fmt::format("{}", int64_t(v[0])) : fmt::format("{:.4f}", v[0]);
    return;
  }
  out += '[';
  int64_t n = shape[d];
  for (int64_t i = 0; i < n; ++i) {
    if (n > 6 && i == 3) {
      out += "..., ";
      i = n - 3;
    }
    int64_t at = base + i * strides[d];
    if (d + 1 == shape.size())
      out += integral ? fmt::format("{}", int64_t(v[size_t(at)])) : fmt::format("{:.4f}", v[size_t(at)]);
    else
      print_dim(out, v, shape, strides, d + 1, at, integral);
    if (i + 1 < n) out += d + 1 == shape.size() ? ", " : ",\n" + std::string(d + 1, ' ');
  }
  out += ']';
}

}  // namespace
}  // namespace tg

fmt::format_context::iterator fmt::formatter<tg::Tensor>::format(const tg::Tensor& t,
                                                                  fmt::format_context& ctx) const {
  if (header_only || !t.defined()) return fmt::format_to(ctx.out(), "{}", tg::describe(t));
  std::string body = "tensor(";
  tg::print_dim(body, t.to_vector<double>(), t.shape(), tg::contiguous_strides(t.shape()), 0, 0,
                !tg::is_floating(t.dtype()));
  return fmt::format_to(ctx.out(), "{}, {})", body, tg::describe(t));
}
