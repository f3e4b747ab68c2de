// Dense feature columns (numeric, bucketized, indicator, embedding) and the input layer that
// concatenates them (see feature_columns.h). Values are gathered on the host, then become one
// tensor per column; only embeddings carry gradients, through embedding_bag.
#include "data/feature_columns.h"

#include <algorithm>
#include <cmath>

#include "autograd/ops.h"
#include "nn/init.h"

namespace tg::data {

namespace {

const RaggedFeature& column_of(const ParsedFeatures& features, const std::string& key, const std::string& who) {
  auto it = features.find(key);
  TG_CHECK(it != features.end(), "{}: feature '{}' was not parsed (add the column's spec to parse_example)", who, key);
  return it->second;
}

Tensor host_tensor(const std::vector<double>& v, const Shape& shape, TensorOptions opts) {
  if (v.empty()) return zeros(shape, opts);
  return tensor(v, shape, opts);
}

// out[b, id] = number of times id is in bag b: (rows, n)
Tensor multi_hot(const SparseIds& s, int64_t n, TensorOptions opts) {
  std::vector<double> out(size_t(s.rows() * n), 0.0);
  for (int64_t b = 0; b < s.rows(); ++b)
    for (int64_t i = s.row_splits[size_t(b)]; i < s.row_splits[size_t(b) + 1]; ++i) out[size_t(b * n + s.ids[size_t(i)])] += 1;
  return host_tensor(out, {s.rows(), n}, opts);
}

}  // namespace

// ---- numeric ------------------------------------------------------------------------------------

NumericColumn::NumericColumn(std::string key, int64_t length, std::optional<float> default_value,
                             std::function<float(float)> normalizer)
    : key_(std::move(key)), length_(length), default_(default_value), normalizer_(std::move(normalizer)) {
  TG_CHECK(length >= 1, "numeric_column '{}': length must be >= 1, got {}", key_, length);
}

void NumericColumn::add_spec(std::vector<FeatureSpec>& spec) const {
  std::optional<Feature> dflt;
  if (default_) dflt = Feature::floats({*default_});
  spec.push_back(fixed_len_feature(key_, FeatureType::float32, length_, dflt));
}

std::vector<float> NumericColumn::values(const ParsedFeatures& features) const {
  const RaggedFeature& f = column_of(features, key_, "numeric_column");
  std::vector<float> out;
  out.reserve(size_t(f.rows() * length_));
  for (int64_t b = 0; b < f.rows(); ++b) {
    TG_CHECK(f.row_length(b) == length_, "numeric_column '{}': example {} has {} values, expected {}", key_, b,
             f.row_length(b), length_);
    for (int64_t i = f.row_splits[size_t(b)]; i < f.row_splits[size_t(b) + 1]; ++i) {
      TG_CHECK(f.type != FeatureType::bytes, "numeric_column '{}': the feature holds bytes, not numbers", key_);
      float v = f.type == FeatureType::float32 ? f.floats[size_t(i)] : float(f.int64s[size_t(i)]);
      out.push_back(normalizer_ ? normalizer_(v) : v);
    }
  }
  return out;
}

Tensor NumericColumn::dense(const ParsedFeatures& features, TensorOptions opts) const {
  std::vector<float> v = values(features);
  return host_tensor(std::vector<double>(v.begin(), v.end()), {int64_t(v.size()) / length_, length_}, opts);
}

std::shared_ptr<NumericColumn> numeric_column(const std::string& key, int64_t length, std::optional<float> default_value,
                                              std::function<float(float)> normalizer) {
  return std::make_shared<NumericColumn>(key, length, default_value, std::move(normalizer));
}

std::function<float(float)> standardize(float mean, float std) {
  TG_CHECK(std > 0, "standardize: std must be positive, got {}", std);
  return [mean, std](float x) { return (x - mean) / std; };
}

// ---- bucketized ---------------------------------------------------------------------------------

BucketizedColumn::BucketizedColumn(std::shared_ptr<NumericColumn> source, std::vector<float> boundaries)
    : source_(std::move(source)), boundaries_(std::move(boundaries)) {
  for (size_t i = 1; i < boundaries_.size(); ++i)
    TG_CHECK(boundaries_[i - 1] < boundaries_[i], "bucketized_column '{}': boundaries must be strictly increasing, "
             "got {} then {}", source_->name(), boundaries_[i - 1], boundaries_[i]);
}

SparseIds BucketizedColumn::ids(const ParsedFeatures& features) const {
  std::vector<float> v = source_->values(features);
  int64_t len = source_->length(), nb = int64_t(boundaries_.size()) + 1;
  SparseIds out;
  for (size_t i = 0; i < v.size(); ++i) {
    // bucket = #{boundaries <= v}
    int64_t bucket = std::upper_bound(boundaries_.begin(), boundaries_.end(), v[i]) - boundaries_.begin();
    out.ids.push_back(int64_t(i % size_t(len)) * nb + bucket);
    if ((i + 1) % size_t(len) == 0) out.row_splits.push_back(int64_t(i + 1));
  }
  return out;
}

Tensor BucketizedColumn::dense(const ParsedFeatures& features, TensorOptions opts) const {
  return multi_hot(ids(features), num_buckets(), opts);
}

std::shared_ptr<BucketizedColumn> bucketized_column(std::shared_ptr<NumericColumn> source, std::vector<float> boundaries) {
  return std::make_shared<BucketizedColumn>(std::move(source), std::move(boundaries));
}

// ---- indicator ----------------------------------------------------------------------------------

Tensor IndicatorColumn::dense(const ParsedFeatures& features, TensorOptions opts) const {
  return multi_hot(source_->ids(features), source_->num_buckets(), opts);
}

std::shared_ptr<IndicatorColumn> indicator_column(std::shared_ptr<CategoricalColumn> source) {
  return std::make_shared<IndicatorColumn>(std::move(source));
}

// ---- embedding ----------------------------------------------------------------------------------

Tensor embedding_bag(const Tensor& weight, const SparseIds& ids, Combiner combiner) {
  TG_CHECK(weight.dim() == 2, "embedding_bag: weight must be (num_buckets, dim), got {}", describe(weight));
  int64_t rows = ids.rows(), n = int64_t(ids.ids.size());
  std::vector<int64_t> segment(static_cast<size_t>(n));
  std::vector<double> scale(static_cast<size_t>(n));
  for (int64_t b = 0; b < rows; ++b) {
    int64_t lo = ids.row_splits[size_t(b)], hi = ids.row_splits[size_t(b) + 1];
    double count = double(hi - lo);
    double s = combiner == Combiner::sum ? 1.0 : combiner == Combiner::mean ? 1.0 / count : 1.0 / std::sqrt(count);
    for (int64_t i = lo; i < hi; ++i) {
      segment[size_t(i)] = b;
      scale[size_t(i)] = s;
    }
  }
  TensorOptions like{.dtype = weight.dtype(), .device = weight.device()};
  TensorOptions index{.dtype = DType::i64, .device = weight.device()};
  Tensor id = from_host(ids.ids.data(), {n}, index), seg = from_host(segment.data(), {n}, index);
  // rows of the table for every id (n, dim), each scaled by its bag's combiner weight, then summed per bag
  Tensor picked = mul(index_select(weight, 0, id), host_tensor(scale, {n, 1}, like));
  return index_add(zeros({rows, weight.size(1)}, like), 0, seg, picked);
}

EmbeddingColumn::EmbeddingColumn(std::shared_ptr<CategoricalColumn> source, int64_t dimension, Combiner combiner,
                                 Generator& gen)
    : source_(std::move(source)), dimension_(dimension), combiner_(combiner) {
  TG_CHECK(dimension >= 1, "embedding_column '{}': dimension must be >= 1, got {}", source_->name(), dimension);
  weight = empty({source_->num_buckets(), dimension});
  nn::init::normal_(weight, gen, 0.0, 1.0 / std::sqrt(double(dimension)));
  weight.requires_grad_();
}

Tensor EmbeddingColumn::dense(const ParsedFeatures& features, TensorOptions) const {
  return embedding_bag(weight, source_->ids(features), combiner_);
}

std::shared_ptr<EmbeddingColumn> embedding_column(std::shared_ptr<CategoricalColumn> source, int64_t dimension,
                                                  Combiner combiner, Generator& gen) {
  return std::make_shared<EmbeddingColumn>(std::move(source), dimension, combiner, gen);
}

// ---- input layer --------------------------------------------------------------------------------

std::vector<FeatureSpec> make_parse_example_spec(const std::vector<std::shared_ptr<FeatureColumn>>& columns) {
  std::vector<FeatureSpec> spec;
  for (const auto& c : columns) c->add_spec(spec);
  return spec;
}

InputLayer::InputLayer(std::vector<std::shared_ptr<DenseColumn>> columns, DType dtype)
    : columns_(std::move(columns)), dtype_(dtype) {
  TG_CHECK(!columns_.empty(), "InputLayer: no columns");
  for (const auto& c : columns_) {
    c->add_spec(spec_);
    if (auto e = std::dynamic_pointer_cast<EmbeddingColumn>(c)) register_parameter(e->name(), e->weight);
  }
}

int64_t InputLayer::dimension() const {
  int64_t d = 0;
  for (const auto& c : columns_) d += c->dimension();
  return d;
}

Tensor InputLayer::forward(const ParsedFeatures& features) const {
  std::vector<Tensor> parts;
  for (const auto& c : columns_) parts.push_back(c->dense(features, {.dtype = dtype_}));
  return parts.size() == 1 ? parts[0] : cat(parts, 1);
}

}  // namespace tg::data
