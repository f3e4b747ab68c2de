// models/gpt: shapes and parameter counts, KV-cache decoding (one token at a time, in chunks, after
// truncate() and keep()) against full recomputation, explicit masks and positions (a candidate
// tree) against the paths they stand for, and save/load with the config in the metadata.
#include <cstdio>

#include "autograd/ops.h"
#include "models/gpt/gpt.h"
#include "nn/checkpoint.h"
#include "nn/kv_cache.h"
#include "nn/safetensors.h"
#include "test_util.h"

using namespace tg;
using models::GPT;
using models::GPTCache;
using models::GPTConfig;

namespace {
const GPTConfig kTiny{.vocab = 32, .context = 16, .embed = 16, .layers = 2, .heads = 2};

Tensor tokens_of(const std::vector<int64_t>& t) {
  return tensor(std::vector<double>(t.begin(), t.end()), {1, int64_t(t.size())}, {.dtype = DType::i64});
}

// Logits (T, V) of one full causal pass over the sequence, without a cache.
Tensor full_logits(const GPT& m, const std::vector<int64_t>& seq) {
  return reshape(m(tokens_of(seq)), {int64_t(seq.size()), m.config().vocab});
}

// Logits of the tokens fed through the cache, (T, V).
Tensor step(const GPT& m, GPTCache& cache, const std::vector<int64_t>& t) {
  return reshape(m(tokens_of(t), &cache), {int64_t(t.size()), m.config().vocab});
}

Tensor rows(const Tensor& x, int64_t from, int64_t to) { return slice(x, 0, from, to); }
}  // namespace

TEST_CASE("GPT: shapes, tied head, parameter counts of the presets") {
  Generator gen(1);
  GPT m(kTiny, gen);
  Tensor x = tokens_of({1, 2, 3, 4, 5});
  CHECK(m.hidden(x).shape() == Shape{1, 5, 16});
  CHECK(m(x).shape() == Shape{1, 5, 32});
  CHECK(m.embed_tokens(x).shape() == Shape{1, 5, 16});
  // tied: 2 embeddings + per block (4 E^2 attention + 8 E^2 MLP + 2 E norms) + E final norm
  CHECK(m.num_parameters() == 32 * 16 + 16 * 16 + 2 * (12 * 16 * 16 + 2 * 16) + 16);
  CHECK(GPT(GPTConfig::target(), gen).num_parameters() == 4852992);
  CHECK(GPT(GPTConfig::draft(), gen).num_parameters() == 459392);
  NoGradGuard no_grad;
  // the head is h E^T
  Tensor h = m.hidden(x);
  CHECK_CLOSE(m.logits(h), matmul(h, m.tok_emb->weight, false, true), 1e-6, 1e-5);
}

