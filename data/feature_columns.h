// Feature columns (TensorFlow's tf.feature_column): recipes that turn parsed features into model
// inputs. Dense columns give a (batch, dimension) tensor: numeric, bucketized, indicator, embedding.
// Categorical columns give each example a bag of integer ids in [0, num_buckets): vocabulary list
// or file, hash bucket, identity, bucketized, crossed. An InputLayer concatenates dense columns
// into one tensor; embedding tables are its parameters, so gradients flow into them.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/creation.h"
#include "data/parse_example.h"
#include "nn/module.h"

namespace tg::data {

// A bag of ids per example: row b holds ids[row_splits[b] .. row_splits[b + 1]).
struct SparseIds {
  std::vector<int64_t> row_splits{0};
  std::vector<int64_t> ids;
  int64_t rows() const { return int64_t(row_splits.size()) - 1; }
};

// 64-bit FNV-1a, the string hash of the hashed columns (TensorFlow uses FarmHash Fingerprint64,
// so hashed ids differ from TensorFlow's: docs/decisions.md).
uint64_t fnv1a64(const std::string& s);

class FeatureColumn {
 public:
  virtual ~FeatureColumn() = default;
  virtual std::string name() const = 0;
  // The parse_example entries this column reads.
  virtual void add_spec(std::vector<FeatureSpec>& spec) const = 0;
};

class DenseColumn : public virtual FeatureColumn {
 public:
  virtual int64_t dimension() const = 0;
  // (batch, dimension) in opts.dtype (floating) on opts.device.
  virtual Tensor dense(const ParsedFeatures& features, TensorOptions opts = {}) const = 0;
};

class CategoricalColumn : public virtual FeatureColumn {
 public:
  virtual int64_t num_buckets() const = 0;
  virtual SparseIds ids(const ParsedFeatures& features) const = 0;
};

// ---- dense -------------------------------------------------------------------------------------
// key's float (or int64) values, `length` per example, each passed through `normalizer`.
class NumericColumn : public DenseColumn {
 public:
  NumericColumn(std::string key, int64_t length, std::optional<float> default_value, std::function<float(float)> normalizer);
  std::string name() const override { return key_; }
  void add_spec(std::vector<FeatureSpec>& spec) const override;
  int64_t dimension() const override { return length_; }
  Tensor dense(const ParsedFeatures& features, TensorOptions opts = {}) const override;
  // The normalised values, row-major (batch, length).
  std::vector<float> values(const ParsedFeatures& features) const;
  int64_t length() const { return length_; }

 private:
  std::string key_;
  int64_t length_;
  std::optional<float> default_;
  std::function<float(float)> normalizer_;
};
std::shared_ptr<NumericColumn> numeric_column(const std::string& key, int64_t length = 1,
                                              std::optional<float> default_value = std::nullopt,
                                              std::function<float(float)> normalizer = {});
// (x - mean) / std, the usual normalizer.
std::function<float(float)> standardize(float mean, float std);

// Bucket of each value of a numeric column: the number of boundaries <= value, so boundaries
// {0, 10} make buckets (-inf, 0), [0, 10), [10, inf). Value j of a multi-valued source uses ids
// j * (boundaries + 1) + bucket. Dense form: the one-hot of those ids.
class BucketizedColumn : public DenseColumn, public CategoricalColumn {
 public:
  BucketizedColumn(std::shared_ptr<NumericColumn> source, std::vector<float> boundaries);
  std::string name() const override { return source_->name() + "_bucketized"; }
  void add_spec(std::vector<FeatureSpec>& spec) const override { source_->add_spec(spec); }
  int64_t num_buckets() const override { return int64_t(boundaries_.size() + 1) * source_->length(); }
  int64_t dimension() const override { return num_buckets(); }
  SparseIds ids(const ParsedFeatures& features) const override;
  Tensor dense(const ParsedFeatures& features, TensorOptions opts = {}) const override;

