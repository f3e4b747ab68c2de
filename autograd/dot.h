// See the tape: tg::to_dot writes the graph recorded behind some outputs as Graphviz DOT text,
// micrograd's picture for tapegrad. One box per recorded op (its user-facing name, its place on
// the tape, its output's dtype and shape, what its backward saved), one ellipse per leaf that
// requires grad (named where `names` names it, as a module's named_parameters() does), and an edge
// from each input to the op that consumed it. `dot -Tsvg graph.dot -o graph.svg` draws it.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace tg {

std::string to_dot(const std::vector<Tensor>& outputs,
                   const std::vector<std::pair<std::string, Tensor>>& names = {});

// Writes to_dot(...) to `path` and, when Graphviz's `dot` is on the PATH, `path` with .svg for
// .dot beside it. Returns the SVG's path, or "" when dot is not installed (the .dot is written
// either way); raises tg::Error when a file cannot be written.
std::string write_graph(const std::string& path, const std::vector<Tensor>& outputs,
                        const std::vector<std::pair<std::string, Tensor>>& names = {});

}  // namespace tg
