// micrograd_moons: Karpathy's micrograd demo on tapegrad. An MLP (2-16-16-2, ReLU) learns to
// separate two interleaved half moons with cross-entropy and Adam on the full batch; it prints
// loss and accuracy as it trains and writes, to --out (default out/moons):
//   decision_boundary.png  the learned class regions with the training points drawn on top
//   metrics.csv            step, loss, accuracy;   metrics.json  final figures and timings
// Run: build/micrograd_moons [--steps 300 --seed 0 --hidden 16 ...]; --help lists every flag.
#include <chrono>
#include <cmath>
#include <numbers>

#include "core/backend.h"
#include "tapegrad.h"
#include "util/args.h"
#include "util/image.h"
#include "util/output.h"
#include "util/progress.h"

using namespace tg;

namespace {

struct Options {
  int64_t steps = 300, seed = 0, hidden = 16, samples = 200;
  double lr = 0.02, noise = 0.1;
  std::string out = "out/moons";
  Device device = Device::cpu;
};

// sklearn's make_moons: the upper half circle (class 0) and a lower one shifted right and up
// to interlock with it (class 1), plus Gaussian noise of std `noise`. x is (n, 2), y (n) i64.
struct Moons {
  Tensor x, y;
};
Moons make_moons(int64_t n, double noise, Generator& gen) {
  int64_t n_outer = n / 2, n_inner = n - n_outer;
  std::vector<float> noise_xy = randn({n, 2}, gen).to_vector();
  std::vector<double> xs, ys;
  for (int64_t i = 0; i < n; ++i) {
    bool outer = i < n_outer;
    int64_t k = outer ? i : i - n_outer, count = outer ? n_outer : n_inner;
    double t = std::numbers::pi * double(k) / double(std::max<int64_t>(count - 1, 1));
    double px = outer ? std::cos(t) : 1 - std::cos(t);
    double py = outer ? std::sin(t) : 0.5 - std::sin(t);
    xs.push_back(px + noise * noise_xy[size_t(2 * i)]);
    xs.push_back(py + noise * noise_xy[size_t(2 * i + 1)]);
    ys.push_back(outer ? 0 : 1);
  }
  return {tensor(xs, {n, 2}), tensor(ys, {n}, {.dtype = DType::i64})};
}

double accuracy(const Tensor& logits, const Tensor& y) {
  return mean(eq(argmax(logits, 1), y).to(DType::f64)).item<double>();
}

// The plane region shown in the picture: the data's bounding box plus a margin, widened to a
// square so that the picture keeps the data's aspect ratio.
struct View {
  double x0, y0, span;  // top-left corner in data units and side length
};
View view_of(const Tensor& x) {
  std::vector<float> v = x.to_vector();
  double lo[2] = {1e30, 1e30}, hi[2] = {-1e30, -1e30};
  for (size_t i = 0; i < v.size(); ++i) {
    lo[i % 2] = std::min(lo[i % 2], double(v[i]));
    hi[i % 2] = std::max(hi[i % 2], double(v[i]));
  }
  double span = std::max(hi[0] - lo[0], hi[1] - lo[1]) + 1.0;
  return {(lo[0] + hi[0] - span) / 2, (lo[1] + hi[1] + span) / 2, span};
}

// Pale class colours over the plane (deeper where the model is confident), a dark line where
// the predicted class changes, and the training points as outlined dots.
void draw_decision_boundary(const nn::MLP& model, const Moons& data, int size, const std::string& path) {
  const util::Rgb white{255, 255, 255}, ink{40, 40, 40};
  const util::Rgb colors[2] = {{230, 85, 13}, {49, 130, 189}};
  View v = view_of(data.x);
  double px = v.span / size;  // data units per pixel
  std::vector<double> grid;
  for (int r = 0; r < size; ++r)
    for (int c = 0; c < size; ++c) {
      grid.push_back(v.x0 + (c + 0.5) * px);
      grid.push_back(v.y0 - (r + 0.5) * px);
    }
  NoGradGuard no_grad;
  Tensor points = tensor(grid, {int64_t(size) * size, 2}, {.device = data.x.device()});
  std::vector<float> p1 = slice(softmax(model(points), 1), 1, 1, 2).to_vector();
  auto cls = [&p1, size](int r, int c) { return p1[size_t(r) * size_t(size) + size_t(c)] > 0.5f ? 1 : 0; };

  util::Image img(size, size);
  for (int r = 0; r < size; ++r)
    for (int c = 0; c < size; ++c) {
      double confidence = std::fabs(2.0 * p1[size_t(r) * size_t(size) + size_t(c)] - 1.0);
      bool edge = (c + 1 < size && cls(r, c) != cls(r, c + 1)) || (r + 1 < size && cls(r, c) != cls(r + 1, c));
      img.set(c, r, edge ? ink : util::mix(white, colors[cls(r, c)], 0.15 + 0.3 * confidence));
    }
  std::vector<float> xs = data.x.to_vector();
  std::vector<int64_t> ys = data.y.to_vector<int64_t>();
  for (size_t i = 0; i < ys.size(); ++i) {
    double cx = (xs[2 * i] - v.x0) / px, cy = (v.y0 - xs[2 * i + 1]) / px;
    img.fill_circle(cx, cy, 4.5, ink);
    img.fill_circle(cx, cy, 3.5, colors[ys[i]]);
  }
  img.write_png(path);
}

int run(const Options& o) {
  Generator gen(uint64_t(o.seed));
  Moons data = make_moons(o.samples, o.noise, gen);
  nn::MLP model({2, o.hidden, o.hidden, 2}, nn::Activation::Relu, /*bias=*/true, gen);
  data = {data.x.to(o.device), data.y.to(o.device)};
  model.to(o.device);  // before the optimizer takes the parameters
  nn::Adam opt(model.parameters(), {.lr = o.lr});
  util::create_output_dir(o.out);
  util::CsvWriter csv(o.out + "/metrics.csv", {"step", "loss", "accuracy"});
  int64_t n_params = 0;
  for (const Tensor& p : model.parameters()) n_params += p.numel();
  fmt::print("two moons: {} points, noise {}; MLP 2-{}-{}-2 ({} parameters); Adam lr {}, {} steps\n", o.samples,
             o.noise, o.hidden, o.hidden, n_params, o.lr, o.steps);

  double loss_value = 0, acc = 0;
  auto start = std::chrono::steady_clock::now();
  {
    util::ProgressBar bar(o.steps, "train");
    for (int64_t step = 1; step <= o.steps; ++step) {
      opt.zero_grad();
      Tensor logits = model(data.x);
      Tensor loss = cross_entropy(logits, data.y);
      loss.backward();
      opt.step();
      loss_value = loss.item<double>();
      acc = accuracy(logits, data.y);  // of this step's forward pass, before the update
      csv.row({double(step), loss_value, acc});
      bar.update(step, fmt::format("loss {:.4f}  acc {:5.1f}%", loss_value, 100 * acc));
    }
  }
  double train_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  draw_decision_boundary(model, data, 400, o.out + "/decision_boundary.png");
  // The tape of one forward pass, its parameters named as the module names them.
  std::string svg = write_graph(o.out + "/graph.dot", {cross_entropy(model(data.x), data.y)}, model.named_parameters());
  util::write_metrics_json(o.out + "/metrics.json", {{"final_loss", loss_value},
                                                     {"final_accuracy", acc},
                                                     {"train_ms", train_ms},
                                                     {"step_ms", train_ms / double(o.steps)}});
  fmt::print("final loss {:.4f}, accuracy {:.1f}% after {} steps in {:.0f} ms; wrote {}/decision_boundary.png, "
             "metrics.csv, metrics.json, graph.dot{}\n", loss_value, 100 * acc, o.steps, train_ms, o.out,
             svg.empty() ? " (install graphviz for graph.svg)" : ", graph.svg");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  util::ArgParser args("micrograd_moons", "Train an MLP to classify the two-moons data set (the micrograd demo).");
  args.add("steps", &o.steps, "Adam steps on the full batch");
  args.add("seed", &o.seed, "seed for the data, the noise and the initial weights");
  args.add("lr", &o.lr, "Adam learning rate");
  args.add("hidden", &o.hidden, "width of the two hidden layers");
  args.add("samples", &o.samples, "number of points, half per moon");
  args.add("noise", &o.noise, "std of the Gaussian noise added to the points");
  args.add("out", &o.out, "output folder");
  args.add_device(&o.device);
  if (auto exit_code = args.parse(argc, argv)) return *exit_code;

  if (o.steps < 1 || o.steps > 10000000)
    return args.error(fmt::format("--steps must be in [1, 10000000], got {}", o.steps));
  if (o.seed < 0) return args.error(fmt::format("--seed must be >= 0, got {}", o.seed));
  if (!(o.lr > 0)) return args.error(fmt::format("--lr must be positive, got {}", o.lr));
  if (o.hidden < 1 || o.hidden > 4096)
    return args.error(fmt::format("--hidden must be in [1, 4096], got {}", o.hidden));
  if (o.samples < 4 || o.samples > 1000000)
    return args.error(fmt::format("--samples must be in [4, 1000000], got {}", o.samples));
  if (o.noise < 0) return args.error(fmt::format("--noise must be >= 0, got {}", o.noise));
  if (o.out.empty()) return args.error("--out must name a folder");

  return args.run_reporting_errors([&] { return run(o); });
}
