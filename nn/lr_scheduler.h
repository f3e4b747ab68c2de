// Learning-rate schedules (torch.optim.lr_scheduler). A scheduler sets the optimizer's lr from
// its closed form at step t = 0 when built and at t + 1 on each step(); call it once per
// optimizer step (or per epoch, as the schedule is meant). Every parameter group follows the
// schedule from its own base lr, as in PyTorch.
#pragma once
#include <functional>

#include "nn/optim.h"

namespace tg::nn {

class LRScheduler {
 public:
  // lr_at(base_lr, t): the learning rate at step t; base_lr is a group's lr at construction.
  LRScheduler(Optimizer& optimizer, std::function<double(double base_lr, int64_t t)> lr_at);
  virtual ~LRScheduler() = default;
  void step();
  int64_t last_epoch() const { return t_; }  // PyTorch's name for the step count
  double base_lr(size_t group = 0) const { return base_lrs_.at(group); }

 private:
  Optimizer& optimizer_;
  std::function<double(double, int64_t)> lr_at_;
  std::vector<double> base_lrs_;  // one per parameter group
  int64_t t_ = 0;
  void apply();  // sets every group's lr for step t_
};

// lr = base * gamma^floor(t / step_size)
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);
};

// lr = eta_min + (base - eta_min) (1 + cos(pi t / T_max)) / 2: half a cosine from base down to
// eta_min over T_max steps (and back up after, as in PyTorch).
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0);
};

// Linear warmup: lr = base * (start + (end - start) min(t, total_iters) / total_iters).
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0, int64_t total_iters = 5);
};

// The LM examples' schedule as a closed form of the step (so a resumed run needs no scheduler
// state): linear warmup to `peak` over `warmup` steps, then half a cosine down to peak / 10 at
// step `total`, flat after:
//   t < warmup: peak (t + 1) / warmup;   else peak (0.1 + 0.9 (1 + cos(pi min(1, (t - warmup) / (total - warmup)))) / 2).
double warmup_cosine_lr(double peak, int64_t t, int64_t total, int64_t warmup);

}  // namespace tg::nn
