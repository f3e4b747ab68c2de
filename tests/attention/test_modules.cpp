// nn::MultiHeadAttention and nn::TransformerBlock: PyTorch's parameter names and values
// (tests/reference/make_attention_reference.py), the attention against the same computation
// written out with matmul and softmax, gradchecks, causality, and incremental
// decoding through a KVCache giving the outputs of one causal pass (one position at a time and in chunks).
#include <cmath>

#include "reference/attention_reference.h"
#include "test_util.h"

using namespace tg;

namespace {

std::vector<std::string> names(const nn::Module& m) {
  std::vector<std::string> out;
  for (auto& [name, p] : m.named_parameters()) out.push_back(name);
  return out;
}

// x (B, T, E) through the module all at once (causal), and again in pieces of the given sizes
// through a cache; the second result is the pieces' outputs concatenated along T.
template <class M>
std::pair<Tensor, Tensor> full_and_incremental(const M& m, const Tensor& x, const std::vector<int64_t>& pieces) {
  NoGradGuard no_grad;
  Tensor full = m(x, /*causal=*/true);
  nn::KVCache cache;
  std::vector<Tensor> outs;
  int64_t start = 0;
  for (int64_t n : pieces) {
    outs.push_back(m(slice(x, 1, start, start + n), true, &cache));
    start += n;
    CHECK(cache.length() == start);
  }
  return {full, cat(outs, 1)};
}

}  // namespace

TEST_CASE("MultiHeadAttention has PyTorch's parameters and computes softmax(q k^T / sqrt(D)) v per head") {
  Generator gen(1);
  nn::MultiHeadAttention mha(8, 2, true, gen);
  CHECK(names(mha) == std::vector<std::string>{"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"});
  CHECK(mha.in_proj_weight.shape() == Shape{24, 8});
  mha.to(DType::f64);
  nn::init::normal_(mha.in_proj_bias, gen);  // PyTorch starts biases at zero; make them count here
  nn::init::normal_(mha.out_proj->bias, gen);
  Tensor x = randn({2, 5, 8}, gen, {.dtype = DType::f64});

  // The same thing with plain ops: project, split heads, attend with an explicit mask, merge.
  const int64_t B = 2, T = 5, H = 2, D = 4;
  Tensor qkv = add(matmul(x, mha.in_proj_weight, false, true), mha.in_proj_bias);  // (B, T, 3E)
  auto head = [&](int64_t i) { return permute(reshape(slice(qkv, 2, i * 8, (i + 1) * 8), {B, T, H, D}), {0, 2, 1, 3}); };
  Tensor scores = mul(matmul(head(0), head(1), false, true), 1 / std::sqrt(double(D)));  // (B, H, T, T)
  std::vector<double> mask(T * T);
  for (int64_t i = 0; i < T; ++i)
    for (int64_t j = 0; j < T; ++j) mask[size_t(i * T + j)] = j <= i ? 0.0 : -INFINITY;
  for (bool causal : {false, true}) {
    Tensor s = causal ? add(scores, tensor(mask, {T, T}, {.dtype = DType::f64})) : scores;
    Tensor o = reshape(permute(matmul(softmax(s, -1), head(2)), {0, 2, 1, 3}), {B, T, 8});
    CHECK_CLOSE(mha(x, causal), mha.out_proj->forward(o), 1e-12, 1e-10);
    NoGradGuard no_grad;  // the decoding path: one (B T, 3E) product sliced, not three products
    CHECK_CLOSE(mha(x, causal), mha.out_proj->forward(o), 1e-12, 1e-10);
  }
}

