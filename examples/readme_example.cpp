// The code example from README.md, built with the other examples so the README cannot drift from
// the API: a tanh layer, a squared-error loss, backward, the gradients printed, and the tape written
// to graph.dot (and graph.svg where Graphviz is installed) in the current folder. No options.
#include <fmt/format.h>

#include "tapegrad.h"

int main() {
  using namespace tg;
  // One tanh layer on a batch of two inputs, and a squared-error loss.
  Tensor x = tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor w = tensor({0.1, -0.2, 0.3, 0.4, -0.5, 0.6}, {3, 2}, {.requires_grad = true});
  Tensor b = zeros({2}, {.requires_grad = true});
  Tensor target = tensor({1, 0, 0, 1}, {2, 2});

  Tensor y = tanh(matmul(x, w) + b);  // (2, 3) @ (3, 2) + (2,) broadcasts to (2, 2)
  Tensor loss = mean(square(y - target));
  loss.backward();  // walks the tape back, fills w.grad() and b.grad()

  fmt::print("loss = {:.4f}\n", loss.item());
  fmt::print("dloss/dw =\n{}\n", w.grad());
  fmt::print("dloss/db =\n{}\n", b.grad());
  write_graph("graph.dot", {loss}, {{"w", w}, {"b", b}});  // the tape as a picture (graph.svg with Graphviz)
}
