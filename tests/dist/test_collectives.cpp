// The collectives' values on every rank, against closed forms of what the ranks contributed
// (rank r contributes values made from r), and the refusals: mismatched collectives raise the same
// tg::Error on every rank, and so do reductions MPI cannot do.
#include "dist_test.h"

using namespace tg;
using tg::test::compare;
using tg::test::group;

namespace {

// (rows, cols) with x[i] = 10 r + i, as dtype
Tensor ramp(int64_t rows, int64_t cols, int r, DType dtype = DType::f32) {
  std::vector<double> v;
  for (int64_t i = 0; i < rows * cols; ++i) v.push_back(10.0 * r + double(i));
  return tensor(v, {rows, cols}, {.dtype = dtype});
}

}  // namespace

TEST_CASE("all_reduce sums and averages over the ranks") {
  const int n = group().size(), r = group().rank();
  // sum over r of (10 r + i) = 10 n (n - 1) / 2 + n i
  for (DType t : {DType::f32, DType::f64, DType::i32, DType::i64}) {
    Tensor x = ramp(2, 3, r, t);
    group().all_reduce(x);
    std::vector<double> want;
    for (int i = 0; i < 6; ++i) want.push_back(5.0 * n * (n - 1) + n * i);
    CHECK_MESSAGE(compare(x.to(DType::f64), want, 0, 0) == "", dtype_name(t));
  }
  Tensor x = ramp(2, 3, r, DType::f64);
  group().all_reduce(x, dist::ReduceOp::Average);
  std::vector<double> want;
  for (int i = 0; i < 6; ++i) want.push_back(5.0 * (n - 1) + i);
  CHECK(compare(x, want, 1e-12, 0) == "");

  // the async form, waited on later
  Tensor y = ramp(1, 4, r);
  dist::Work work = group().all_reduce_async(y, dist::ReduceOp::Average);
  work.wait();
  CHECK(compare(y, {5.0 * (n - 1), 5.0 * (n - 1) + 1, 5.0 * (n - 1) + 2, 5.0 * (n - 1) + 3}, 1e-6, 0) == "");
}

TEST_CASE("broadcast copies the root's tensor to every rank") {
  const int n = group().size(), r = group().rank();
  for (int root = 0; root < n; ++root) {
    Tensor x = ramp(3, 2, r);
    uint64_t before = x.version();
    group().broadcast(x, root);
    CHECK(x.version() > before);  // an in-place write, visible to autograd's version check
    CHECK(compare(x, ramp(3, 2, root), 0, 0) == "");
  }
  Tensor h = ramp(1, 3, r).to(DType::bf16);  // moved as 16-bit words
  group().broadcast(h, 0);
  CHECK(compare(h.to(DType::f32), {0, 1, 2}, 0, 0) == "");
}

TEST_CASE("all_gather concatenates the ranks' tensors in rank order") {
  const int n = group().size(), r = group().rank();
  Tensor out = group().all_gather(ramp(2, 2, r));
  CHECK(out.shape() == Shape{2 * n, 2});
  std::vector<double> want;
  for (int k = 0; k < n; ++k)
    for (int i = 0; i < 4; ++i) want.push_back(10.0 * k + i);
  CHECK(compare(out, want, 0, 0) == "");
}

TEST_CASE("reduce_scatter gives rank r the r-th block of the sum") {
  const int n = group().size(), r = group().rank();
  Tensor x = ramp(2 * n, 3, r);  // block k is rows [2k, 2k + 2): elements [6k, 6k + 6)
  Tensor out = group().reduce_scatter(x);
  CHECK(out.shape() == Shape{2, 3});
  std::vector<double> sum, mean;
  for (int i = 0; i < 6; ++i) {
    double s = 5.0 * n * (n - 1) + n * double(6 * r + i);
    sum.push_back(s);
    mean.push_back(s / n);
  }
  CHECK(compare(out, sum, 0, 0) == "");
  CHECK(compare(group().reduce_scatter(x, dist::ReduceOp::Average), mean, 1e-5, 1e-6) == "");
  CHECK(test::error_report([&] { group().reduce_scatter(ramp(2 * n + 1, 3, r)); },
                           {"reduce_scatter", "multiple of the group size"}) == "");
}

TEST_CASE("barrier and the sequence numbers stay in step") {
  group().barrier();
  Tensor seq = tensor({double(group().collectives())}, {1}, {.dtype = DType::i64});
  Tensor all = group().all_gather(seq);
  std::vector<int64_t> v = all.to_vector<int64_t>();
  for (int64_t s : v) CHECK(s == v[0]);
}

TEST_CASE("mismatched collectives raise the same error on every rank") {
  const int r = group().rank();
  if (group().size() < 2) return;
  // shapes (3, 4) on rank 0, (4, 3) elsewhere: the same number of elements, which MPI alone would
  // have reduced without noticing
  Tensor x = r == 0 ? zeros({3, 4}) : zeros({4, 3});
  CHECK(test::error_report([&] { group().all_reduce(x); },
                           {"ProcessGroup::all_reduce: the ranks called different collectives",
                            "rank 0: all_reduce #", "(sum) of f32 (3, 4) cpu", "rank 1: all_reduce #",
                            "(sum) of f32 (4, 3) cpu"}) == "");
  Tensor d = zeros({5}, {.dtype = r == 0 ? DType::f32 : DType::f64});
  CHECK(test::error_report([&] { group().all_reduce(d); }, {"different collectives", "f32 (5,)", "f64 (5,)"}) == "");
  // different collectives altogether
  Tensor y = zeros({2});
  CHECK(test::error_report([&] { r == 0 ? group().broadcast(y) : group().all_reduce(y); },
                           {"different collectives", "broadcast #", "(root 0)", "all_reduce #"}) == "");
  // and the group still works afterwards
  Tensor one = ones({1});
  group().all_reduce(one);
  CHECK(one.item<double>() == group().size());
}

TEST_CASE("reductions MPI cannot do are refused on every rank" * TG_CPU_ONLY) {
  Tensor h = ones({4}, {.dtype = DType::f16});
  CHECK(test::error_report([&] { group().all_reduce(h); }, {"f16 tensors cannot be reduced over MPI"}) == "");
  Tensor i = ones({4}, {.dtype = DType::i64});
  CHECK(test::error_report([&] { group().all_reduce(i, dist::ReduceOp::Average); },
                           {"average of i64 tensors is not defined"}) == "");
  CHECK(test::error_report([&] { group().broadcast(ones({1}), group().size()); }, {"root", "is not a rank"}) == "");
}
