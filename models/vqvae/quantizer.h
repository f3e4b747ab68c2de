// The vector quantizer of VQ-VAE (van den Oord et al. 2017): every encoder output z (a row of D
// numbers) is replaced by its nearest entry of a learnt codebook e_1..e_K,
//   k* = argmin_k ||z - e_k||^2,   z_q = e_{k*},
// and the decoder's gradient is copied straight through to z (autograd/estimators.h). The codebook
// learns from the codebook loss, or from exponential moving averages of the encoder outputs
// assigned to each code; codes nobody uses can be restarted from encoder outputs.
#pragma once
#include <vector>

#include "autograd/estimators.h"
#include "nn/module.h"

namespace tg::models {

struct QuantizerConfig {
  int64_t num_codes = 256, code_dim = 64;  // K >= 2, D
  double beta = 0.25;                      // weight of the commitment loss
  bool ema = false;                        // codebook by EMA (decay, Laplace epsilon) instead of its loss
  double decay = 0.99, epsilon = 1e-5;
  int64_t restart_after = 0;               // restart codes unused for this many update() calls; 0: never
};

struct Quantized {
  Tensor out;              // (N, D): value e_{k*}, gradient straight through to z
  Tensor codes;            // (N) i64, k* of each row
  Tensor codebook_loss;    // 0-d, mean over the N D numbers of (sg(z) - e_{k*})^2
  Tensor commitment_loss;  // 0-d, beta * mean of (z - sg(e_{k*}))^2
  Tensor loss;             // what to add to the reconstruction: both, or only the commitment with EMA
};

class VectorQuantizer : public nn::Module {
 public:
  explicit VectorQuantizer(QuantizerConfig config = {}, Generator& init = default_generator());
  // (N) i64 nearest codes of the rows of z (N, D); ties go to the lower index. No gradient.
  Tensor nearest(const Tensor& z) const;
  Quantized forward(const Tensor& z) const;
  Quantized operator()(const Tensor& z) const { return forward(z); }
  // Codebook rows for i64 codes of any shape: codes.shape + (D,).
  Tensor lookup(const Tensor& codes) const;
  // After the optimizer step of a batch that produced `codes` from `z`: the EMA codebook update
  // (when configured) and dead-code restarts (when configured, drawing rows of z with gen).
  void update(const Tensor& z, const Tensor& codes, Generator& gen);
  // Number of restarted codes so far.
  int64_t restarts() const { return restarts_; }
  const QuantizerConfig& config() const { return config_; }

  Tensor codebook;            // (K, D) parameter
  Tensor ema_count, ema_sum;  // (K) and (K, D): the moving averages N_k and m_k (EMA mode, from the first update)

 private:
  QuantizerConfig config_;
  std::vector<int64_t> steps_unused_;  // per code, update() calls since it was last used
  int64_t restarts_ = 0;
};

// Per-code counts (K) of i64 codes of any shape, as doubles on the host.
std::vector<double> code_counts(const Tensor& codes, int64_t num_codes);
// exp(H(p)) of the code distribution p_k = count_k / sum: K when every code is used equally, 1 when one is.
double perplexity(const std::vector<double>& counts);
// Codes with a positive count.
int64_t codes_used(const std::vector<double>& counts);

}  // namespace tg::models
