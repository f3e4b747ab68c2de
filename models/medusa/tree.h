// Medusa's candidate tree (Cai et al. 2024, sec. 2.1.2). Node 0 is the root, the target's own next
// token; every other node is a choice path (r_1, ..., r_d): the r_d-th most likely token of Medusa
// head d (which predicts d tokens past the root), hung under the node (r_1, ..., r_{d-1}). All nodes
// are verified in one target pass: each attends to the prefix and to its own ancestors only.
#pragma once
#include <cstdint>
#include <vector>

namespace tg::models {

using TreeChoices = std::vector<std::vector<int64_t>>;

struct TokenTree {
  TreeChoices choices;                      // node i > 0 is choices[i - 1]: by depth, then by ranks
  std::vector<int64_t> parent;              // parent[0] = -1
  std::vector<int64_t> depth;               // depth[0] = 0
  std::vector<std::vector<int64_t>> paths;  // node ids from the root to each leaf
  int64_t size() const { return int64_t(parent.size()); }
  int64_t max_depth() const;
};

// The tree of `choices` (any order); every proper prefix of a choice must be a choice too, ranks are
// non-negative and no choice repeats, else tg::Error naming the offending choice.
TokenTree make_tree(TreeChoices choices);

// Every path of a tree that keeps the top widths[d - 1] tokens of head d: the full product.
TreeChoices full_tree_choices(const std::vector<int64_t>& widths);

// The first n choices of Medusa's mc_sim_7b_63 tree (63 choices found by simulating accuracies of
// Vicuna-7B's heads; each cut of it keeps all prefixes), n in [1, 63].
TreeChoices mc_sim_7b_63(int64_t n = 63);

// mask[i * N + j] = 1 when node j is node i or one of its ancestors, else 0 (N = tree.size()).
std::vector<uint8_t> tree_mask(const TokenTree& tree);

// Node i's position id: past + depth[i] (siblings share a position).
std::vector<int64_t> tree_positions(const TokenTree& tree, int64_t past);

// Node tokens: the root token at node 0, and head_topk[d - 1][r_d] at a node of depth d.
// head_topk[d] lists head d + 1's tokens best first and must be at least as long as the largest rank used.
std::vector<int64_t> tree_tokens(const TokenTree& tree, int64_t root_token,
                                 const std::vector<std::vector<int64_t>>& head_topk);

}  // namespace tg::models
