// tf.io.parse_example: a batch of Examples and a feature spec -> one column of values per feature.
// A FixedLenFeature must have exactly `length` values in every example (or take its default when
// missing); a VarLenFeature may have any number, including none. Every column comes back as a
// ragged batch (row b holds values[row_splits[b] .. row_splits[b + 1])), which feature columns read.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "data/example.h"

namespace tg::data {

enum class FeatureType { float32, int64, bytes };
const char* feature_type_name(FeatureType t);

struct FeatureSpec {
  std::string key;
  FeatureType type = FeatureType::float32;
  bool fixed = true;    // FixedLenFeature (true) or VarLenFeature (false)
  int64_t length = 1;   // fixed only
  // fixed only: used when the feature is missing; its kind must match `type`, with 1 value
  // (repeated to `length`) or `length` values. No default: a missing feature is an error.
  std::optional<Feature> default_value;
};

FeatureSpec fixed_len_feature(const std::string& key, FeatureType type, int64_t length = 1,
                              std::optional<Feature> default_value = std::nullopt);
FeatureSpec var_len_feature(const std::string& key, FeatureType type);

struct RaggedFeature {
  FeatureType type = FeatureType::float32;
  std::vector<int64_t> row_splits{0};  // batch + 1 entries
  std::vector<float> floats;           // type float32
  std::vector<int64_t> int64s;         // type int64
  std::vector<std::string> bytes;      // type bytes
  int64_t rows() const { return int64_t(row_splits.size()) - 1; }
  int64_t row_length(int64_t b) const { return row_splits[size_t(b) + 1] - row_splits[size_t(b)]; }
  // Value i as a string (bytes as they are, numbers in decimal): what categorical columns look up.
  std::string value_string(int64_t i) const;
};

using ParsedFeatures = std::map<std::string, RaggedFeature>;

// Errors name the feature and the example's index in the batch. Duplicate keys in the spec must agree.
ParsedFeatures parse_example(const std::vector<Example>& batch, const std::vector<FeatureSpec>& spec);
ParsedFeatures parse_example(const std::vector<std::string>& serialized, const std::vector<FeatureSpec>& spec);

}  // namespace tg::data
