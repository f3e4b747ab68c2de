// The vector quantizer (see quantizer.h): nearest-code search, the straight-through output and
// its two losses, the EMA codebook update and dead-code restarts.
#include "models/vqvae/quantizer.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "core/creation.h"
#include "nn/init.h"
#include "nn/state_dict.h"

namespace tg::models {

VectorQuantizer::VectorQuantizer(QuantizerConfig config, Generator& init) : config_(config) {
  const int64_t K = config.num_codes, D = config.code_dim;
  TG_CHECK(K >= 2, "VectorQuantizer: the codebook needs at least 2 codes, got num_codes {}", K);
  TG_CHECK(D >= 1, "VectorQuantizer: code_dim must be positive, got {}", D);
  TG_CHECK(config.beta >= 0, "VectorQuantizer: beta must be >= 0, got {}", config.beta);
  TG_CHECK(config.decay > 0 && config.decay < 1 && config.epsilon > 0,
           "VectorQuantizer: EMA decay must be in (0, 1) and epsilon positive, got {} and {}", config.decay,
           config.epsilon);
  TG_CHECK(config.restart_after >= 0, "VectorQuantizer: restart_after must be >= 0, got {}", config.restart_after);
  // U(-1/K, 1/K), as in the paper's code: small codes near the origin, where a fresh encoder's outputs are.
  codebook = register_parameter("codebook", empty({K, D}));
  nn::init::uniform_(codebook, init, -1.0 / double(K), 1.0 / double(K));
  steps_unused_.assign(size_t(K), 0);
}

Tensor VectorQuantizer::nearest(const Tensor& z) const {
  TG_CHECK(z.dim() == 2 && z.size(1) == config_.code_dim, "VectorQuantizer: input {} must be (N, {})", describe(z),
           config_.code_dim);
  NoGradGuard no_grad;
  // ||z - e_k||^2 = |z|^2 - 2 z.e_k + |e_k|^2, all pairs with one (N, D) x (D, K) product.
  // |z|^2 is the same for every k; it stays in so that the numbers are the distances themselves.
  Tensor e = codebook.detach();
  Tensor d = add(sub(sum(square(z), {1}, true), mul(matmul(z.detach(), e, false, true), 2.0)),
                 unsqueeze(sum(square(e), {1}), 0));  // (N, K)
  return argmin(d, 1);
}

Tensor VectorQuantizer::lookup(const Tensor& codes) const { return embedding(codebook, codes); }

Quantized VectorQuantizer::forward(const Tensor& z) const {
  Quantized q;
  q.codes = nearest(z);
  Tensor e = lookup(q.codes);  // (N, D)
  // The codebook loss moves e towards the encoder outputs; the commitment loss keeps the encoder
  // near its codes; each stops the gradient into the other side.
  q.codebook_loss = mse_loss(e, z.detach());
  q.commitment_loss = mul(mse_loss(z, e.detach()), config_.beta);
  q.loss = config_.ema ? q.commitment_loss : add(q.codebook_loss, q.commitment_loss);
  q.out = straight_through(z, e);  // e.detach() + (z - z.detach())
  return q;
}

void VectorQuantizer::update(const Tensor& z, const Tensor& codes, Generator& gen) {
  NoGradGuard no_grad;
  const int64_t K = config_.num_codes;
  TG_CHECK(z.dim() == 2 && z.size(1) == config_.code_dim && codes.dim() == 1 && codes.size(0) == z.size(0),
           "VectorQuantizer::update: z {} must be (N, {}) and codes {} (N)", describe(z), config_.code_dim,
           describe(codes));
  Tensor x = z.detach();
  Tensor assign = one_hot(codes, K, x.dtype());  // (N, K)
  if (config_.ema) {
    // N_k <- g N_k + (1 - g) n_k,  m_k <- g m_k + (1 - g) sum_{i: k_i = k} z_i,
    // e_k = m_k / N~_k with the Laplace-smoothed count N~_k = (N_k + eps) / (n + K eps) n, n = sum_k N_k,
    // which keeps an unused code's division finite.
    const double g = config_.decay, eps = config_.epsilon;
    if (!ema_count.defined()) {
      // The averages start at the first update, where the codebook is then (device, loaded values), as
      // if each code had been seen once at its place: N_k = 1, m_k = e_k. So e_k = m_k / N_k holds from
      // the start, and a code unused for t steps keeps its place until g^t nears eps, instead of being
      // divided by ~eps at the first step (as with N_k = 0).
      ema_count = ones({K}, {.dtype = x.dtype(), .device = x.device()});
      ema_sum = codebook.detach().clone();
    }
    ema_count = add(mul(ema_count, g), mul(sum(assign, {0}), 1 - g));
    ema_sum = add(mul(ema_sum, g), mul(matmul(assign, x, /*trans_a=*/true), 1 - g));
    double n = sum(ema_count).item<double>();
    Tensor smoothed = mul(div(add(ema_count, eps), n + double(K) * eps), n);
    nn::copy_(codebook, div(ema_sum, unsqueeze(smoothed, 1)), "VectorQuantizer::update");
  }
  if (config_.restart_after == 0) return;
  std::vector<double> counts = code_counts(codes, K);
  std::vector<double> dead(size_t(K), 0.0);
  bool any = false;
  for (size_t k = 0; k < size_t(K); ++k) {
    steps_unused_[k] = counts[k] > 0 ? 0 : steps_unused_[k] + 1;
    if (steps_unused_[k] >= config_.restart_after) {
      dead[k] = 1, any = true, steps_unused_[k] = 0, ++restarts_;
    }
  }
  if (!any) return;
  // A dead code moves onto a random encoder output of this batch, where it will be chosen.
  Tensor mask = tensor(dead, {K, 1}, {.dtype = x.dtype(), .device = x.device()});
  Tensor fresh = index_select(x, 0, randint(0, x.size(0), {K}, gen, {.dtype = DType::i64, .device = x.device()}));
  nn::copy_(codebook, where(mask, fresh, codebook.detach()), "VectorQuantizer::update");
  if (config_.ema) {  // and its averages restart as one observation there
    ema_sum = where(mask, fresh, ema_sum);
    ema_count = where(squeeze(mask, 1), ones_like(ema_count), ema_count);
  }
}

std::vector<double> code_counts(const Tensor& codes, int64_t num_codes) {
  std::vector<double> counts(size_t(num_codes), 0.0);
  for (int64_t c : codes.to_vector<int64_t>()) {
    TG_CHECK(c >= 0 && c < num_codes, "code_counts: code {} outside [0, {})", c, num_codes);
    counts[size_t(c)] += 1;
  }
  return counts;
}

double perplexity(const std::vector<double>& counts) {
  double total = 0, entropy = 0;
  for (double c : counts) total += c;
  TG_CHECK(total > 0, "perplexity: no codes counted");
  for (double c : counts)
    if (c > 0) entropy -= c / total * std::log(c / total);
  return std::exp(entropy);
}

int64_t codes_used(const std::vector<double>& counts) {
  int64_t used = 0;
  for (double c : counts) used += c > 0;
  return used;
}

}  // namespace tg::models
