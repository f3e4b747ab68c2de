// Categorical feature columns: vocabulary (list or file), hash bucket, identity and crossed
// (see feature_columns.h). Each maps an example's raw values to a bag of ids in [0, num_buckets).
#include <fstream>

#include "core/error.h"
#include "data/feature_columns.h"

namespace tg::data {

namespace {

const RaggedFeature& raw(const ParsedFeatures& features, const std::string& key, FeatureType type, const char* who) {
  auto it = features.find(key);
  TG_CHECK(it != features.end(), "{}: feature '{}' was not parsed (add the column's spec to parse_example)", who, key);
  TG_CHECK(it->second.type == type, "{}: feature '{}' was parsed as {}, the column reads {}", who, key,
           feature_type_name(it->second.type), feature_type_name(type));
  return it->second;
}

// Maps each value of each row through id_of (which returns -1 to drop the value).
template <class F>
SparseIds map_ids(const RaggedFeature& f, F&& id_of) {
  SparseIds out;
  for (int64_t b = 0; b < f.rows(); ++b) {
    for (int64_t i = f.row_splits[size_t(b)]; i < f.row_splits[size_t(b) + 1]; ++i) {
      int64_t id = id_of(b, i);
      if (id >= 0) out.ids.push_back(id);
    }
    out.row_splits.push_back(int64_t(out.ids.size()));
  }
  return out;
}

void check_categorical_type(FeatureType type, const std::string& key, const char* who) {
  TG_CHECK(type != FeatureType::float32, "{} '{}': categorical features must be bytes or int64, not float32", who, key);
}

}  // namespace

uint64_t fnv1a64(const std::string& s) {
  // h = offset basis; for each byte: h = (h ^ byte) * FNV prime (64-bit)
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// ---- vocabulary ---------------------------------------------------------------------------------

VocabularyColumn::VocabularyColumn(std::string key, FeatureType type, std::vector<std::string> vocabulary,
                                   int64_t num_oov_buckets, int64_t default_value)
    : key_(std::move(key)), type_(type), vocab_(std::move(vocabulary)), oov_(num_oov_buckets), default_(default_value) {
  check_categorical_type(type, key_, "categorical_column_with_vocabulary");
  TG_CHECK(!vocab_.empty(), "categorical_column_with_vocabulary '{}': empty vocabulary", key_);
  TG_CHECK(oov_ >= 0, "categorical_column_with_vocabulary '{}': num_oov_buckets must be >= 0, got {}", key_, oov_);
  TG_CHECK(oov_ == 0 || default_ == -1, "categorical_column_with_vocabulary '{}': give num_oov_buckets or "
           "default_value, not both", key_);
  TG_CHECK(default_ >= -1 && default_ < int64_t(vocab_.size()), "categorical_column_with_vocabulary '{}': "
           "default_value {} is not -1 or an id below the vocabulary size {}", key_, default_, vocab_.size());
  for (size_t i = 0; i < vocab_.size(); ++i) {
    bool fresh = index_.emplace(vocab_[i], int64_t(i)).second;
    TG_CHECK(fresh, "categorical_column_with_vocabulary '{}': '{}' appears twice in the vocabulary", key_, vocab_[i]);
  }
}

void VocabularyColumn::add_spec(std::vector<FeatureSpec>& spec) const { spec.push_back(var_len_feature(key_, type_)); }

SparseIds VocabularyColumn::ids(const ParsedFeatures& features) const {
  const RaggedFeature& f = raw(features, key_, type_, "categorical_column_with_vocabulary");
  int64_t n = int64_t(vocab_.size());
  return map_ids(f, [&](int64_t, int64_t i) {
    std::string v = f.value_string(i);
    auto it = index_.find(v);
    if (it != index_.end()) return it->second;
    return oov_ > 0 ? n + int64_t(fnv1a64(v) % uint64_t(oov_)) : default_;
  });
}

std::shared_ptr<VocabularyColumn> categorical_column_with_vocabulary_list(const std::string& key,
                                                                          std::vector<std::string> vocabulary,
                                                                          int64_t num_oov_buckets, int64_t default_value) {
  return std::make_shared<VocabularyColumn>(key, FeatureType::bytes, std::move(vocabulary), num_oov_buckets,
                                            default_value);
}

std::shared_ptr<VocabularyColumn> categorical_column_with_vocabulary_list(const std::string& key,
                                                                          const std::vector<int64_t>& vocabulary,
                                                                          int64_t num_oov_buckets, int64_t default_value) {
  std::vector<std::string> words;
  for (int64_t v : vocabulary) words.push_back(std::to_string(v));
  return std::make_shared<VocabularyColumn>(key, FeatureType::int64, std::move(words), num_oov_buckets, default_value);
}

std::shared_ptr<VocabularyColumn> categorical_column_with_vocabulary_file(const std::string& key,
                                                                          const std::string& path,
                                                                          int64_t vocabulary_size,
                                                                          int64_t num_oov_buckets,
                                                                          int64_t default_value, FeatureType type) {
  std::ifstream in(path);
  TG_CHECK(in.good(), "categorical_column_with_vocabulary_file '{}': cannot open vocabulary file {}", key, path);
  std::vector<std::string> words;
  std::string line;
  while ((vocabulary_size < 0 || int64_t(words.size()) < vocabulary_size) && std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    words.push_back(line);
  }
  TG_CHECK(vocabulary_size < 0 || int64_t(words.size()) == vocabulary_size,
           "categorical_column_with_vocabulary_file '{}': {} has {} lines, vocabulary_size is {}", key, path,
           words.size(), vocabulary_size);
  return std::make_shared<VocabularyColumn>(key, type, std::move(words), num_oov_buckets, default_value);
}

// ---- hash bucket --------------------------------------------------------------------------------

HashedColumn::HashedColumn(std::string key, int64_t hash_bucket_size, FeatureType type)
    : key_(std::move(key)), size_(hash_bucket_size), type_(type) {
  check_categorical_type(type, key_, "categorical_column_with_hash_bucket");
  TG_CHECK(size_ >= 1, "categorical_column_with_hash_bucket '{}': hash_bucket_size must be >= 1, got {}", key_, size_);
}

void HashedColumn::add_spec(std::vector<FeatureSpec>& spec) const { spec.push_back(var_len_feature(key_, type_)); }

SparseIds HashedColumn::ids(const ParsedFeatures& features) const {
  const RaggedFeature& f = raw(features, key_, type_, "categorical_column_with_hash_bucket");
  return map_ids(f, [&](int64_t, int64_t i) { return int64_t(fnv1a64(f.value_string(i)) % uint64_t(size_)); });
}

std::shared_ptr<HashedColumn> categorical_column_with_hash_bucket(const std::string& key, int64_t hash_bucket_size,
                                                                  FeatureType type) {
  return std::make_shared<HashedColumn>(key, hash_bucket_size, type);
}

// ---- identity -----------------------------------------------------------------------------------

IdentityColumn::IdentityColumn(std::string key, int64_t num_buckets, std::optional<int64_t> default_value)
    : key_(std::move(key)), n_(num_buckets), default_(default_value) {
  TG_CHECK(n_ >= 1, "categorical_column_with_identity '{}': num_buckets must be >= 1, got {}", key_, n_);
  TG_CHECK(!default_ || (*default_ >= 0 && *default_ < n_), "categorical_column_with_identity '{}': default_value {} "
           "is outside [0, {})", key_, default_.value_or(0), n_);
}

void IdentityColumn::add_spec(std::vector<FeatureSpec>& spec) const {
  spec.push_back(var_len_feature(key_, FeatureType::int64));
}

SparseIds IdentityColumn::ids(const ParsedFeatures& features) const {
  const RaggedFeature& f = raw(features, key_, FeatureType::int64, "categorical_column_with_identity");
  return map_ids(f, [&](int64_t b, int64_t i) {
    int64_t v = f.int64s[size_t(i)];
    if (v >= 0 && v < n_) return v;
    TG_CHECK(default_.has_value(), "categorical_column_with_identity '{}': example {} has id {}, outside [0, {}) "
             "and there is no default_value", key_, b, v, n_);
    return *default_;
  });
}

std::shared_ptr<IdentityColumn> categorical_column_with_identity(const std::string& key, int64_t num_buckets,
                                                                 std::optional<int64_t> default_value) {
  return std::make_shared<IdentityColumn>(key, num_buckets, default_value);
}

// ---- crossed ------------------------------------------------------------------------------------

CrossedColumn::CrossedColumn(std::vector<CrossInput> inputs, int64_t hash_bucket_size)
    : inputs_(std::move(inputs)), size_(hash_bucket_size) {
  TG_CHECK(inputs_.size() >= 2, "crossed_column: needs at least 2 inputs, got {}", inputs_.size());
  TG_CHECK(size_ >= 1, "crossed_column: hash_bucket_size must be >= 1, got {}", size_);
  for (const auto& in : inputs_) {
    TG_CHECK(in.column || !in.key.empty(), "crossed_column: an input has neither a key nor a column");
    if (!in.column) check_categorical_type(in.type, in.key, "crossed_column");
  }
}

std::string CrossedColumn::name() const {
  std::string n;
  for (const auto& in : inputs_) n += (n.empty() ? "" : "_X_") + (in.column ? in.column->name() : in.key);
  return n;
}

void CrossedColumn::add_spec(std::vector<FeatureSpec>& spec) const {
  for (const auto& in : inputs_) {
    if (in.column)
      in.column->add_spec(spec);
    else
      spec.push_back(var_len_feature(in.key, in.type));
  }
}

SparseIds CrossedColumn::ids(const ParsedFeatures& features) const {
  // Each input as strings per row.
  std::vector<std::vector<std::vector<std::string>>> values;  // [input][row][value]
  int64_t rows = -1;
  for (const auto& in : inputs_) {
    std::vector<std::vector<std::string>> per_row;
    if (in.column) {
      SparseIds s = in.column->ids(features);
      for (int64_t b = 0; b < s.rows(); ++b) {
        per_row.emplace_back();
        for (int64_t i = s.row_splits[size_t(b)]; i < s.row_splits[size_t(b) + 1]; ++i)
          per_row.back().push_back(std::to_string(s.ids[size_t(i)]));
      }
    } else {
      const RaggedFeature& f = raw(features, in.key, in.type, "crossed_column");
      for (int64_t b = 0; b < f.rows(); ++b) {
        per_row.emplace_back();
        for (int64_t i = f.row_splits[size_t(b)]; i < f.row_splits[size_t(b) + 1]; ++i)
          per_row.back().push_back(f.value_string(i));
      }
    }
    TG_CHECK(rows < 0 || int64_t(per_row.size()) == rows, "crossed_column: inputs have different batch sizes");
    rows = int64_t(per_row.size());
    values.push_back(std::move(per_row));
  }
  SparseIds out;
  for (int64_t b = 0; b < rows; ++b) {
    // The Cartesian product, odometer style: pick[k] indexes input k's values in this row.
    std::vector<size_t> pick(inputs_.size(), 0);
    bool empty = false;
    for (const auto& v : values) empty = empty || v[size_t(b)].empty();
    while (!empty) {
      std::string joined;
      for (size_t k = 0; k < inputs_.size(); ++k) joined += (k ? "_X_" : "") + values[k][size_t(b)][pick[k]];
      out.ids.push_back(int64_t(fnv1a64(joined) % uint64_t(size_)));
      size_t k = inputs_.size();
      while (k > 0 && ++pick[k - 1] == values[k - 1][size_t(b)].size()) pick[--k] = 0;
      if (k == 0) break;
    }
    out.row_splits.push_back(int64_t(out.ids.size()));
  }
  return out;
}

std::shared_ptr<CrossedColumn> crossed_column(std::vector<CrossInput> inputs, int64_t hash_bucket_size) {
  return std::make_shared<CrossedColumn>(std::move(inputs), hash_bucket_size);
}

}  // namespace tg::data
