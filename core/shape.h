// Shapes, contiguous strides and NumPy broadcasting rules.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tg {

using Shape = std::vector<int64_t>;
constexpr int kMaxDims = 8;

// The element count; raises when the product leaves int64 (a shape no tensor can have).
int64_t numel(const Shape& s);
// The element count of a tensor about to be created by `op`, checked: no negative dims, and the
// count and its size in bytes (times `element_size`) fit in int64. The error names op and shape.
int64_t checked_numel(const Shape& s, size_t element_size, const char* op);
std::string shape_str(const Shape& s);  // "(2, 3)"
Shape contiguous_strides(const Shape& s);
// Normalises a possibly negative axis for a tensor of `ndim` dims; `op` names the caller in errors.
int64_t normalize_axis(int64_t axis, int64_t ndim, const char* op);
// Whether two shapes broadcast together under NumPy rules.
bool broadcastable(const Shape& a, const Shape& b);
// NumPy broadcasting of two shapes; throws naming `op` and both shapes when incompatible.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

// Strides that read a tensor of shape `in` as if it had the (broadcast) shape `out`:
// broadcast dimensions get stride 0. Returned with out.size() entries.
Shape broadcast_strides(const Shape& in, const Shape& out);

}  // namespace tg