 private:
  std::shared_ptr<NumericColumn> source_;
  std::vector<float> boundaries_;
};
std::shared_ptr<BucketizedColumn> bucketized_column(std::shared_ptr<NumericColumn> source, std::vector<float> boundaries);

// Multi-hot counts: out[b, id] = how many times id occurs in example b.
class IndicatorColumn : public DenseColumn {
 public:
  explicit IndicatorColumn(std::shared_ptr<CategoricalColumn> source) : source_(std::move(source)) {}
  std::string name() const override { return source_->name() + "_indicator"; }
  void add_spec(std::vector<FeatureSpec>& spec) const override { source_->add_spec(spec); }
  int64_t dimension() const override { return source_->num_buckets(); }
  Tensor dense(const ParsedFeatures& features, TensorOptions opts = {}) const override;

 private:
  std::shared_ptr<CategoricalColumn> source_;
};
std::shared_ptr<IndicatorColumn> indicator_column(std::shared_ptr<CategoricalColumn> source);

enum class Combiner { sum, mean, sqrtn };
// The bag of embeddings of each example, combined: with n ids in a bag,
//   sum: sum_i W[id_i];  mean: sum_i W[id_i] / n;  sqrtn: sum_i W[id_i] / sqrt(n);
// an empty bag gives zeros. Built from index_select and index_add, so d/dW is the engine's.
// weight (num_buckets, dim) -> (rows, dim)
Tensor embedding_bag(const Tensor& weight, const SparseIds& ids, Combiner combiner);

// A trainable (num_buckets, dimension) table, initialised N(0, 1/dimension) as TensorFlow's
// default (truncated normal with stddev 1/sqrt(dimension), here untruncated).
class EmbeddingColumn : public DenseColumn {
 public:
  EmbeddingColumn(std::shared_ptr<CategoricalColumn> source, int64_t dimension, Combiner combiner, Generator& gen);
  std::string name() const override { return source_->name() + "_embedding"; }
  void add_spec(std::vector<FeatureSpec>& spec) const override { source_->add_spec(spec); }
  int64_t dimension() const override { return dimension_; }
  // Uses the weight's dtype and device (opts is ignored).
  Tensor dense(const ParsedFeatures& features, TensorOptions opts = {}) const override;
  Tensor weight;  // (num_buckets, dimension); an InputLayer registers it as a parameter

 private:
  std::shared_ptr<CategoricalColumn> source_;
  int64_t dimension_;
  Combiner combiner_;
};
std::shared_ptr<EmbeddingColumn> embedding_column(std::shared_ptr<CategoricalColumn> source, int64_t dimension,
                                                  Combiner combiner = Combiner::mean,
                                                  Generator& gen = default_generator());

// ---- categorical --------------------------------------------------------------------------------
// Ids from a vocabulary: the value's position in it; values not in it take one of
// num_oov_buckets extra ids (vocabulary size + hash % num_oov_buckets), or default_value
// (-1: dropped from the bag). int64 features are looked up by their decimal string.
class VocabularyColumn : public CategoricalColumn {
 public:
  VocabularyColumn(std::string key, FeatureType type, std::vector<std::string> vocabulary, int64_t num_oov_buckets,
                   int64_t default_value);
  std::string name() const override { return key_; }
  void add_spec(std::vector<FeatureSpec>& spec) const override;
  int64_t num_buckets() const override { return int64_t(vocab_.size()) + oov_; }
  SparseIds ids(const ParsedFeatures& features) const override;

