// Shape helpers: sizes, strides, broadcasting.
#include "core/shape.h"

#include "core/error.h"

namespace tg {

int64_t numel(const Shape& s) {
  int64_t n = 1;
  bool overflow = false;
  for (int64_t d : s) overflow |= __builtin_mul_overflow(n, d, &n);
  if (overflow) {
    for (int64_t d : s)
      if (d == 0) return 0;  // a zero dim empties any shape
    fail("numel: shape {} has more elements than int64 holds", shape_str(s));
  }
  return n;
}

int64_t checked_numel(const Shape& s, size_t element_size, const char* op) {
  int64_t n = 1, bytes = 0;
  bool overflow = false;
  for (int64_t d : s) {
    TG_CHECK(d >= 0, "{}: negative dimension in shape {}", op, shape_str(s));
    overflow |= __builtin_mul_overflow(n, d, &n);
  }
  // a zero dim makes the count 0 whatever came before it, as in PyTorch
  for (int64_t d : s)
    if (d == 0) n = 0, overflow = false;
  TG_CHECK(!overflow, "{}: shape {} has more elements than int64 holds", op, shape_str(s));
  TG_CHECK(!__builtin_mul_overflow(n, int64_t(element_size), &bytes), "{}: shape {} needs {} elements of {} bytes, more "
           "bytes than int64 holds", op, shape_str(s), n, element_size);
  return n;
}

std::string shape_str(const Shape& s) {
  if (s.size() == 1) return fmt::format("({},)", s[0]);
  return fmt::format("({})", fmt::join(s, ", "));
}

Shape contiguous_strides(const Shape& s) {
  Shape st(s.size());
  int64_t acc = 1;
  for (size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

int64_t normalize_axis(int64_t axis, int64_t ndim, const char* op) {
  int64_t a = axis < 0 ? axis + ndim : axis;
  TG_CHECK(a >= 0 && a < ndim, "{}: axis {} is out of range for a tensor with {} dims", op, axis, ndim);
  return a;
}

bool broadcastable(const Shape& a, const Shape& b) {
  for (size_t i = 1; i <= std::min(a.size(), b.size()); ++i) {
    int64_t da = a[a.size() - i], db = b[b.size() - i];
    if (da != db && da != 1 && db != 1) return false;
  }
  return true;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    TG_CHECK(da == db || da == 1 || db == 1, "{}: shapes {} and {} cannot be broadcast together", op,
             shape_str(a), shape_str(b));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Shape broadcast_strides(const Shape& in, const Shape& out) {
  Shape st(out.size(), 0);
  Shape own = contiguous_strides(in);
  size_t lead = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i) st[lead + i] = in[i] == 1 ? 0 : own[i];
  return st;
}

}  // namespace tg
