// parse_example and every feature column on a 3-example batch whose outputs are worked out by
// hand in the comments; the embedding bag is gradchecked in f64 for each combiner.
#include <cmath>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "autograd/gradcheck.h"
#include "data/feature_columns.h"
#include "test_util.h"

using namespace tg;
using namespace tg::data;

namespace {

// ex0: price 5, color red,   tags [a, b],    id 2, vec [1, 2]
// ex1: price -1, color blue, tags [],        id 0, (no vec)
// ex2: price 10, color green, tags [b, b, c], id 7, (no vec)
std::vector<Example> batch() {
  std::vector<Example> b(3);
  b[0].features = {{"price", Feature::floats({5})}, {"color", Feature::bytes({"red"})},
                   {"tags", Feature::bytes({"a", "b"})}, {"id", Feature::int64s({2})}, {"vec", Feature::floats({1, 2})}};
  b[1].features = {{"price", Feature::floats({-1})}, {"color", Feature::bytes({"blue"})}, {"tags", Feature::bytes({})},
                   {"id", Feature::int64s({0})}};
  b[2].features = {{"price", Feature::floats({10})}, {"color", Feature::bytes({"green"})},
                   {"tags", Feature::bytes({"b", "b", "c"})}, {"id", Feature::int64s({7})}};
  return b;
}

ParsedFeatures parsed(const std::vector<std::shared_ptr<FeatureColumn>>& columns) {
  return parse_example(batch(), make_parse_example_spec(columns));
}

std::vector<int64_t> v64(std::initializer_list<int64_t> v) { return v; }

}  // namespace

TEST_CASE("parse_example: fixed-length with defaults, variable-length, and its errors") {
  auto p = parse_example(batch(), {fixed_len_feature("price", FeatureType::float32),
                                   fixed_len_feature("vec", FeatureType::float32, 2, Feature::floats({9})),
                                   var_len_feature("tags", FeatureType::bytes), var_len_feature("nothing", FeatureType::int64)});
  CHECK(p["price"].floats == std::vector<float>{5, -1, 10});
  CHECK(p["vec"].floats == std::vector<float>{1, 2, 9, 9, 9, 9});
  CHECK(p["vec"].row_splits == v64({0, 2, 4, 6}));
  CHECK(p["tags"].bytes == std::vector<std::string>{"a", "b", "b", "b", "c"});
  CHECK(p["tags"].row_splits == v64({0, 2, 2, 5}));
  CHECK(p["nothing"].row_splits == v64({0, 0, 0, 0}));
  CHECK(test::error_report([] { parse_example(batch(), {fixed_len_feature("vec", FeatureType::float32, 2)}); },
                           {"example 1 has no feature 'vec'", "no default"}) == "");
  CHECK(test::error_report([] { parse_example(batch(), {fixed_len_feature("price", FeatureType::int64)}); },
                           {"feature 'price' of example 0 is a float_list", "wants int64"}) == "");
  CHECK(test::error_report([] { parse_example(batch(), {fixed_len_feature("tags", FeatureType::bytes, 2)}); },
                           {"feature 'tags' of example 1 has 0 values", "wants 2"}) == "");
  CHECK(test::error_report([] { fixed_len_feature("x", FeatureType::float32, 3, Feature::floats({1, 2})); },
                           {"default has 2 values, expected 1 or 3"}) == "");
  std::vector<std::string> serialized = {encode_example(batch()[0]), std::string("\x08\x01", 2)};
  CHECK(test::error_report([&] { parse_example(serialized, {var_len_feature("tags", FeatureType::bytes)}); },
                           {"parse_example: example 1", "wire type 0"}) == "");
}

TEST_CASE("fnv1a64 matches the published FNV-1a test vectors") {
  CHECK(fnv1a64("") == 0xcbf29ce484222325ull);
  CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cull);
  CHECK(fnv1a64("foobar") == 0x85944171f73967e8ull);
}

TEST_CASE("numeric and bucketized columns") {
  auto price = numeric_column("price", 1, std::nullopt, standardize(2, 4));
  // (5 - 2) / 4, (-1 - 2) / 4, (10 - 2) / 4
  CHECK(test::compare(price->dense(parsed({price})), {0.75, -0.75, 2.0}) == "");
  CHECK(price->dense(parsed({price})).shape() == Shape{3, 1});
  // boundaries {0, 10}: buckets (-inf, 0), [0, 10), [10, inf): 5 -> 1, -1 -> 0, 10 -> 2
  auto buckets = bucketized_column(numeric_column("price"), {0, 10});
  CHECK(buckets->ids(parsed({buckets})).ids == v64({1, 0, 2}));
  CHECK(test::compare(buckets->dense(parsed({buckets})), {0, 1, 0, 1, 0, 0, 0, 0, 1}) == "");
  // a 2-valued source (missing -> default 9) with boundary 1.5: value j uses ids j * 2 + bucket
  //   ex0 [1, 2] -> [0, 3]; ex1, ex2 [9, 9] -> [1, 3]
  auto vec = bucketized_column(numeric_column("vec", 2, 9.0f), {1.5});
  CHECK(vec->num_buckets() == 4);
  CHECK(vec->ids(parsed({vec})).ids == v64({0, 3, 1, 3, 1, 3}));
  CHECK(test::compare(vec->dense(parsed({vec})), {1, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1}) == "");
  CHECK(test::error_report([] { bucketized_column(numeric_column("p"), {1, 1}); }, {"strictly increasing"}) == "");
}

