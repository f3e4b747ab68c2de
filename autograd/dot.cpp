// Graphviz DOT output of the tape (see dot.h).
#include "autograd/dot.h"

#include <spawn.h>
#include <sys/wait.h>

#include <fstream>
#include <unordered_map>

#include "autograd/node.h"

extern char** environ;

namespace tg {
namespace {

std::string saved_description(const Node& node) {
  std::string out;
  for (const SavedVersion& s : node.saved_versions) {
    std::string what = s.input >= 0 ? fmt::format("input {}", s.input) : s.input == -1 ? "output" : "other";
    out += (out.empty() ? "" : ", ") + what;
  }
  return out.empty() ? "nothing" : out;
}

std::string leaf_name(const Node& node, const std::vector<std::pair<std::string, Tensor>>& names) {
  std::shared_ptr<TensorImpl> leaf = node.leaf.lock();
  for (const auto& [name, t] : names)
    if (leaf && t.defined() && t.impl_ptr() == leaf) return name;
  return "leaf";
}

}  // namespace

std::string to_dot(const std::vector<Tensor>& outputs, const std::vector<std::pair<std::string, Tensor>>& names) {
  // Number the nodes in the order a depth-first walk from the outputs meets them, so the text
  // depends only on the graph, never on addresses.
  std::unordered_map<const Node*, int> id;
  std::vector<const Node*> order, stack;
  for (const Tensor& t : outputs) {
    std::shared_ptr<Node> n = gradient_edge(t);
    if (n && id.emplace(n.get(), int(id.size())).second) {
      order.push_back(n.get());
      stack.push_back(n.get());
    }
    while (!stack.empty()) {
      const Node* node = stack.back();
      stack.pop_back();
      for (const auto& in : node->inputs)
        if (in && id.emplace(in.get(), int(id.size())).second) {
          order.push_back(in.get());
          stack.push_back(in.get());
        }
    }
  }
  std::string dot = "digraph tape {\n  rankdir=BT;\n  node [fontname=\"monospace\", fontsize=10];\n";
  for (const Node* node : order) {
    std::string type = fmt::format("{} {}", dtype_name(node->out_dtype), shape_str(node->out_shape));
    if (node->op == Op::AccumulateGrad)
      dot += fmt::format("  n{} [shape=ellipse, label=\"{}\\n{}\"];\n", id[node], leaf_name(*node, names), type);
    else
      dot += fmt::format("  n{} [shape=box, label=\"{} #{}\\n{}\\nsaves: {}\"];\n", id[node], op_name(node->op),
                         node->seq, type, saved_description(*node));
  }
  for (const Node* node : order)
    for (const auto& in : node->inputs)
      if (in) dot += fmt::format("  n{} -> n{};\n", id[in.get()], id[node]);
  return dot + "}\n";
}

std::string write_graph(const std::string& path, const std::vector<Tensor>& outputs,
                        const std::vector<std::pair<std::string, Tensor>>& names) {
  {
    std::ofstream file(path);
    file << to_dot(outputs, names);
    TG_CHECK(file.good(), "write_graph: cannot write {}", path);
  }
  std::string svg = path.ends_with(".dot") ? path.substr(0, path.size() - 4) + ".svg" : path + ".svg";
  // dot runs without a shell, so no file name needs quoting
  std::string tsvg = "-Tsvg", dash_o = "-o";
  char* argv[] = {const_cast<char*>("dot"), tsvg.data(), const_cast<char*>(path.c_str()), dash_o.data(),
                  svg.data(), nullptr};
  pid_t pid;
  if (posix_spawnp(&pid, "dot", nullptr, nullptr, argv, environ) != 0) return "";  // Graphviz not installed
  int status = 0;
  waitpid(pid, &status, 0);
  TG_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "write_graph: dot -Tsvg {} -o {} failed", path, svg);
  return svg;
}

}  // namespace tg
