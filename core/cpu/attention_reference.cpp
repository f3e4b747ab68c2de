// Attention the naive way, in f64 with the whole (Tq, Tk) score matrix of one head at a time:
//   S = scale Q K^T (-inf where masked), P = softmax_rows(S), O = P V, L = logsumexp_rows(S)
//   dV = P^T dO,  dP = dO V^T,  dS = P ∘ (dP - rowsum(P ∘ dP)),  dQ = scale dS K,  dK = scale dS^T Q
// Slow and simple on purpose: the oracle for the tiled CPU kernel and the CUDA kernels.
#include <cmath>
#include <limits>
#include <vector>

#include "core/cpu/cpu_backend.h"

namespace tg::cpu {
namespace {

// P (Tq, Tk) of one head, and each row's logsumexp.
void probabilities(std::vector<double>& P, std::vector<double>& L, const double* q, const double* k,
                   const AttentionArgs& a) {
  P.assign(size_t(a.Tq * a.Tk), 0.0);
  L.assign(size_t(a.Tq), 0.0);
  for (int64_t i = 0; i < a.Tq; ++i) {
    double* row = P.data() + i * a.Tk;
    const int64_t visible = a.visible_keys(i);
    double row_max = -std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < visible; ++j) {
      double s = 0;
      for (int64_t d = 0; d < a.D; ++d) s += q[i * a.D + d] * k[j * a.D + d];
      row[j] = a.scale * s;
      row_max = std::max(row_max, row[j]);
    }
    double sum = 0;
    for (int64_t j = 0; j < visible; ++j) sum += std::exp(row[j] - row_max);
    for (int64_t j = 0; j < visible; ++j) row[j] = std::exp(row[j] - row_max) / sum;
    L[size_t(i)] = row_max + std::log(sum);
  }
}

}  // namespace

void attention_forward_reference(double* o, double* lse, const double* q, const double* k, const double* v,
                                 const AttentionArgs& a) {
  std::vector<double> P, L;
  for (int64_t bh = 0; bh < a.B * a.H; ++bh) {
    const int64_t qo = bh * a.Tq * a.D, ko = bh * a.Tk * a.D;
    probabilities(P, L, q + qo, k + ko, a);
    for (int64_t i = 0; i < a.Tq; ++i) {
      lse[bh * a.Tq + i] = L[size_t(i)];
      for (int64_t d = 0; d < a.D; ++d) {
        double acc = 0;
        for (int64_t j = 0; j < a.Tk; ++j) acc += P[size_t(i * a.Tk + j)] * v[ko + j * a.D + d];
        o[qo + i * a.D + d] = acc;
      }
    }
  }
}

void attention_backward_reference(double* dq, double* dk, double* dv, const double* q, const double* k,
                                  const double* v, const double* dout, const AttentionArgs& a) {
  std::vector<double> P, L, dS(size_t(a.Tq * a.Tk));
  for (int64_t bh = 0; bh < a.B * a.H; ++bh) {
    const int64_t qo = bh * a.Tq * a.D, ko = bh * a.Tk * a.D;
    probabilities(P, L, q + qo, k + ko, a);
    for (int64_t i = 0; i < a.Tq; ++i) {
      double row_dot = 0;  // rowsum(P ∘ dP)
      for (int64_t j = 0; j < a.Tk; ++j) {
        double dp = 0;
        for (int64_t d = 0; d < a.D; ++d) dp += dout[qo + i * a.D + d] * v[ko + j * a.D + d];
        dS[size_t(i * a.Tk + j)] = dp;
        row_dot += P[size_t(i * a.Tk + j)] * dp;
      }
      for (int64_t j = 0; j < a.Tk; ++j) {
        size_t ij = size_t(i * a.Tk + j);
        dS[ij] = P[ij] * (dS[ij] - row_dot);
      }
    }
    for (int64_t i = 0; i < a.Tq; ++i)
      for (int64_t d = 0; d < a.D; ++d) {
        double acc = 0;
        for (int64_t j = 0; j < a.Tk; ++j) acc += dS[size_t(i * a.Tk + j)] * k[ko + j * a.D + d];
        dq[qo + i * a.D + d] = a.scale * acc;
      }
    for (int64_t j = 0; j < a.Tk; ++j)
      for (int64_t d = 0; d < a.D; ++d) {
        double acc_k = 0, acc_v = 0;
        for (int64_t i = 0; i < a.Tq; ++i) {
          acc_k += dS[size_t(i * a.Tk + j)] * q[qo + i * a.D + d];
          acc_v += P[size_t(i * a.Tk + j)] * dout[qo + i * a.D + d];
        }
        dk[ko + j * a.D + d] = a.scale * acc_k;
        dv[ko + j * a.D + d] = acc_v;
      }
  }
}

}  // namespace tg::cpu
