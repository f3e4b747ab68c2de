// Building Medusa's token tree from choice paths, and its attention mask, positions and tokens.
#include "models/medusa/tree.h"

#include <algorithm>
#include <map>

#include <fmt/ranges.h>

#include "core/error.h"

namespace tg::models {

namespace {
std::string show(const std::vector<int64_t>& c) { return fmt::format("({})", fmt::join(c, ", ")); }
}  // namespace

int64_t TokenTree::max_depth() const { return *std::max_element(depth.begin(), depth.end()); }

TokenTree make_tree(TreeChoices choices) {
  std::sort(choices.begin(), choices.end(), [](const auto& a, const auto& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  TokenTree tree;
  tree.choices = choices;
  tree.parent = {-1};
  tree.depth = {0};
  std::map<std::vector<int64_t>, int64_t> node_of{{{}, 0}};
  for (const auto& c : choices) {
    TG_CHECK(!c.empty(), "make_tree: an empty choice (the root is implicit)");
    for (int64_t r : c) TG_CHECK(r >= 0, "make_tree: choice {} has a negative rank", show(c));
    TG_CHECK(!node_of.contains(c), "make_tree: choice {} appears twice", show(c));
    std::vector<int64_t> prefix(c.begin(), c.end() - 1);
    auto parent = node_of.find(prefix);
    TG_CHECK(parent != node_of.end(), "make_tree: choice {} has no parent {} among the choices", show(c), show(prefix));
    node_of[c] = tree.size();
    tree.parent.push_back(parent->second);
    tree.depth.push_back(int64_t(c.size()));
  }
  std::vector<bool> has_child(tree.parent.size(), false);
  for (size_t i = 1; i < tree.parent.size(); ++i) has_child[tree.parent[i]] = true;
  for (int64_t leaf = 0; leaf < tree.size(); ++leaf) {
    if (has_child[leaf]) continue;
    std::vector<int64_t> path;
    for (int64_t n = leaf; n >= 0; n = tree.parent[n]) path.push_back(n);
    std::reverse(path.begin(), path.end());
    tree.paths.push_back(path);
  }
  return tree;
}

TreeChoices full_tree_choices(const std::vector<int64_t>& widths) {
  TreeChoices all, level{{}};
  for (int64_t w : widths) {
    TG_CHECK(w >= 1, "full_tree_choices: width {} must be at least 1", w);
    TreeChoices next;
    for (const auto& c : level)
      for (int64_t r = 0; r < w; ++r) {
        next.push_back(c);
        next.back().push_back(r);
      }
    all.insert(all.end(), next.begin(), next.end());
    level = next;
  }
  return all;
}

TreeChoices mc_sim_7b_63(int64_t n) {
  // medusa/model/medusa_choices.py in FasterDecoding/Medusa, in its order
  static const TreeChoices all = {
      {0}, {0, 0}, {1}, {0, 1}, {2}, {0, 0, 0}, {1, 0}, {0, 2}, {3}, {0, 3}, {4}, {0, 4}, {2, 0},
      {0, 5}, {0, 0, 1}, {5}, {0, 6}, {6}, {0, 7}, {0, 1, 0}, {1, 1}, {7}, {0, 8}, {0, 0, 2}, {3, 0},
      {0, 9}, {8}, {9}, {1, 0, 0}, {0, 2, 0}, {1, 2}, {0, 0, 3}, {4, 0}, {2, 1}, {0, 0, 4}, {0, 0, 5},
      {0, 0, 0, 0}, {0, 1, 1}, {0, 0, 6}, {0, 3, 0}, {5, 0}, {1, 3}, {0, 0, 7}, {0, 0, 8}, {0, 0, 9},
      {6, 0}, {0, 4, 0}, {1, 4}, {7, 0}, {0, 1, 2}, {2, 0, 0}, {3, 1}, {2, 2}, {8, 0}, {0, 5, 0}, {1, 5},
      {1, 0, 1}, {0, 2, 1}, {9, 0}, {0, 6, 0}, {0, 0, 0, 1}, {1, 6}, {0, 7, 0}};
  TG_CHECK(n >= 1 && n <= int64_t(all.size()), "mc_sim_7b_63: n = {} outside [1, {}]", n, all.size());
  return TreeChoices(all.begin(), all.begin() + n);
}

std::vector<uint8_t> tree_mask(const TokenTree& tree) {
  const int64_t n = tree.size();
  std::vector<uint8_t> mask(size_t(n * n), 0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i; j >= 0; j = tree.parent[j]) mask[size_t(i * n + j)] = 1;
  return mask;
}

std::vector<int64_t> tree_positions(const TokenTree& tree, int64_t past) {
  std::vector<int64_t> pos(tree.depth.size());
  for (size_t i = 0; i < pos.size(); ++i) pos[i] = past + tree.depth[i];
  return pos;
}

std::vector<int64_t> tree_tokens(const TokenTree& tree, int64_t root_token,
                                 const std::vector<std::vector<int64_t>>& head_topk) {
  TG_CHECK(int64_t(head_topk.size()) >= tree.max_depth(), "tree_tokens: the tree is {} deep but {} heads were given",
           tree.max_depth(), head_topk.size());
  std::vector<int64_t> tokens{root_token};
  for (const auto& c : tree.choices) {
    const auto& topk = head_topk[c.size() - 1];
    TG_CHECK(c.back() < int64_t(topk.size()), "tree_tokens: choice {} needs rank {} of head {}, which lists {} tokens",
             show(c), c.back(), c.size(), topk.size());
    tokens.push_back(topk[size_t(c.back())]);
  }
  return tokens;
}

}  // namespace tg::models
