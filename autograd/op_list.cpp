// Names and kinds of the ops in op_list.h, generated from the same list.
#include "autograd/op_list.h"

namespace tg {

const char* op_name(Op op) {
#define TG_OP_NAME(name, kind) #name,
  static const char* names[] = {TG_OPS(TG_OP_NAME) "AccumulateGrad"};
#undef TG_OP_NAME
  return names[int(op)];
}

OpKind op_kind(Op op) {
#define TG_OP_KIND(name, kind) OpKind::kind,
  static const OpKind kinds[] = {TG_OPS(TG_OP_KIND) OpKind::Primitive};
#undef TG_OP_KIND
  return kinds[int(op)];
}

}  // namespace tg
