// safetensors: round trip of every dtype, a hand-built file in the reference byte layout,
// and corrupt headers, each an error naming the problem and where it is.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "nn/safetensors.h"
#include "test_util.h"

using namespace tg;

namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("tapegrad_st_" + name)).string();
}

// A file: 8-byte little-endian length, the JSON text, then the data bytes.
std::vector<uint8_t> build(const std::string& json, const std::vector<uint8_t>& data) {
  std::string file(8, '\0');
  for (int i = 0; i < 8; ++i) file[size_t(i)] = char((uint64_t(json.size()) >> (8 * i)) & 0xff);
  file += json;
  file.append(data.begin(), data.end());
  return std::vector<uint8_t>(file.begin(), file.end());
}

std::string error_of(const std::vector<uint8_t>& bytes) {
  try {
    parse_safetensors(bytes.data(), bytes.size(), "f.safetensors");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("safetensors: round trip of every dtype with metadata") {
  NamedTensors in = {{"w", tensor({1.5, -2, 3, 4}, {2, 2})},
                     {"d", tensor({0.1}, {1}, {.dtype = DType::f64})},
                     {"h", tensor({0.5, 65504}, {2}, {.dtype = DType::f16})},
                     {"b", tensor({1, -3}, {2}, {.dtype = DType::bf16})},
                     {"i", tensor({7, -8, 9}, {3}, {.dtype = DType::i32})},
                     {"l", tensor({1LL << 40}, {1, 1}, {.dtype = DType::i64})},
                     {"empty", zeros({0, 3})}};
  std::string path = temp_path("roundtrip.safetensors");
  save_safetensors(path, in, {{"format", "pt"}});
  SafetensorsFile out = load_safetensors(path);
  REQUIRE(out.tensors.size() == in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    CHECK(out.tensors[i].first == in[i].first);
    CHECK(out.tensors[i].second.dtype() == in[i].second.dtype());
    CHECK_CLOSE(out.tensors[i].second, in[i].second, 0.0, 0.0);
  }
  CHECK(out.metadata.at("format") == "pt");
  CHECK(!std::filesystem::exists(path + ".tmp." + std::to_string(getpid())));
  std::remove(path.c_str());
}

TEST_CASE("safetensors: a hand-built file in the reference layout reads back") {
  // Two F32 tensors: a = [1, 2] at bytes [0, 8), b = [[3]] at [8, 12); header padded with spaces.
  std::string json = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1,1],"data_offsets":[8,12]}})";
  json.append((8 - json.size() % 8) % 8, ' ');
  std::vector<uint8_t> data = {0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40};  // 1.0f, 2.0f, 3.0f little-endian
  SafetensorsFile f = parse_safetensors(build(json, data).data(), build(json, data).size(), "hand");
  REQUIRE(f.tensors.size() == 2);
  CHECK(f.tensors[0].first == "a");
  CHECK_CLOSE(f.tensors[0].second, {1.0, 2.0});
  CHECK(f.tensors[1].second.shape() == Shape{1, 1});
  CHECK_CLOSE(f.tensors[1].second, {3.0});
  // our writer produces exactly this layout for the same tensors
  std::string path = temp_path("same.safetensors");
  save_safetensors(path, {{"a", tensor({1, 2})}, {"b", tensor({3}, {1, 1})}});
  std::ifstream file(path, std::ios::binary);
  std::vector<uint8_t> written((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  CHECK(written == build(json, data));
  std::remove(path.c_str());
}

TEST_CASE("safetensors: corrupt headers are errors naming the problem") {
  std::vector<uint8_t> four_bytes = {0, 0, 0x80, 0x3f};
  CHECK(error_of({1, 2, 3}).find("too short") != std::string::npos);
  CHECK(error_of(build("{}", {})).empty());  // an empty file with an empty header is valid
  std::vector<uint8_t> huge = build("{}", {});
  huge[7] = 0x7f;
  CHECK(error_of(huge).find("exceeds") != std::string::npos);
  std::vector<uint8_t> past = build("{}", {});
  past[0] = 40;
  CHECK(error_of(past).find("runs past the end") != std::string::npos);
  CHECK(error_of(build("{\"a\": ", {})).find("does not parse") != std::string::npos);
  CHECK(error_of(build("[1]", {})).find("not an object") != std::string::npos);
  CHECK(error_of(build(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}})", four_bytes)).find("unsupported dtype") != std::string::npos);
  CHECK(error_of(build(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}})", four_bytes)).find("fall outside") != std::string::npos);
  CHECK(error_of(build(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", four_bytes)).find("needs 8") != std::string::npos);
  CHECK(error_of(build(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", four_bytes)).find("negative") != std::string::npos);
  CHECK(error_of(build(R"({"a":{"dtype":"F32","shape":[1]}})", four_bytes)).find("needs dtype, shape and data_offsets") != std::string::npos);
  CHECK(error_of(build(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,4]}})", four_bytes))
            .find("overflows") != std::string::npos);
  std::vector<uint8_t> eight(8, 0);
  CHECK(error_of(build(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", eight)).find("not used by any tensor") != std::string::npos);
  CHECK(error_of(build(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", eight))
            .find("claimed by two tensors") != std::string::npos);
  CHECK(error_of(build(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", eight)).find("trailing data bytes") != std::string::npos);
  CHECK(error_of(build(R"({"__metadata__":{"k":1}})", {})).find("not a string") != std::string::npos);
}

TEST_CASE("safetensors: a failed write leaves the old file intact") {
  std::string dir = temp_path("readonly_dir");
  std::filesystem::create_directories(dir);
  std::string path = dir + "/ckpt.safetensors";
  save_safetensors(path, {{"x", tensor({1})}});
  std::filesystem::permissions(dir, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  bool can_still_write = ::access(dir.c_str(), W_OK) == 0;  // root ignores permissions
  if (!can_still_write) CHECK_THROWS_AS(save_safetensors(path, {{"x", tensor({2})}}), Error);
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all);
  if (!can_still_write) CHECK_CLOSE(load_safetensors(path).tensors[0].second, {1.0});
  std::filesystem::remove_all(dir);
}
