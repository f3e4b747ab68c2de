// The tape and the reverse pass (autograd/engine.h, node.h, grad_mode.h): accumulation into
// .grad, retain_graph, tg::grad with allow_unused, no_grad, zero_grad, leaves, a diamond graph,
// graphs freeing themselves, and second derivatives: a Hessian-vector product of a small MLP by
// double backward, checked against central differences of the gradient.
#include <cmath>

#include "autograd/node.h"
#include "test_util.h"

using namespace tg;
using tg::test::leaf;
using tg::test::leaf_values;

namespace {
TensorOptions f64{.dtype = DType::f64};
double value(const Tensor& t) { return t.item<double>(); }
}  // namespace

TEST_CASE("backward accumulates into leaves; twice without retain_graph raises") {
  Tensor x = leaf_values({2.0}, {});
  Tensor y = mul(mul(x, x), x);  // x^3, dy/dx = 3x^2 = 12
  y.backward(Tensor(), /*retain_graph=*/true);
  CHECK(value(x.grad()) == 12.0);
  y.backward();  // the graph was retained: runs again, and .grad accumulates
  CHECK(value(x.grad()) == 24.0);
  CHECK_THROWS_AS(y.backward(), Error);  // freed by the second (non-retaining) pass
}

TEST_CASE("backward from a leaf deposits the seed gradient into it") {
  Tensor x = leaf_values({4.0}, {});
  x.backward();
  CHECK(value(x.grad()) == 1.0);
}

TEST_CASE("backward from a non-scalar needs a gradient of its shape") {
  Tensor x = leaf_values({1, 2, 3});
  Tensor y = mul(x, x);
  y.backward(tensor({1, 0, -1}, {}, f64));
  CHECK_CLOSE(x.grad(), {2, 0, -6});
}

TEST_CASE("tg::grad returns gradients without touching .grad; allow_unused") {
  Tensor x = leaf_values({3.0}, {}), z = leaf_values({1.0}, {});
  Tensor y = mul(x, x);
  CHECK_THROWS_AS(grad({y}, {x, z}, {.retain_graph = true}), Error);  // z is not used
  std::vector<Tensor> g = grad({y}, {x, z}, {.allow_unused = true});
  CHECK(value(g[0]) == 6.0);
  CHECK(!g[1].defined());
  CHECK(!x.grad().defined());
  // gradient with respect to an intermediate (non-leaf) tensor
  Tensor a = leaf_values({2.0}, {});
  Tensor b = mul(a, 3.0), c = square(b);  // dc/db = 2b = 12
  CHECK(value(grad({c}, {b})[0]) == 12.0);
}

TEST_CASE("no_grad stops recording and restores the previous mode") {
  Tensor x = leaf_values({1, 2});
  {
    NoGradGuard guard;
    Tensor y = mul(x, 2.0);
    CHECK(!y.requires_grad());
    CHECK(y.is_leaf());
    {
      NoGradGuard nested;
    }
    CHECK(!GradMode::enabled());  // the nested guard restored "off", not "on"
  }
  CHECK(GradMode::enabled());
  Tensor y = mul(x, 2.0);
  CHECK(y.requires_grad());
  CHECK(y.grad_fn()->op == Op::MulScalar);
}

TEST_CASE("zero_grad clears accumulated gradients") {
  Tensor x = leaf_values({1.5}, {});
  mul(x, 4.0).backward();
  CHECK(value(x.grad()) == 4.0);
  x.zero_grad();
  CHECK(!x.grad().defined());
  mul(x, 5.0).backward();
  CHECK(value(x.grad()) == 5.0);
}

TEST_CASE("leaves and non-leaves; requires_grad_ only on floating leaves") {
  Tensor x = leaf_values({1, 2});
  Tensor y = mul(x, 3.0);
  CHECK(x.is_leaf());
  CHECK(!y.is_leaf());
  CHECK(y.requires_grad());
  sum(y).backward();
  CHECK(x.grad().defined());
  CHECK(!y.grad().defined());  // as in PyTorch, non-leaves do not keep .grad
  CHECK_THROWS_AS(y.requires_grad_(false), Error);
  Tensor d = y.detach();
  CHECK(d.is_leaf());
  CHECK(!d.requires_grad());
  CHECK(d.data() == y.data());  // same storage
  CHECK_THROWS_AS(zeros({2}, {.dtype = DType::i64}).requires_grad_(), Error);
  CHECK_THROWS_AS(zeros({2}, {.dtype = DType::i32}).requires_grad_(), Error);
  CHECK(!add(x.detach(), 1.0).requires_grad());  // inputs that do not require grad record nothing
}