TEST_CASE("categorical columns: vocabulary list and file, hash bucket, identity") {
  // red -> 0, blue -> 1, green not in the vocabulary: dropped (default -1) or an OOV bucket 2 + h % 2
  auto color = categorical_column_with_vocabulary_list("color", std::vector<std::string>{"red", "blue"});
  SparseIds ids = color->ids(parsed({color}));
  CHECK(ids.ids == v64({0, 1}));
  CHECK(ids.row_splits == v64({0, 1, 2, 2}));
  auto oov = categorical_column_with_vocabulary_list("color", std::vector<std::string>{"red", "blue"}, 2);
  CHECK(oov->num_buckets() == 4);
  CHECK(oov->ids(parsed({oov})).ids == v64({0, 1, 2 + int64_t(fnv1a64("green") % 2)}));
  auto ints = categorical_column_with_vocabulary_list("id", std::vector<int64_t>{7, 2}, 0, 0);
  CHECK(ints->ids(parsed({ints})).ids == v64({1, 0, 0}));  // 2 -> 1, 0 -> default 0, 7 -> 0

  std::string path = (std::filesystem::temp_directory_path() / ("tapegrad_test_vocab_" + std::to_string(getpid()))).string();
  std::ofstream(path) << "green\nred\r\nblue\n";
  auto file = categorical_column_with_vocabulary_file("color", path);
  CHECK(file->num_buckets() == 3);
  CHECK(file->ids(parsed({file})).ids == v64({1, 2, 0}));
  CHECK(test::error_report([] { categorical_column_with_vocabulary_file("color", "/nonexistent/vocab.txt"); },
                           {"'color'", "cannot open vocabulary file /nonexistent/vocab.txt"}) == "");

  auto hashed = categorical_column_with_hash_bucket("tags", 10);
  auto h = [](const char* s) { return int64_t(fnv1a64(s) % 10); };
  CHECK(hashed->ids(parsed({hashed})).ids == v64({h("a"), h("b"), h("b"), h("b"), h("c")}));

  auto identity = categorical_column_with_identity("id", 5, 4);  // 7 is out of range -> 4
  CHECK(identity->ids(parsed({identity})).ids == v64({2, 0, 4}));
  auto strict = categorical_column_with_identity("id", 5);
  CHECK(test::error_report([&] { strict->ids(parsed({strict})); }, {"'id'", "example 2 has id 7", "[0, 5)"}) == "");
}

TEST_CASE("indicator and crossed columns") {
  auto tags = categorical_column_with_vocabulary_list("tags", std::vector<std::string>{"a", "b", "c"});
  auto ind = indicator_column(tags);
  // counts: ex0 a, b; ex1 none; ex2 b twice, c once
  CHECK(test::compare(ind->dense(parsed({ind})), {1, 1, 0, 0, 0, 0, 0, 2, 1}) == "");
  // color x tags: red x {a, b}; blue x {} (no ids); green x {b, b, c}
  auto cross = crossed_column({{.key = "color"}, {.key = "tags"}}, 1000);
  auto h = [](const char* s) { return int64_t(fnv1a64(s) % 1000); };
  SparseIds ids = cross->ids(parsed({cross}));
  CHECK(ids.ids == v64({h("red_X_a"), h("red_X_b"), h("green_X_b"), h("green_X_b"), h("green_X_c")}));
  CHECK(ids.row_splits == v64({0, 2, 2, 5}));
  // A cross with a categorical column uses its ids: price buckets {0, 10} x color
  auto bp = crossed_column({{.column = bucketized_column(numeric_column("price"), {0, 10})}, {.key = "color"}}, 97);
  CHECK(bp->ids(parsed({bp})).ids ==
        v64({int64_t(fnv1a64("1_X_red") % 97), int64_t(fnv1a64("0_X_blue") % 97), int64_t(fnv1a64("2_X_green") % 97)}));
}

TEST_CASE("embedding_bag: sum, mean and sqrtn by hand") {
  // W rows a = (1, 2), b = (10, 20), c = (100, 200); bags {a, b}, {}, {b, b, c}
  Tensor w = tensor({1, 2, 10, 20, 100, 200}, {3, 2});
  SparseIds ids{{0, 2, 2, 5}, {0, 1, 1, 1, 2}};
  CHECK(test::compare(embedding_bag(w, ids, Combiner::sum), {11, 22, 0, 0, 120, 240}) == "");
  CHECK(test::compare(embedding_bag(w, ids, Combiner::mean), {5.5, 11, 0, 0, 40, 80}) == "");
  double r2 = std::sqrt(2.0), r3 = std::sqrt(3.0);
  CHECK(test::compare(embedding_bag(w, ids, Combiner::sqrtn), {11 / r2, 22 / r2, 0, 0, 120 / r3, 240 / r3}, 1e-5,
                      1e-5) == "");
}

