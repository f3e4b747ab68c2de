// Whether ops record themselves on the tape. `NoGradGuard g;` turns recording off for its scope
// (inference, optimizer updates, the backward pass itself unless create_graph is set).
#pragma once

namespace tg {

struct GradMode {
  static bool enabled();
  static void set_enabled(bool on);
};

class NoGradGuard {
 public:
  NoGradGuard() : prev_(GradMode::enabled()) { GradMode::set_enabled(false); }
  ~NoGradGuard() { GradMode::set_enabled(prev_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

class EnableGradGuard {
 public:
  explicit EnableGradGuard(bool on = true) : prev_(GradMode::enabled()) { GradMode::set_enabled(on); }
  ~EnableGradGuard() { GradMode::set_enabled(prev_); }
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;

 private:
  bool prev_;
};

}  // namespace tg

namespace tg {

// Anomaly detection (PyTorch's detect_anomaly): while a DetectAnomalyGuard lives on this thread,
// ops record their input shapes, and a backward rule that produces a NaN or an infinity raises a
// tg::Error naming the op, its sequence number on the tape and those shapes: where the NaN was
// born. It costs a non-finite check per gradient, so it is for debugging only.
struct AnomalyMode {
  static bool enabled();
  static void set_enabled(bool on);
};

class DetectAnomalyGuard {
 public:
  DetectAnomalyGuard() : prev_(AnomalyMode::enabled()) { AnomalyMode::set_enabled(true); }
  ~DetectAnomalyGuard() { AnomalyMode::set_enabled(prev_); }
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool prev_;
};

}  // namespace tg