TEST_CASE("GPT: KV-cache decoding, with truncation, matches full recomputation") {
  Generator gen(2);
  GPT m(kTiny, gen);
  NoGradGuard no_grad;
  const std::vector<int64_t> seq{3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
  Tensor full = full_logits(m, seq);
  GPTCache cache(kTiny);
  CHECK(cache.layer(0).capacity() == 16);
  // a prompt of 4 in one pass, then one token at a time
  CHECK_CLOSE(step(m, cache, {3, 1, 4, 1}), rows(full, 0, 4), 1e-5, 1e-4);
  for (int64_t i = 4; i < 10; ++i) CHECK_CLOSE(step(m, cache, {seq[size_t(i)]}), rows(full, i, i + 1), 1e-5, 1e-4);
  CHECK(cache.length() == 10);
  const void* storage = cache.layer(0).key_storage().data();
  // reject the last 4 (as after a speculative step), continue with other tokens
  cache.truncate(6);
  CHECK(cache.length() == 6);
  const std::vector<int64_t> other{3, 1, 4, 1, 5, 9, 7, 7, 0, 12, 8};
  Tensor full2 = full_logits(m, other);
  CHECK_CLOSE(step(m, cache, {7, 7, 0}), rows(full2, 6, 9), 1e-5, 1e-4);
  CHECK_CLOSE(step(m, cache, {12}), rows(full2, 9, 10), 1e-5, 1e-4);
  CHECK_CLOSE(step(m, cache, {8}), rows(full2, 10, 11), 1e-5, 1e-4);
  CHECK(cache.layer(0).key_storage().data() == storage);  // preallocated: never reallocated nor copied
  cache.clear();
  CHECK_CLOSE(step(m, cache, {3, 1}), rows(full, 0, 2), 1e-5, 1e-4);
  CHECK_ERROR(cache.truncate(3), "KVCache::truncate", "length 3", "[0, 2]");
  // beyond the context
  GPTCache full_cache(kTiny);
  step(m, full_cache, std::vector<int64_t>(16, 1));
  CHECK_ERROR(step(m, full_cache, {1}), "GPT", "16 cached + 1", "context of 16");
}

TEST_CASE("GPT: a tree of candidates in one pass (positions + mask) gives each path's logits; keep() compacts") {
  Generator gen(3);
  GPT m(kTiny, gen);
  NoGradGuard no_grad;
  const std::vector<int64_t> prefix{5, 6, 7};
  // Tree after the prefix: node 0 = 10 (depth 0), nodes 1 = 11 and 2 = 12 its children (depth 1),
  // node 3 = 13 child of node 2 (depth 2). Node i sees the prefix and its ancestors.
  const std::vector<int64_t> nodes{10, 11, 12, 13};
  const std::vector<double> pos{3, 4, 4, 5};
  const std::vector<std::vector<int>> sees{{0}, {0, 1}, {0, 2}, {0, 2, 3}};
  std::vector<double> mask(4 * 7, 0.0);
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 3; ++j) mask[size_t(i * 7 + j)] = 1;
    for (int a : sees[size_t(i)]) mask[size_t(i * 7 + 3 + a)] = 1;
  }
  GPTCache cache(kTiny);
  step(m, cache, prefix);
  Tensor tree = reshape(m.logits(m.hidden(tokens_of(nodes), &cache, tensor(pos, {4}, {.dtype = DType::i64}),
                                          tensor(mask, {4, 7}))),
                        {4, 32});
  CHECK(cache.length() == 7);
  Tensor path = full_logits(m, {5, 6, 7, 10, 12, 13});  // the path through nodes 0, 2, 3
  CHECK_CLOSE(rows(tree, 0, 1), rows(path, 3, 4), 1e-5, 1e-4);
  CHECK_CLOSE(rows(tree, 2, 4), rows(path, 4, 6), 1e-5, 1e-4);
  CHECK_CLOSE(rows(tree, 1, 2), rows(full_logits(m, {5, 6, 7, 10, 11}), 4, 5), 1e-5, 1e-4);
  // accept the path 0, 2, 3: keep cache rows 3, 5, 6; decoding then continues as if the path had
  // been fed one token at a time
  cache.keep(3, {3, 5, 6});
  CHECK(cache.length() == 6);
  Tensor next = step(m, cache, {9});
  CHECK_CLOSE(next, rows(full_logits(m, {5, 6, 7, 10, 12, 13, 9}), 6, 7), 1e-5, 1e-4);
  CHECK_ERROR(cache.keep(2, {5, 4}), "KVCache::keep", "positions must increase");
  CHECK_ERROR(m.hidden(tokens_of({1, 2}), &cache, {}, zeros({2, 3})), "attn_mask", "(2, 9)");
}

TEST_CASE("KVCache: append grows by doubling without a capacity; keeps values exactly") {
  nn::KVCache c;
  Tensor k = arange(0.0, 2.0 * 70 * 2, 1.0), v = arange(1000.0, 1000.0 + 2.0 * 70 * 2, 1.0);
  k = reshape(k, {1, 2, 70, 2});
  v = reshape(v, {1, 2, 70, 2});
  c.append(slice(k, 2, 0, 60), slice(v, 2, 0, 60));
  CHECK(c.capacity() == 64);
  c.append(slice(k, 2, 60, 70), slice(v, 2, 60, 70));
  CHECK(c.capacity() == 128);
  CHECK(c.length() == 70);
  CHECK(c.keys().to_vector<double>() == k.to_vector<double>());
  CHECK(c.values().to_vector<double>() == v.to_vector<double>());
  CHECK_ERROR(c.append(zeros({2, 2, 1, 2}), zeros({2, 2, 1, 2})), "KVCache::append", "batch of 2");
}

TEST_CASE("save_gpt / load_gpt: the config travels in the metadata") {
  Generator gen(4);
  GPT m(kTiny, gen);
  const std::string path = "test_gpt_roundtrip.safetensors";
  models::save_gpt(path, m, {{"note", "tiny"}});
  auto loaded = models::load_gpt(path);
  CHECK(loaded->config() == kTiny);
  NoGradGuard no_grad;
  Tensor x = tokens_of({1, 2, 3});
  CHECK(test::bitwise_equal((*loaded)(x), m(x)));
  CHECK(load_safetensors(path).metadata.at("note") == "tiny");
  // a training checkpoint with the config in its metadata loads as well
  nn::Adam opt(m.parameters(), {});
  nn::save_checkpoint(path, m, opt, kTiny.metadata());
  CHECK(test::bitwise_equal((*models::load_gpt(path))(x), m(x)));
  save_safetensors(path, {{"x", zeros({1})}}, {{"gpt.vocab", "32"}});
  CHECK_ERROR(models::load_gpt(path), "load_gpt", path, "'gpt.context'");
  save_safetensors(path, {{"x", zeros({1})}},
                   {{"gpt.vocab", "many"}, {"gpt.context", "1"}, {"gpt.embed", "1"}, {"gpt.layers", "1"},
                    {"gpt.heads", "1"}});
  CHECK_ERROR(models::load_gpt(path), "'gpt.vocab' = 'many'");
  std::remove(path.c_str());
}