TEST_CASE("diamond: gradients arriving by two paths are summed") {
  // a = x^2 and b = x^3 both use x; y = a * b + a = x^5 + x^2, dy/dx = 5x^4 + 2x
  Tensor x = leaf_values({1.5}, {});
  Tensor a = square(x), b = mul(a, x);
  Tensor y = add(mul(a, b), a);
  y.backward();
  CHECK(value(x.grad()) == doctest::Approx(5 * std::pow(1.5, 4) + 3.0).epsilon(1e-14));
}

TEST_CASE("graphs free themselves when their tensors go away") {
  Tensor x = leaf_values({1, 2});
  std::weak_ptr<Node> node;
  {
    Tensor y = exp(x);
    node = y.grad_fn();
    CHECK(!node.expired());
  }
  CHECK(node.expired());
}

TEST_CASE("create_graph: second derivative of a scalar function") {
  Tensor x = leaf_values({1.5}, {});
  Tensor y = mul(exp(x), x);  // y' = e^x (1 + x), y'' = e^x (2 + x)
  Tensor dy = grad({y}, {x}, {.create_graph = true})[0];
  CHECK(dy.requires_grad());
  Tensor d2y = grad({dy}, {x})[0];
  CHECK(value(dy) == doctest::Approx(std::exp(1.5) * 2.5).epsilon(1e-14));
  CHECK(value(d2y) == doctest::Approx(std::exp(1.5) * 3.5).epsilon(1e-14));
  // backward(create_graph) leaves a .grad that is itself differentiable
  Tensor z = leaf_values({2.0}, {});
  pow(z, 3.0).backward(Tensor(), false, /*create_graph=*/true);
  CHECK(z.grad().requires_grad());
  CHECK(value(grad({z.grad()}, {z})[0]) == 12.0);  // d(3z^2)/dz = 6z
}

namespace {

// f(W1, W2) = sum(tanh(tanh(X W1 + b1) W2 + b2)) for fixed X (5, 3), b1 (4,), b2 (2,):
// a two-layer tanh MLP, every piece a tapegrad op.
struct Mlp {
  Tensor X = leaf({5, 3}, 100).detach(), b1 = leaf({4}, 101).detach(), b2 = leaf({2}, 102).detach();
  Tensor f(const Tensor& W1, const Tensor& W2) const {
    return sum(tanh(add(matmul(tanh(add(matmul(X, W1), b1)), W2), b2)));
  }
  // the gradient at (W1, W2), flattened into one vector
  std::vector<double> gradient(const Tensor& W1, const Tensor& W2) const {
    Tensor w1 = W1.detach().clone().requires_grad_(), w2 = W2.detach().clone().requires_grad_();
    std::vector<Tensor> g = grad({f(w1, w2)}, {w1, w2});
    std::vector<double> out = g[0].to_vector<double>(), g2 = g[1].to_vector<double>();
    out.insert(out.end(), g2.begin(), g2.end());
    return out;
  }
};

}  // namespace