TEST_CASE("embedding_bag gradients match finite differences (gradcheck, f64)") {
  SparseIds ids{{0, 2, 2, 5, 6}, {0, 3, 1, 1, 2, 3}};
  for (Combiner c : {Combiner::sum, Combiner::mean, Combiner::sqrtn}) {
    Tensor w = test::leaf({4, 3}, 7);
    auto r = gradcheck([&](const std::vector<Tensor>& in) { return embedding_bag(in[0], ids, c); }, {w});
    INFO(r.report);
    CHECK(r.ok);
  }
}

TEST_CASE("InputLayer concatenates columns and trains its embedding tables") {
  auto tags = categorical_column_with_vocabulary_list("tags", std::vector<std::string>{"a", "b", "c"});
  auto emb = embedding_column(tags, 2, Combiner::sum);
  data::InputLayer layer({numeric_column("price"), indicator_column(tags), emb});
  CHECK(layer.dimension() == 1 + 3 + 2);
  REQUIRE(layer.named_parameters().size() == 1);
  CHECK(layer.named_parameters()[0].first == "tags_embedding");
  Tensor x = layer.forward(batch());
  CHECK(x.shape() == Shape{3, 6});
  auto w = emb->weight.to_vector<float>();
  auto xv = x.to_vector<float>();
  // row 0: price 5, indicator (1, 1, 0), W[a] + W[b]
  CHECK(xv[0] == 5.0f);
  CHECK(std::vector<float>(xv.begin() + 1, xv.begin() + 4) == std::vector<float>{1, 1, 0});
  CHECK(xv[4] == doctest::Approx(w[0] + w[2]));
  CHECK(xv[16] == doctest::Approx(2 * w[2] + w[4]));  // row 2: 2 W[b] + W[c]
  CHECK(xv[17] == doctest::Approx(2 * w[3] + w[5]));
  // d sum(x) / dW[id] = how often id occurs in the batch: a 1, b 3, c 1
  sum(x).backward();
  CHECK(test::compare(emb->weight.grad(), {1, 1, 3, 3, 1, 1}) == "");
}

TEST_CASE("feature columns agree with TensorFlow 2.21's on the same batch") {
  // tests/data/reference/make_feature_column_reference.py: tf.compat.v1.feature_column.input_layer
  // on this batch, one column at a time (printed to 9 significant digits).
  std::string vocab = (std::filesystem::temp_directory_path() / ("tapegrad_test_vocab_tf_" + std::to_string(getpid()))).string();
  std::ofstream(vocab) << "green\nred\nblue\n";
  auto tags = categorical_column_with_vocabulary_list("tags", std::vector<std::string>{"a", "b", "c"});
  std::vector<std::pair<std::shared_ptr<DenseColumn>, std::vector<double>>> cases = {
      {numeric_column("price", 1, std::nullopt, standardize(2, 4)), {0.75, -0.75, 2}},
      {bucketized_column(numeric_column("price"), {0, 10}), {0, 1, 0, 1, 0, 0, 0, 0, 1}},
      {bucketized_column(numeric_column("vec", 2, 9.0f), {1.5}), {1, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1}},
      {indicator_column(categorical_column_with_vocabulary_list("color", std::vector<std::string>{"red", "blue"})),
       {1, 0, 0, 1, 0, 0}},
      {indicator_column(categorical_column_with_vocabulary_file("color", vocab)), {0, 1, 0, 0, 0, 1, 1, 0, 0}},
      {indicator_column(tags), {1, 1, 0, 0, 0, 0, 0, 2, 1}},
      {indicator_column(categorical_column_with_identity("id", 5, 4)), {0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
  };
  for (auto [combiner, expected] : {std::pair{Combiner::sum, std::vector<double>{11, 22, 0, 0, 120, 240}},
                                    std::pair{Combiner::mean, std::vector<double>{5.5, 11, 0, 0, 40, 80}},
                                    std::pair{Combiner::sqrtn, std::vector<double>{7.7781744, 15.5563488, 0, 0,
                                                                                   69.2820282, 138.564056}}}) {
    auto emb = embedding_column(tags, 2, combiner);
    emb->weight = tensor({1, 2, 10, 20, 100, 200}, {3, 2});  // TensorFlow's constant initializer
    cases.emplace_back(emb, expected);
  }
  for (const auto& [column, expected] : cases) {
    INFO(column->name());
    CHECK(test::compare(column->dense(parsed({column})), expected, 1e-5, 1e-6) == "");
  }
}
