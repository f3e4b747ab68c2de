// Names and kinds of the ops in op_list.h, generated from the same list. op_name is the function
// a user calls (torch's spelling): the enum's CamelCase in snake_case (IndexSelect -> index_select),
// except where the scalar form of an op shares its tensor form's name (AddScalar -> add).
#include "autograd/op_list.h"

#include <array>
#include <cctype>
#include <cstring>
#include <string>

namespace tg {
namespace {

std::string snake_case(const char* camel) {
  static const char* const renamed[][2] = {{"AddScalar", "add"}, {"MulScalar", "mul"}, {"PowScalar", "pow"},
                                           {"LogSumExp", "logsumexp"}, {"ToDevice", "to"}};
  for (const auto& r : renamed)
    if (std::strcmp(camel, r[0]) == 0) return r[1];
  std::string out;
  for (const char* c = camel; *c; ++c) {
    if (std::isupper(static_cast<unsigned char>(*c)) && c != camel) out += '_';
    out += char(std::tolower(static_cast<unsigned char>(*c)));
  }
  return out;
}

}  // namespace

const char* op_name(Op op) {
#define TG_OP_NAME(name, kind) #name,
  static const char* camel[] = {TG_OPS(TG_OP_NAME) "AccumulateGrad"};
#undef TG_OP_NAME
  static const std::array<std::string, kNumOps + 1> names = [] {
    std::array<std::string, kNumOps + 1> n;
    for (int i = 0; i <= kNumOps; ++i) n[size_t(i)] = snake_case(camel[i]);
    return n;
  }();
  return names[size_t(op)].c_str();
}

OpKind op_kind(Op op) {
#define TG_OP_KIND(name, kind) OpKind::kind,
  static const OpKind kinds[] = {TG_OPS(TG_OP_KIND) OpKind::Primitive};
#undef TG_OP_KIND
  return kinds[int(op)];
}

}  // namespace tg
