// Implementation of torch_check.h. The generated reference data is compiled only here.
#include "torch_check.h"

#include <cstring>

#include "reference/semantics_reference.h"
#include "reference/torch_reference.h"

namespace tg::test {

Tolerance default_tolerance(DType dtype) {
  return dtype == DType::f64 ? Tolerance{1e-12, 1e-12} : Tolerance{1e-6, 1e-5};
}

namespace {

const RefCase* find_case(const char* name) {
  for (const auto* cases : {&torch_reference_cases(), &semantics_reference_cases()})
    for (const RefCase& c : *cases)
      if (std::strcmp(c.name, name) == 0) return &c;
  return nullptr;
}

Tensor make(const RefTensor& r, DType dtype) {
  return tensor(r.values, r.shape, {.dtype = r.kind == 'i' ? DType::i64 : dtype});
}

std::string diff(const char* what, const Tensor& actual, const RefTensor& expected, Tolerance tol) {
  if (actual.shape() != expected.shape)
    return fmt::format("{}: shape {}, PyTorch has {}\n", what, shape_str(actual.shape()), shape_str(expected.shape));
  std::string r = compare(actual.to_vector<double>(), expected.values, tol.atol, tol.rtol);
  return r.empty() ? "" : fmt::format("{}: {}", what, r);
}

}  // namespace

std::string torch_report(const char* name, const TensorFn& fn, DType dtype, Tolerance tol) {
  const RefCase* c = find_case(name);
  if (!c) return fmt::format("no PyTorch reference case '{}': rerun tests/reference/make_*_reference.py", name);
  std::vector<Tensor> inputs, diff_inputs;
  for (const RefTensor& r : c->inputs) {
    inputs.push_back(make(r, dtype));
    if (r.kind == 'f') {
      inputs.back().requires_grad_();
      diff_inputs.push_back(inputs.back());
    }
  }
  std::string report;
  try {
    Tensor out = fn(inputs);
    if (is_floating(out.dtype()) != (c->output.kind == 'f'))
      report += fmt::format("output is {}, PyTorch's is {}\n", describe(out), c->output.kind == 'f' ? "floating" : "integral");
    report += diff("output", out, c->output, tol);
    if (!c->upstream.values.empty()) {
      if (!out.requires_grad()) {
        report += "output does not require grad, but PyTorch's does\n";
      } else {
        Tensor up = tensor(c->upstream.values, c->upstream.shape, {.dtype = out.dtype()});
        std::vector<Tensor> g = grad({out}, diff_inputs, {.grad_outputs = {up}, .allow_unused = true});
        for (size_t i = 0; i < g.size(); ++i) {
          Tensor gi = g[i].defined() ? g[i] : zeros_like(diff_inputs[i]);
          report += diff(fmt::format("grad of differentiable input {}", i).c_str(), gi, c->grads[i], tol);
        }
      }
    }
  } catch (const Error& e) {
    report += fmt::format("raised tg::Error: {}\n", e.what());
  }
  if (report.empty()) return "";
  return fmt::format("PyTorch case '{}' in {} (atol {}, rtol {}):\n{}", name, dtype_name(dtype), tol.atol, tol.rtol, report);
}

}  // namespace tg::test
