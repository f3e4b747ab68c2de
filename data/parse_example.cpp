// parse_example (see parse_example.h).
#include "data/parse_example.h"

#include "core/error.h"

namespace tg::data {

namespace {

Feature::Kind kind_of(FeatureType t) {
  return t == FeatureType::float32 ? Feature::Kind::floats
         : t == FeatureType::int64 ? Feature::Kind::int64s
                                   : Feature::Kind::bytes;
}
const char* kind_name(Feature::Kind k) {
  switch (k) {
    case Feature::Kind::bytes: return "bytes_list";
    case Feature::Kind::floats: return "float_list";
    case Feature::Kind::int64s: return "int64_list";
    default: return "no list";
  }
}
size_t count(const Feature& f) { return f.bytes_list.size() + f.float_list.size() + f.int64_list.size(); }

// Appends values [0, n) of f (n <= count), or value 0 n times when `repeat_first`.
void append(RaggedFeature& out, const Feature& f, size_t n, bool repeat_first) {
  for (size_t i = 0; i < n; ++i) {
    size_t j = repeat_first ? 0 : i;
    if (out.type == FeatureType::float32) out.floats.push_back(f.float_list[j]);
    if (out.type == FeatureType::int64) out.int64s.push_back(f.int64_list[j]);
    if (out.type == FeatureType::bytes) out.bytes.push_back(f.bytes_list[j]);
  }
  out.row_splits.push_back(out.row_splits.back() + int64_t(n));
}

}  // namespace

const char* feature_type_name(FeatureType t) {
  return t == FeatureType::float32 ? "float32" : t == FeatureType::int64 ? "int64" : "bytes";
}

FeatureSpec fixed_len_feature(const std::string& key, FeatureType type, int64_t length, std::optional<Feature> dflt) {
  TG_CHECK(length >= 1, "fixed_len_feature '{}': length must be >= 1, got {}", key, length);
  if (dflt) {
    TG_CHECK(dflt->kind == kind_of(type), "fixed_len_feature '{}': default is a {}, the feature is {}", key,
             kind_name(dflt->kind), feature_type_name(type));
    TG_CHECK(count(*dflt) == 1 || int64_t(count(*dflt)) == length,
             "fixed_len_feature '{}': default has {} values, expected 1 or {}", key, count(*dflt), length);
  }
  return {key, type, true, length, std::move(dflt)};
}

FeatureSpec var_len_feature(const std::string& key, FeatureType type) { return {key, type, false, 0, std::nullopt}; }

std::string RaggedFeature::value_string(int64_t i) const {
  if (type == FeatureType::bytes) return bytes[size_t(i)];
  if (type == FeatureType::int64) return std::to_string(int64s[size_t(i)]);
  return fmt::format("{}", floats[size_t(i)]);
}

ParsedFeatures parse_example(const std::vector<Example>& batch, const std::vector<FeatureSpec>& spec) {
  ParsedFeatures out;
  std::map<std::string, const FeatureSpec*> seen;
  for (const FeatureSpec& s : spec) {
    auto [it, fresh] = seen.emplace(s.key, &s);
    if (!fresh) {
      const FeatureSpec& o = *it->second;
      TG_CHECK(o.type == s.type && o.fixed == s.fixed && o.length == s.length,
               "parse_example: feature '{}' appears twice in the spec with different types or lengths", s.key);
      continue;
    }
    RaggedFeature col;
    col.type = s.type;
    for (size_t b = 0; b < batch.size(); ++b) {
      auto f = batch[b].features.find(s.key);
      bool present = f != batch[b].features.end() && f->second.kind != Feature::Kind::none;
      if (present) {
        TG_CHECK(f->second.kind == kind_of(s.type), "parse_example: feature '{}' of example {} is a {}, the spec "
                 "wants {}", s.key, b, kind_name(f->second.kind), feature_type_name(s.type));
        size_t n = count(f->second);
        TG_CHECK(!s.fixed || int64_t(n) == s.length, "parse_example: feature '{}' of example {} has {} values, the "
                 "FixedLenFeature wants {}", s.key, b, n, s.length);
        append(col, f->second, n, false);
      } else if (!s.fixed) {
        col.row_splits.push_back(col.row_splits.back());
      } else {
        TG_CHECK(s.default_value.has_value(), "parse_example: example {} has no feature '{}', and its "
                 "FixedLenFeature has no default", b, s.key);
        append(col, *s.default_value, size_t(s.length), count(*s.default_value) == 1);
      }
    }
    out.emplace(s.key, std::move(col));
  }
  return out;
}

ParsedFeatures parse_example(const std::vector<std::string>& serialized, const std::vector<FeatureSpec>& spec) {
  std::vector<Example> batch;
  batch.reserve(serialized.size());
  for (size_t b = 0; b < serialized.size(); ++b) {
    try {
      batch.push_back(decode_example(serialized[b]));
    } catch (const Error& e) {
      fail("parse_example: example {}: {}", b, e.what());
    }
  }
  return parse_example(batch, spec);
}

}  // namespace tg::data
