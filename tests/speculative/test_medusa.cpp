// Medusa on tiny random GPTs: a tree pass gives every node the logits of a causal pass over its
// root-to-node path; greedy tree decoding reproduces the target's greedy output token for token;
// typical acceptance with a zero threshold accepts whole paths; a few steps of medusa_loss training
// lower it while the target stays frozen.
#include "models/medusa/medusa.h"
#include "nn/init.h"
#include "nn/optim.h"
#include "tiny_models.h"

using namespace tg;
using test::tiny_gpt;

TEST_CASE("medusa: a tree pass gives each node the logits of a causal pass over its root-to-node path") {
  auto target = tiny_gpt(8, 32, 2, 21);
  models::TokenTree tree = models::make_tree({{0}, {1}, {0, 0}, {0, 1}, {1, 0}, {0, 0, 0}});
  const std::vector<int64_t> prompt = {1, 3, 0, 2, 2, 1}, tokens = {5, 1, 2, 3, 4, 6, 7};
  NoGradGuard no_grad;
  models::GPTCache cache(target->config());
  const int64_t past = int64_t(prompt.size());
  target->hidden(test::token_row(prompt), &cache);
  std::vector<int64_t> positions = models::tree_positions(tree, past);
  Tensor h = target->hidden(test::token_row(tokens), &cache,
                            from_host<int64_t>(positions.data(), {7}, {.dtype = DType::i64}),
                            models::tree_attention_mask(tree, past, default_device()));
  Tensor tree_logits = target->logits(h);  // (1, 7, V)
  for (int64_t node = 0; node < tree.size(); ++node) {
    std::vector<int64_t> path;
    for (int64_t n = node; n >= 0; n = tree.parent[size_t(n)]) path.insert(path.begin(), tokens[size_t(n)]);
    std::vector<int64_t> seq = prompt;
    seq.insert(seq.end(), path.begin(), path.end());
    Tensor full = target->forward(test::token_row(seq));
    INFO("node ", node);
    CHECK(test::compare(slice(tree_logits, 1, node, node + 1), slice(full, 1, full.size(1) - 1, full.size(1)), 1e-5,
                        1e-4) == "");
  }
}

TEST_CASE("tree_attention_mask: the prefix is visible to every node, then the ancestor mask") {
  models::TokenTree tree = models::make_tree({{0}, {1}});  // root, (0), (1)
  Tensor mask = models::tree_attention_mask(tree, 2, default_device());
  CHECK(mask.shape() == Shape{3, 5});
  CHECK(test::compare(mask, {1, 1, 1, 0, 0,  //
                             1, 1, 1, 1, 0,  //
                             1, 1, 1, 0, 1}) == "");
}

TEST_CASE("medusa_generate: greedy decoding equals the target's greedy output, trees large and small") {
  // vocabulary 12 (mc_sim_7b_63 uses ranks up to 9), so that the heads' top-10 often hold the target's
  // token and long paths get accepted; a context of 128 holds the 64-node tree until the last steps
  auto target = tiny_gpt(12, 32, 2, 31, 128);
  Generator gen(32);
  models::MedusaHeads heads(32, 4, gen);
  for (auto& block : heads.blocks) nn::init::normal_(block->weight, gen, 0, 0.5);
  const std::vector<int64_t> prompt = {1, 3, 0, 2};
  std::vector<int64_t> want = test::greedy_text(*target, prompt, 45);
  for (int64_t n : {1, 8, 30, 63}) {
    models::MedusaOptions o;
    o.tree = models::make_tree(models::mc_sim_7b_63(n));
    models::Generation g = models::medusa_generate(*target, heads, prompt, 45, o, gen);
    INFO("tree of ", n, " choices");
    CHECK(g.tokens == want);
    CHECK(g.stats.accepted > 0);
    CHECK(g.stats.target_calls < 45);
  }
}

TEST_CASE("medusa_generate: typical acceptance with eps = 0 accepts a whole root-to-leaf path every step") {
  auto target = tiny_gpt(12, 32, 2, 41, 128);
  Generator gen(42);
  models::MedusaHeads heads(32, 3, gen);
  models::MedusaOptions o;
  o.tree = models::make_tree(models::full_tree_choices({2, 2, 2}));  // 15 nodes, depth 3
  o.acceptance = models::MedusaAcceptance::Typical;
  o.eps = 0;  // threshold min(0, ...) = 0: every candidate (p > 0) is accepted
  models::Generation g = models::medusa_generate(*target, heads, {1, 2, 3}, 41, o, gen);
  CHECK(g.tokens.size() == 41);
  // prefill gives the root; each pass then emits root + 3 accepted; the last token needs no pass
  CHECK(g.stats.target_calls == 10);
  CHECK(g.stats.accepted == 3 * g.stats.target_calls);
}

TEST_CASE("medusa_loss: Adam steps on the heads lower it; the frozen target gets no gradient") {
  auto target = tiny_gpt(12, 32, 2, 51);
  for (Tensor p : target->parameters()) p.requires_grad_(false);
  Generator gen(52);
  models::MedusaHeads heads(32, 2, gen);
  Tensor inputs = randint(0, 12, {4, 16}, gen), targets = randint(0, 12, {4, 16}, gen);
  nn::Adam opt(heads.parameters(), {.lr = 1e-2});
  double first = 0, last = 0;
  for (int step = 0; step < 30; ++step) {
    models::MedusaLoss l = models::medusa_loss(*target, heads, inputs, targets);
    (step == 0 ? first : last) = l.loss.item<double>();
    REQUIRE(l.accuracy.size() == 2);
    opt.zero_grad();
    l.loss.backward();
    opt.step();
  }
  CHECK(last < 0.9 * first);  // 4.51 -> 3.81 nats when written
  for (const Tensor& p : target->parameters()) CHECK(!p.grad().defined());
}

TEST_CASE("medusa_generate: a tree deeper than the heads, or ranks beyond the vocabulary, are errors") {
  auto target = tiny_gpt(8, 32, 2, 61);
  Generator gen(62);
  models::MedusaHeads two(32, 2, gen);
  models::MedusaOptions o;
  o.tree = models::make_tree(models::full_tree_choices({1, 1, 1}));
  CHECK(test::error_report([&] { models::medusa_generate(*target, two, {1, 2}, 5, o, gen); },
                           {"3 deep", "2 heads"}) == "");
  models::MedusaHeads four(32, 4, gen);
  o.tree = models::make_tree(models::mc_sim_7b_63(63));  // ranks up to 9, vocabulary 8
  CHECK(test::error_report([&] { models::medusa_generate(*target, four, {1, 2}, 5, o, gen); },
                           {"rank", "lists 8 tokens"}) == "");
}
