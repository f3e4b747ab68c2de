// Whether ops record themselves on the tape. `NoGradGuard g;` turns recording off for its scope
// (inference, optimizer updates, the backward pass itself unless create_graph is set).
// Anomaly detection (PyTorch's detect_anomaly): while a DetectAnomalyGuard lives on this thread,
// ops record their input shapes, and a backward rule that produces a NaN or an infinity raises a
// tg::Error naming the op, its sequence number on the tape and those shapes: where the NaN was
// born. It costs a non-finite check per gradient, so it is for debugging only.
#pragma once

namespace tg {

struct GradMode {
  static bool enabled();
  static void set_enabled(bool on);
};

struct AnomalyMode {
  static bool enabled();
  static void set_enabled(bool on);
};

// Sets a thread-local mode for its scope and restores the previous value after.
template <class Mode>
class ModeGuard {
 public:
  explicit ModeGuard(bool on) : prev_(Mode::enabled()) { Mode::set_enabled(on); }
  ~ModeGuard() { Mode::set_enabled(prev_); }
  ModeGuard(const ModeGuard&) = delete;
  ModeGuard& operator=(const ModeGuard&) = delete;

 private:
  bool prev_;
};

struct NoGradGuard : ModeGuard<GradMode> {
  NoGradGuard() : ModeGuard(false) {}
};
struct EnableGradGuard : ModeGuard<GradMode> {
  explicit EnableGradGuard(bool on = true) : ModeGuard(on) {}
};
struct DetectAnomalyGuard : ModeGuard<AnomalyMode> {
  DetectAnomalyGuard() : ModeGuard(true) {}
};

}  // namespace tg
