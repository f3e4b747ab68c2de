// Learning-rate schedules as closed forms of the step count (see lr_scheduler.h). Each
// schedule's arguments are checked before the base class first evaluates it.
#include "nn/lr_scheduler.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace tg::nn {
namespace {

using LrFn = std::function<double(double, int64_t)>;

LrFn step_lr(int64_t step_size, double gamma) {
  TG_CHECK(step_size > 0 && gamma >= 0, "StepLR: step_size {} must be > 0 and gamma {} >= 0", step_size, gamma);
  return [step_size, gamma](double base, int64_t t) { return base * std::pow(gamma, double(t / step_size)); };
}

LrFn cosine_annealing_lr(int64_t T_max, double eta_min) {
  TG_CHECK(T_max > 0 && eta_min >= 0, "CosineAnnealingLR: T_max {} must be > 0 and eta_min {} >= 0", T_max, eta_min);
  return [T_max, eta_min](double base, int64_t t) {
    return eta_min + (base - eta_min) * (1 + std::cos(std::numbers::pi * double(t) / double(T_max))) / 2;
  };
}

LrFn linear_lr(double start, double end, int64_t total) {
  TG_CHECK(total > 0 && start > 0 && start <= 1 && end >= 0 && end <= 1, "LinearLR: needs total_iters > 0, "
           "start_factor in (0, 1] and end_factor in [0, 1], got {}, {}, {}", total, start, end);
  return [start, end, total](double base, int64_t t) {
    return base * (start + (end - start) * double(std::min(t, total)) / double(total));
  };
}

}  // namespace

LRScheduler::LRScheduler(Optimizer& optimizer, std::function<double(double, int64_t)> lr_at)
    : optimizer_(optimizer), lr_at_(std::move(lr_at)) {
  for (const ParamGroupState& group : optimizer.param_groups()) base_lrs_.push_back(group.lr);
  apply();
}

void LRScheduler::step() {
  ++t_;
  apply();
}

void LRScheduler::apply() {
  for (size_t g = 0; g < base_lrs_.size(); ++g) optimizer_.set_lr(g, lr_at_(base_lrs_[g], t_));
}

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer, step_lr(step_size, gamma)) {}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler(optimizer, cosine_annealing_lr(T_max, eta_min)) {}

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor, int64_t total_iters)
    : LRScheduler(optimizer, linear_lr(start_factor, end_factor, total_iters)) {}

double warmup_cosine_lr(double peak, int64_t t, int64_t total, int64_t warmup) {
  if (t < warmup) return peak * double(t + 1) / double(warmup);
  const double progress = double(t - warmup) / double(std::max<int64_t>(1, total - warmup));
  return peak * (0.1 + 0.9 * 0.5 * (1 + std::cos(std::numbers::pi * std::min(1.0, progress))));
}

}  // namespace tg::nn
