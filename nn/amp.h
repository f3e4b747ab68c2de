// Mixed-precision training (Micikevicius et al. 2018): the model computes in f16 or bf16, the
// optimizer updates FP32 master weights, and a dynamic loss scale keeps small f16 gradients from
// flushing to zero. One step, with S the loss scale:
//   forward in half precision; the loss in f32 (the loss functions return f32 for half inputs)
//   backward(S * loss): every gradient comes out S times larger, so values below f16's smallest
//       subnormal (2^-24) are lifted into its range
//   g32 = f32(g16) / S for every parameter (exact: S is a power of two)
//   any g32 inf or NaN: skip the step and halve S (the scale was too large)
//   otherwise: optimizer step on the f32 masters, then p16 = half(p32); after 2000 steps in a row
//       without overflow, double S (a larger scale may fit now)
// The update happens in f32 because a small step to a large weight is lost in f16: its spacing at
// 1024 is 1, so 1024 + 0.25 rounds back to 1024 at every step, while the master accumulates it.
//
//   nn::amp::MasterWeights master(model, DType::f16);  // the model is f16 from here on
//   nn::Adam opt(master.parameters(), {.lr = 1e-3});    // the optimizer sees the f32 copies
//   nn::amp::LossScaler scaler;
//   for (...) {
//     model.zero_grad();
//     scaler.scale(loss_of(model, x.to(DType::f16))).backward();
//     scaler.step(opt, master);  // unscale, check, step or skip, copy back, update S
//   }
#pragma once
#include <vector>

#include "nn/module.h"
#include "nn/optim.h"

namespace tg::nn::amp {

// FP32 master copies of a model's parameters, which compute in f16 or bf16.
class MasterWeights {
 public:
  // Keeps an f32 copy of every parameter of `model` (all must be f32), then casts the model's
  // parameters to `dtype` (f16 or bf16) in place with Module::to: layers keep their handles.
  MasterWeights(Module& model, DType dtype);

  // The f32 copies (leaves that require grad): build the optimizer on these.
  const std::vector<Tensor>& parameters() const { return master_; }
  DType dtype() const { return dtype_; }

  // master.grad = f32(model grad) * inv_scale for each parameter (no grad: the master's is cleared).
  // With check_finite, returns false when any model gradient holds inf or NaN (one check over all
  // of them, before any is unscaled), leaving the master grads unset for this step; without, always true.
  bool unscale_grads(double inv_scale, bool check_finite);
  // Model parameter = the master rounded to the compute dtype (after the optimizer's step).
  void copy_to_model();

 private:
  DType dtype_;
  std::vector<Tensor> model_, master_;  // model_[i] is the half parameter master_[i] stands for
};

// Defaults as torch.amp.GradScaler's.
struct LossScalerOptions {
  double init_scale = 65536.0;     // 2^16
  double growth_factor = 2.0;      // S *= growth_factor after growth_interval finite steps in a row
  double backoff_factor = 0.5;     // S *= backoff_factor after a step with inf/NaN gradients
  int64_t growth_interval = 2000;
  bool enabled = true;  // false: S = 1 and no checks (FP16 without loss scaling; BF16 needs none)
};

class LossScaler {
 public:
  explicit LossScaler(LossScalerOptions options = {});

  // S * loss, in f32 (a half loss is cast first); with the scaler disabled, the loss as it is.
  Tensor scale(const Tensor& loss) const;
  // After backward(scale(loss)): unscales the model's gradients into the masters' and, unless one
  // is inf or NaN, steps `optimizer` (built on master.parameters()) and copies the masters back
  // into the model; then updates S. Returns whether the step was taken.
  bool step(Optimizer& optimizer, MasterWeights& master);
  // The scale rule alone, after a step whose gradients did (found_inf) or did not overflow.
  // Throws tg::Error when S falls out of f32's range: every scale overflows, the model has diverged.
  void update(bool found_inf);

  double loss_scale() const { return scale_; }
  int64_t skipped_steps() const { return skipped_; }
  int64_t growth_tracker() const { return growth_tracker_; }  // finite steps since S last changed

  const LossScalerOptions options;

 private:
  double scale_;
  int64_t growth_tracker_ = 0, skipped_ = 0, overflows_in_a_row_ = 0;
};

}  // namespace tg::nn::amp
