// Medusa's token tree: the attention mask lets each node see exactly itself and its ancestors
// (against a mask written by hand), positions are past + depth, paths run root to leaf, and node
// tokens come from the heads' top-k lists.
#include "models/medusa/tree.h"
#include "test_util.h"

using namespace tg;

namespace {
// choices in a scrambled order; sorted by depth they are nodes 1..6: (0) (1) (0,0) (0,1) (1,0) (0,0,0)
models::TokenTree small_tree() { return models::make_tree({{0, 0}, {1}, {0, 0, 0}, {0}, {1, 0}, {0, 1}}); }
}  // namespace

TEST_CASE("tree_mask: each node sees exactly itself and its ancestors (hand-built mask)") {
  models::TokenTree tree = small_tree();
  REQUIRE(tree.size() == 7);
  CHECK(tree.parent == std::vector<int64_t>{-1, 0, 0, 1, 1, 2, 3});
  // node:                 0  1  2  3  4  5  6
  std::vector<uint8_t> hand = {1, 0, 0, 0, 0, 0, 0,   // 0 root
                               1, 1, 0, 0, 0, 0, 0,   // 1 (0)
                               1, 0, 1, 0, 0, 0, 0,   // 2 (1)
                               1, 1, 0, 1, 0, 0, 0,   // 3 (0,0)
                               1, 1, 0, 0, 1, 0, 0,   // 4 (0,1)
                               1, 0, 1, 0, 0, 1, 0,   // 5 (1,0)
                               1, 1, 0, 1, 0, 0, 1};  // 6 (0,0,0)
  CHECK(models::tree_mask(tree) == hand);
}

TEST_CASE("tree_positions, paths and tokens") {
  models::TokenTree tree = small_tree();
  CHECK(models::tree_positions(tree, 10) == std::vector<int64_t>{10, 11, 11, 12, 12, 12, 13});
  CHECK(tree.paths == std::vector<std::vector<int64_t>>{{0, 1, 4}, {0, 2, 5}, {0, 1, 3, 6}});
  CHECK(tree.max_depth() == 3);
  std::vector<std::vector<int64_t>> topk = {{50, 51}, {60, 61}, {70}};
  CHECK(models::tree_tokens(tree, 9, topk) == std::vector<int64_t>{9, 50, 51, 60, 61, 60, 70});
  CHECK(test::error_report([&] { models::tree_tokens(tree, 9, {{50, 51}, {60}, {70}}); },
                           {"choice (0, 1)", "rank 1 of head 2", "lists 1 tokens"}) == "");
}

TEST_CASE("make_tree: every cut of mc_sim_7b_63 is a tree; a choice without its parent is an error") {
  for (int64_t n = 1; n <= 63; ++n) CHECK_NOTHROW(models::make_tree(models::mc_sim_7b_63(n)));
  CHECK(models::make_tree(models::mc_sim_7b_63()).max_depth() == 4);
  CHECK(test::error_report([] { models::make_tree({{0}, {1, 0}}); }, {"choice (1, 0)", "no parent (1)"}) == "");
  CHECK(test::error_report([] { models::make_tree({{0}, {0}}); }, {"choice (0) appears twice"}) == "");
}

TEST_CASE("full_tree_choices: the product of the widths, as a tree of 1 + 2 + 2*3 nodes") {
  models::TokenTree tree = models::make_tree(models::full_tree_choices({2, 3}));
  CHECK(tree.size() == 9);
  CHECK(tree.paths.size() == 6);
  for (const auto& path : tree.paths) CHECK(path.size() == 3);
}
