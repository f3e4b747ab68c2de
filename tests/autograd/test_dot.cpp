// tg::to_dot: the DOT text of a small graph, exactly (ids in walk order, user-facing op names with
// their place on the tape, leaves named by the caller, what each backward saved).
#include "autograd/dot.h"
#include "autograd/node.h"
#include "test_util.h"

using namespace tg;

TEST_CASE("to_dot: the tape of sum(exp(a) * b) as Graphviz text" * TG_CPU_ONLY) {
  Tensor a = tensor({1, 2}, {}, {.requires_grad = true}), b = tensor({3, 4}, {}, {.requires_grad = true});
  Tensor e = exp(a);
  Tensor m = e * b;
  Tensor loss = sum(m);
  std::string expected = fmt::format(
      "digraph tape {{\n"
      "  rankdir=BT;\n"
      "  node [fontname=\"monospace\", fontsize=10];\n"
      "  n0 [shape=box, label=\"sum #{}\\nf32 ()\\nsaves: nothing\"];\n"
      "  n1 [shape=box, label=\"mul #{}\\nf32 (2,)\\nsaves: input 0, input 1\"];\n"
      "  n2 [shape=box, label=\"exp #{}\\nf32 (2,)\\nsaves: output\"];\n"
      "  n3 [shape=ellipse, label=\"leaf\\nf32 (2,)\"];\n"
      "  n4 [shape=ellipse, label=\"a\\nf32 (2,)\"];\n"
      "  n1 -> n0;\n"
      "  n2 -> n1;\n"
      "  n3 -> n1;\n"
      "  n4 -> n2;\n"
      "}}\n",
      loss.grad_fn()->seq, m.grad_fn()->seq, e.grad_fn()->seq);
  CHECK(to_dot({loss}, {{"a", a}}) == expected);
}

TEST_CASE("to_dot: a tensor off the tape gives an empty graph" * TG_CPU_ONLY) {
  CHECK(to_dot({tensor({1, 2})}) == "digraph tape {\n  rankdir=BT;\n  node [fontname=\"monospace\", fontsize=10];\n}\n");
}
