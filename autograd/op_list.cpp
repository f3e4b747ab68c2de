// Names and kinds of the ops in op_list.h, generated from the same list.
#include "autograd/op_list.h"

namespace tg {

const char* op_name(Op op) {
#define TG_OP_NAME(Name, name, ...) #name,
  static const char* names[] = {TG_OPS(TG_OP_NAME) "accumulate_grad"};
#undef TG_OP_NAME
  return names[int(op)];
}

OpKind op_kind(Op op) {
#define TG_OP_KIND(Name, name, kind, ...) OpKind::kind,
  static const OpKind kinds[] = {TG_OPS(TG_OP_KIND) OpKind::Primitive};
#undef TG_OP_KIND
  return kinds[int(op)];
}

Op op_of(UnaryOp k) {
#define TG_UNARY_OP(Name, ...) Op::Name,
  static const Op ops[] = {TG_UNARY_TABLE(TG_UNARY_OP)};
#undef TG_UNARY_OP
  return ops[int(k)];
}

Op op_of(BinaryOp k) {
#define TG_BINARY_OP(Name, ...) Op::Name,
  static const Op ops[] = {TG_BINARY_TABLE(TG_BINARY_OP)};
#undef TG_BINARY_OP
  return ops[int(k)];
}

}  // namespace tg
