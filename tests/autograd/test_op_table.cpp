// The elementwise op table (core/elementwise.h), iterated: every differentiable entry is
// gradchecked to first and second order in f64 on inputs drawn from its domain (ggml's
// test-backend-ops in spirit), so a new table entry is tested without a new gradcheck case. Also:
// the generated names and enums agree, sin/cos values, and PyTorch's type promotion.
#include <cmath>

#include "autograd/op_list.h"
#include "test_util.h"

using namespace tg;
using In = std::vector<Tensor>;

namespace {

// f64 inputs where the op is smooth: Real is standard normal; AwayFromKinks keeps 0.2 from the
// kinks at 0, -0.5, 0.7 and 1.5.
Tensor sample(Domain d, uint64_t seed) {
  switch (d) {
    case Domain::Real: return test::leaf({2, 4}, seed);
    case Domain::Positive: return test::leaf_values({0.3, 1.2, 0.7, 2.5, 0.45, 1.9, 0.9, 3.1}, {2, 4});
    case Domain::AboveMinusOne: return test::leaf_values({-0.6, 1.2, -0.2, 2.5, 0.45, 0.1, -0.8, 3.1}, {2, 4});
    case Domain::AwayFromKinks: return test::leaf_values({-1.3, -0.25, 0.2, 0.95, 1.7, -2.1, 0.45, -0.75}, {2, 4});
  }
  return Tensor();
}

struct UnaryEntry {
  UnaryOp k;
  const char* name;
  OpKind kind;
  Domain domain;
};
const std::vector<UnaryEntry>& unary_entries() {
#define TG_ENTRY(Name, name, kind, accepts, math, saves, derivative, domain) \
  {UnaryOp::Name, #name, OpKind::kind, Domain::domain},
  static const std::vector<UnaryEntry> entries = {TG_UNARY_TABLE(TG_ENTRY)};
#undef TG_ENTRY
  return entries;
}
struct BinaryEntry {
  BinaryOp k;
  const char* name;
  OpKind kind;
};
const std::vector<BinaryEntry>& binary_entries() {
#define TG_ENTRY(Name, name, kind, ...) {BinaryOp::Name, #name, OpKind::kind},
  static const std::vector<BinaryEntry> entries = {TG_BINARY_TABLE(TG_ENTRY)};
#undef TG_ENTRY
  return entries;
}

// The table-driven cases below count as gradcheck coverage of every differentiable entry.
bool register_table_coverage() {
  for (const UnaryEntry& e : unary_entries())
    if (e.kind != OpKind::NoGrad) test::register_op_test(op_of(e.k), test::Check::Gradcheck);
  for (const BinaryEntry& e : binary_entries())
    if (e.kind != OpKind::NoGrad) test::register_op_test(op_of(e.k), test::Check::Gradcheck);
  return true;
}
const bool registered = register_table_coverage();

}  // namespace

TEST_CASE("op table: every differentiable unary entry passes gradcheck and gradgradcheck") {
  for (const UnaryEntry& e : unary_entries()) {
    if (e.kind == OpKind::NoGrad) continue;
    INFO(e.name);
    test::TableParams p = test::table_params(e.k);
    In in{sample(e.domain, 11)};
    auto fn = [k = e.k, p](const In& x) { return unary(k, x[0], p.p0, p.p1); };
    CHECK_GRADCHECK(fn, in);
    CHECK_GRADGRADCHECK(fn, in);
  }
}

TEST_CASE("op table: every differentiable binary entry passes gradcheck and gradgradcheck, broadcasting") {
  for (const BinaryEntry& e : binary_entries()) {
    if (e.kind == OpKind::NoGrad) continue;
    INFO(e.name);
    // positive and apart, so that div, pow and maximum/minimum are smooth at every point
    In in{test::leaf_values({0.3, 1.2, 0.7, 2.5, 0.45, 1.9}, {2, 3}), test::leaf_values({0.8, 1.6, 0.55}, {3})};
    auto fn = [k = e.k](const In& x) { return binary(k, x[0], x[1]); };
    CHECK_GRADCHECK(fn, in);
    CHECK_GRADGRADCHECK(fn, in);
  }
}

TEST_CASE("op table: the tape's op list names each entry by its user-facing function" * TG_CPU_ONLY) {
  CHECK(std::string(op_name(op_of(UnaryOp::LeakyRelu))) == "leaky_relu");
  CHECK(std::string(op_name(op_of(UnaryOp::GeluTanh))) == "gelu");
  CHECK(std::string(op_name(op_of(BinaryOp::Maximum))) == "maximum");
  CHECK(std::string(op_name(Op::IndexSelect)) == "index_select");
  for (const UnaryEntry& e : unary_entries()) CHECK(std::string(op_name(op_of(e.k))) == e.name);
  for (const BinaryEntry& e : binary_entries()) CHECK(op_kind(op_of(e.k)) == e.kind);
}

TG_OP_TEST(Sin, Value, "closed form") {
  Tensor x = tensor({0, M_PI / 6, M_PI / 2, -M_PI / 4, 3}, {}, {.dtype = DType::f64});
  CHECK_CLOSE(sin(x), {0, 0.5, 1, -M_SQRT1_2, 0.14112000805986721}, 1e-15, 1e-15);
}
TG_OP_TEST(Cos, Value, "closed form") {
  Tensor x = tensor({0, M_PI / 3, M_PI, -M_PI / 4, 3}, {}, {.dtype = DType::f64});
  CHECK_CLOSE(cos(x), {1, 0.5, -1, M_SQRT1_2, -0.98999249660044542}, 1e-15, 1e-15);
}
