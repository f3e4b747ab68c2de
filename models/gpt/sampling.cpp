// Temperature, top-k and top-p sampling and cached generation (see sampling.h). The filtering runs
// on the host over V values: for a byte vocabulary that is cheaper than any device round trip.
#include "models/gpt/sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "core/creation.h"
#include "core/philox.h"

namespace tg::models {

void check_sampling_options(const SamplingOptions& o) {
  TG_CHECK(std::isfinite(o.temperature) && o.temperature >= 0, "sampling: temperature must be >= 0, got {}",
           o.temperature);
  TG_CHECK(o.top_k >= 0, "sampling: top_k must be >= 0 (0 keeps every token), got {}", o.top_k);
  TG_CHECK(o.top_p > 0 && o.top_p <= 1, "sampling: top_p must be in (0, 1], got {}", o.top_p);
}

Tensor probabilities(const Tensor& logits_row, const SamplingOptions& o) {
  check_sampling_options(o);
  TG_CHECK(logits_row.dim() == 1 && logits_row.size(0) > 0, "probabilities: logits {} must be one row (V)",
           describe(logits_row));
  std::vector<double> z = logits_row.detach().to(DType::f64).to(Device::cpu).to_vector<double>();
  const int64_t V = int64_t(z.size());
  std::vector<double> p(z.size(), 0.0);
  if (o.temperature == 0) {
    p[size_t(std::max_element(z.begin(), z.end()) - z.begin())] = 1.0;
    return tensor(p, {V}, {.dtype = DType::f64});
  }
  const double zmax = *std::max_element(z.begin(), z.end());
  double total = 0;
  for (int64_t i = 0; i < V; ++i) total += p[size_t(i)] = std::exp((z[size_t(i)] - zmax) / o.temperature);
  for (auto& x : p) x /= total;
  if ((o.top_k > 0 && o.top_k < V) || o.top_p < 1) {
    // Indices by decreasing probability (ties by index); keep the first `kept`.
    std::vector<int64_t> order(static_cast<size_t>(V));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return p[size_t(a)] > p[size_t(b)]; });
    int64_t kept = o.top_k > 0 ? std::min(o.top_k, V) : V;
    if (o.top_p < 1) {  // the nucleus of the top-k distribution, renormalised
      double top_k_mass = 0, mass = 0;
      for (int64_t r = 0; r < kept; ++r) top_k_mass += p[size_t(order[size_t(r)])];
      for (int64_t r = 0; r < kept; ++r) {
        mass += p[size_t(order[size_t(r)])] / top_k_mass;
        if (mass >= o.top_p) {
          kept = r + 1;
          break;
        }
      }
    }
    std::vector<double> filtered(p.size(), 0.0);
    double sum = 0;
    for (int64_t r = 0; r < kept; ++r) sum += filtered[size_t(order[size_t(r)])] = p[size_t(order[size_t(r)])];
    for (auto& x : filtered) x /= sum;
    p = std::move(filtered);
  }
  return tensor(p, {V}, {.dtype = DType::f64});
}

double uniform(Generator& gen) {
  const uint64_t block = gen.reserve(4);
  return philox_uniform_f64(philox4x32_10(block, gen.seed()).w[0]);
}

int64_t sample_from(const std::vector<double>& p, Generator& gen) {
  TG_CHECK(!p.empty(), "sample_from: empty distribution");
  const double u = uniform(gen);
  double cdf = 0;
  int64_t last = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] <= 0) continue;
    cdf += p[i];
    last = int64_t(i);
    if (u < cdf) return last;
  }
  return last;  // u beyond the rounded total: the last token with mass
}

int64_t sample_token(const Tensor& logits_row, const SamplingOptions& o, Generator& gen) {
  Tensor p = probabilities(logits_row, o);
  std::vector<double> pv = p.to_vector<double>();
  if (o.temperature == 0) return int64_t(std::max_element(pv.begin(), pv.end()) - pv.begin());
  return sample_from(pv, gen);
}

std::vector<int64_t> generate(const GPT& model, const std::vector<int64_t>& prompt, int64_t n_new,
                              const SamplingOptions& o, Generator& gen) {
  check_sampling_options(o);
  const GPTConfig& c = model.config();
  TG_CHECK(!prompt.empty(), "generate: the prompt is empty (give at least one token)");
  TG_CHECK(n_new >= 0, "generate: n_new must be >= 0, got {}", n_new);
  TG_CHECK(int64_t(prompt.size()) + n_new <= c.context,
           "generate: a prompt of {} tokens plus {} new ones exceeds the context of {}", prompt.size(), n_new,
           c.context);
  for (int64_t t : prompt)
    TG_CHECK(t >= 0 && t < c.vocab, "generate: prompt token {} is outside the vocabulary [0, {})", t, c.vocab);
  NoGradGuard no_grad;
  GPTCache cache(c);
  Device dev = model.tok_emb->weight.device();
  std::vector<int64_t> out;
  Tensor tokens = tensor(std::vector<double>(prompt.begin(), prompt.end()), {1, int64_t(prompt.size())},
                         {.dtype = DType::i64, .device = dev});
  for (int64_t i = 0; i < n_new; ++i) {
    Tensor row = reshape(model.last_logits(model.hidden(tokens, &cache)), {c.vocab});  // (V)
    const int64_t next = sample_token(row, o, gen);
    out.push_back(next);
    tokens = full({1, 1}, double(next), {.dtype = DType::i64, .device = dev});
  }
  return out;
}

Tensor greedy_continuations(const GPT& model, const Tensor& prompts, int64_t n_new) {
  const GPTConfig& c = model.config();
  TG_CHECK(prompts.dim() == 2 && prompts.size(1) > 0 && !is_floating(prompts.dtype()),
           "greedy_continuations: prompts must be (B, P) integer tokens with P >= 1, got {}", describe(prompts));
  TG_CHECK(n_new >= 0 && prompts.size(1) + n_new - 1 <= c.context,  // the last new token is not fed back
           "greedy_continuations: prompts of {} tokens plus {} new ones, less the last, exceed the context of {}",
           prompts.size(1), n_new, c.context);
  NoGradGuard no_grad;
  GPTCache cache(c);
  const Tensor start = prompts.to(model.tok_emb->weight.device()).to(DType::i64);
  std::vector<Tensor> pieces = {start};
  Tensor fed = start;
  for (int64_t i = 0; i < n_new; ++i) {
    fed = argmax(model.last_logits(model.hidden(fed, &cache)), 2);  // (B, 1), the lowest index among ties
    pieces.push_back(fed);
  }
  return cat(pieces, 1);
}

}  // namespace tg::models