// Hv by double backward: g = grad f (create_graph), then Hv = grad (g . v). Reference: central
// differences of the gradient, (grad f(w + eps v) - grad f(w - eps v)) / (2 eps), whose error is
// O(eps^2) ~ 1e-8 (truncation) + O(1e-16 / eps) ~ 1e-12 (rounding) at eps = 1e-4.
TEST_CASE("Hessian-vector product of a tanh MLP by double backward matches finite differences") {
  Mlp mlp;
  Tensor W1 = leaf({3, 4}, 1, 0.5), W2 = leaf({4, 2}, 2, 0.5);
  Tensor v1 = leaf({3, 4}, 3).detach(), v2 = leaf({4, 2}, 4).detach();

  std::vector<Tensor> g = grad({mlp.f(W1, W2)}, {W1, W2}, {.create_graph = true});
  Tensor gv = add(sum(mul(g[0], v1)), sum(mul(g[1], v2)));
  std::vector<Tensor> hv = grad({gv}, {W1, W2});
  std::vector<double> hvp = hv[0].to_vector<double>(), h2 = hv[1].to_vector<double>();
  hvp.insert(hvp.end(), h2.begin(), h2.end());

  const double eps = 1e-4;
  std::vector<double> plus = mlp.gradient(add(W1, mul(v1, eps)), add(W2, mul(v2, eps)));
  std::vector<double> minus = mlp.gradient(add(W1, mul(v1, -eps)), add(W2, mul(v2, -eps)));
  std::vector<double> fd(plus.size());
  for (size_t i = 0; i < fd.size(); ++i) fd[i] = (plus[i] - minus[i]) / (2 * eps);
  CHECK_CLOSE(hvp, fd, 1e-7, 1e-6);

  double norm = 0;
  for (double h : hvp) norm += h * h;
  CHECK(std::sqrt(norm) > 0.1);  // a real curvature signal, not a vanishing one
}

TEST_CASE("post-accumulate-grad hooks fire once per backward, as soon as the gradient is final") {
  // h_k = tanh(w_k h_{k-1}) for k = 1..4, then loss = sum(w_1 h_4): w_1 is used by the first and the
  // last op, so its gradient is complete only at the end; w_4, w_3, w_2 are final in that order.
  std::vector<Tensor> w;
  for (int k = 0; k < 4; ++k) w.push_back(leaf({3}, 10 + uint64_t(k)));
  Tensor x = leaf({3}, 20);
  std::vector<std::string> fired;
  std::vector<Tensor> at_hook(4);
  for (int k = 0; k < 4; ++k)
    register_post_accumulate_grad_hook(w[size_t(k)], [&fired, &at_hook, k](const Tensor& leaf) {
      fired.push_back(fmt::format("w{}", k + 1));
      at_hook[size_t(k)] = leaf.grad().clone();
      CHECK(!Tensor(leaf).grad_fn());
    });
  auto loss_of = [&] {
    Tensor h = x;
    for (const Tensor& wk : w) h = tanh(mul(wk, h));
    return sum(mul(w[0], h));
  };
  std::vector<Tensor> want = grad({loss_of()}, w);  // tg::grad leaves .grad alone: no hook fires
  CHECK(fired.empty());

  loss_of().backward();
  CHECK(fired == std::vector<std::string>{"w4", "w3", "w2", "w1"});
  // x has no hook and runs last as before; every hook saw its final gradient
  CHECK(x.grad().defined());
  for (int k = 0; k < 4; ++k) CHECK(test::compare(at_hook[size_t(k)], want[size_t(k)].to_vector<double>()) == "");

  // the second backward fires each hook again, with the accumulated .grad
  loss_of().backward();
  CHECK(fired.size() == 8);
  CHECK(test::compare(at_hook[0], mul(want[0], 2.0).to_vector<double>()) == "");

  CHECK(test::error_report([&] { register_post_accumulate_grad_hook(mul(w[0], 2.0), [](const Tensor&) {}); },
                           {"register_post_accumulate_grad_hook", "is not a leaf that requires grad"}) == "");
}

TEST_CASE("a hooked leaf scheduled by another graph's op still gets its whole gradient") {
  // Graph A uses w at two ops; graph B, recorded later, uses w too. B's backward runs w's node and
  // resets its schedule, so A's backward schedules w by an op recorded after A's: w's node runs
  // after the first of A's two deposits, then again with the second. .grad gets the whole sum.
  Tensor w = leaf_values({1.5}, {});
  int fired = 0;
  register_post_accumulate_grad_hook(w, [&fired](const Tensor&) { ++fired; });
  Tensor a = add(mul(w, 2.0), exp(mul(w, 3.0)));  // dA/dw = 2 + 3 e^{3w}
  Tensor b = mul(w, 5.0);
  b.backward();
  CHECK(value(w.grad()) == 5.0);
  Tensor c = mul(w, 7.0);  // recorded after A: now w's first consumer
  w.zero_grad();
  a.backward();
  CHECK(value(w.grad()) == doctest::Approx(2 + 3 * std::exp(4.5)).epsilon(1e-12));
  CHECK(fired == 3);  // once for B, twice for A
  CHECK(c.requires_grad());
}
