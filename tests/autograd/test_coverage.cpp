// The op list is the contract: every differentiable op (Primitive or Composite) has at least
// one gradcheck test and one forward-value test, every NoGrad op a value test. Adding an op to
// autograd/op_list.h without tests fails here; the static_assert makes the count explicit.
#include "test_util.h"

static_assert(tg::kNumOps == 80, "op added or removed: update this count and add its tests (TG_OP_TEST)");

TEST_CASE("every op in the op list has value and gradcheck tests") {
  using tg::test::Check;
  auto& registry = tg::test::op_tests();
  std::vector<std::string> missing;
  for (int i = 0; i < tg::kNumOps; ++i) {
    auto op = tg::Op(i);
    if (registry[{op, Check::Value}] == 0) missing.push_back(fmt::format("{} (value)", tg::op_name(op)));
    if (tg::op_kind(op) != tg::OpKind::NoGrad && registry[{op, Check::Gradcheck}] == 0)
      missing.push_back(fmt::format("{} (gradcheck)", tg::op_name(op)));
  }
  CHECK_MESSAGE(missing.empty(), "ops without tests: ", fmt::format("{}", fmt::join(missing, ", ")));
}