TEST_CASE("MultiHeadAttention matches torch.nn.MultiheadAttention, full and causal, with gradients") {
  using namespace attention_ref;
  for (bool causal : {false, true}) {
    INFO((causal ? "causal" : "full"));
    nn::MultiHeadAttention mha(8, 2);
    mha.to(DType::f64);
    TensorOptions f64{.dtype = DType::f64};
    nn::copy_(mha.in_proj_weight, tensor(mha_in_proj_weight, {24, 8}, f64));
    nn::copy_(mha.in_proj_bias, tensor(mha_in_proj_bias, {24}, f64));
    nn::copy_(mha.out_proj->weight, tensor(mha_out_proj_weight, {8, 8}, f64));
    nn::copy_(mha.out_proj->bias, tensor(mha_out_proj_bias, {8}, f64));
    Tensor x = tensor(mha_x, {2, 5, 8}, {.dtype = DType::f64, .requires_grad = true});
    Tensor y = mha(x, causal);
    sum(mul(y, tensor(mha_c, {2, 5, 8}, f64))).backward();
    CHECK_CLOSE(y, causal ? mha_causal_y : mha_full_y, 1e-12, 1e-10);
    CHECK_CLOSE(x.grad(), causal ? mha_causal_dx : mha_full_dx, 1e-12, 1e-10);
    CHECK_CLOSE(mha.in_proj_weight.grad(), causal ? mha_causal_din_proj_weight : mha_full_din_proj_weight, 1e-12,
                1e-10);
  }
}

TEST_CASE("MultiHeadAttention gradchecks in its input and its parameters") {
  const std::string dev = test::device_name();
  Generator gen(2);
  nn::MultiHeadAttention mha(4, 2, true, gen);
  mha.to(DType::f64);
  CHECK_GRADCHECK([&mha](auto& in) { return mha(in[0], true); }, (std::vector<Tensor>{test::leaf({2, 3, 4}, 3)}));
  Tensor x = randn({1, 3, 4}, gen, {.dtype = DType::f64});
  CHECK_GRADCHECK(([&mha, x](auto&) { return mha(x); }), mha.parameters());
  CHECK_ERROR(mha(zeros({3, 4})), "MultiHeadAttention(4, 2)", "f32 (3, 4) " + dev);
  CHECK_ERROR(nn::MultiHeadAttention(6, 4), "MultiHeadAttention", "6", "4");
}

TEST_CASE("MultiHeadAttention with a KV cache decodes like one causal pass") {
  Generator gen(3);
  nn::MultiHeadAttention mha(16, 4, true, gen);
  Tensor x = randn({2, 9, 16}, gen);
  auto [full, one_by_one] = full_and_incremental(mha, x, std::vector<int64_t>(9, 1));
  CHECK_CLOSE(one_by_one, full, 1e-5, 1e-4);
  auto [full2, chunks] = full_and_incremental(mha, x, {3, 1, 5});
  CHECK_CLOSE(chunks, full2, 1e-5, 1e-4);
  nn::KVCache cache;
  mha(slice(x, 1, 0, 2), true, &cache);
  CHECK_ERROR(mha(zeros({1, 1, 16}), true, &cache), "MultiHeadAttention", "batch of 1");
}

TEST_CASE("TransformerBlock: pre-LayerNorm residual block, causal, decodes incrementally, gradchecks") {
  Generator gen(4);
  nn::TransformerBlock block(8, 2, 4, gen);
  CHECK(names(block) == std::vector<std::string>{"ln1.weight", "ln1.bias", "attn.in_proj_weight", "attn.in_proj_bias",
                                                 "attn.out_proj.weight", "attn.out_proj.bias", "ln2.weight",
                                                 "ln2.bias", "mlp.layers.0.weight", "mlp.layers.0.bias",
                                                 "mlp.layers.1.weight", "mlp.layers.1.bias"});
  CHECK(block.mlp->layers[0]->weight.shape() == Shape{32, 8});
  Tensor x = randn({2, 6, 8}, gen);
  Tensor y = block(x, true);
  CHECK(y.shape() == Shape{2, 6, 8});
  // Causal: changing the last position leaves every earlier output as it was.
  Tensor x2 = cat({slice(x, 1, 0, 5), randn({2, 1, 8}, gen)}, 1);
  CHECK_CLOSE(slice(block(x2, true), 1, 0, 5), slice(y, 1, 0, 5), 1e-6, 0);
  auto [full, pieces] = full_and_incremental(block, x, {2, 1, 3});
  CHECK_CLOSE(pieces, full, 1e-5, 1e-4);

  block.to(DType::f64);
  CHECK_GRADCHECK([&block](auto& in) { return block(in[0], true); }, (std::vector<Tensor>{test::leaf({1, 4, 8}, 5)}));
}