 private:
  std::string key_;
  FeatureType type_;
  std::vector<std::string> vocab_;
  std::map<std::string, int64_t> index_;
  int64_t oov_, default_;
};
std::shared_ptr<VocabularyColumn> categorical_column_with_vocabulary_list(const std::string& key,
                                                                          std::vector<std::string> vocabulary,
                                                                          int64_t num_oov_buckets = 0,
                                                                          int64_t default_value = -1);
std::shared_ptr<VocabularyColumn> categorical_column_with_vocabulary_list(const std::string& key,
                                                                          const std::vector<int64_t>& vocabulary,
                                                                          int64_t num_oov_buckets = 0,
                                                                          int64_t default_value = -1);
// One vocabulary entry per line ('\r' before '\n' is dropped); vocabulary_size -1 takes every line.
std::shared_ptr<VocabularyColumn> categorical_column_with_vocabulary_file(
    const std::string& key, const std::string& path, int64_t vocabulary_size = -1, int64_t num_oov_buckets = 0,
    int64_t default_value = -1, FeatureType type = FeatureType::bytes);

// id = fnv1a64(value as a string) % hash_bucket_size.
class HashedColumn : public CategoricalColumn {
 public:
  HashedColumn(std::string key, int64_t hash_bucket_size, FeatureType type);
  std::string name() const override { return key_; }
  void add_spec(std::vector<FeatureSpec>& spec) const override;
  int64_t num_buckets() const override { return size_; }
  SparseIds ids(const ParsedFeatures& features) const override;

 private:
  std::string key_;
  int64_t size_;
  FeatureType type_;
};
std::shared_ptr<HashedColumn> categorical_column_with_hash_bucket(const std::string& key, int64_t hash_bucket_size,
                                                                  FeatureType type = FeatureType::bytes);

// int64 values used as ids directly; a value outside [0, num_buckets) takes default_value, or
// is an error when there is none.
class IdentityColumn : public CategoricalColumn {
 public:
  IdentityColumn(std::string key, int64_t num_buckets, std::optional<int64_t> default_value);
  std::string name() const override { return key_; }
  void add_spec(std::vector<FeatureSpec>& spec) const override;
  int64_t num_buckets() const override { return n_; }
  SparseIds ids(const ParsedFeatures& features) const override;

 private:
  std::string key_;
  int64_t n_;
  std::optional<int64_t> default_;
};
std::shared_ptr<IdentityColumn> categorical_column_with_identity(const std::string& key, int64_t num_buckets,
                                                                 std::optional<int64_t> default_value = std::nullopt);

// The cross of several inputs: for every combination (v1, ..., vk) of one value from each input
// (the Cartesian product of the bags), id = fnv1a64("v1_X_v2_X_...") % hash_bucket_size. An input
// is a raw feature key (bytes or int64: its values as strings) or a categorical column (its ids
// in decimal).
struct CrossInput {
  std::string key;                               // a raw feature, or
  std::shared_ptr<CategoricalColumn> column;     // a categorical column
  FeatureType type = FeatureType::bytes;         // the raw feature's type
};
class CrossedColumn : public CategoricalColumn {
 public:
  CrossedColumn(std::vector<CrossInput> inputs, int64_t hash_bucket_size);
  std::string name() const override;
  void add_spec(std::vector<FeatureSpec>& spec) const override;
  int64_t num_buckets() const override { return size_; }
  SparseIds ids(const ParsedFeatures& features) const override;

 private:
  std::vector<CrossInput> inputs_;
  int64_t size_;
};
std::shared_ptr<CrossedColumn> crossed_column(std::vector<CrossInput> inputs, int64_t hash_bucket_size);

// ---- input layer --------------------------------------------------------------------------------
// The spec that parses every feature the columns read (tf.feature_column.make_parse_example_spec).
std::vector<FeatureSpec> make_parse_example_spec(const std::vector<std::shared_ptr<FeatureColumn>>& columns);

// cat(column.dense(features) for each column, axis 1), in the order given: (batch, sum of dimensions).
class InputLayer : public nn::Module {
 public:
  explicit InputLayer(std::vector<std::shared_ptr<DenseColumn>> columns, DType dtype = DType::f32);
  int64_t dimension() const;
  Tensor forward(const ParsedFeatures& features) const;
  Tensor forward(const std::vector<Example>& batch) const { return forward(parse_example(batch, spec_)); }
  const std::vector<FeatureSpec>& spec() const { return spec_; }

 private:
  std::vector<std::shared_ptr<DenseColumn>> columns_;
  std::vector<FeatureSpec> spec_;
  DType dtype_;
};

}  // namespace tg::data
