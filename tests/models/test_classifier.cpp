// The FD classifier: the checkpoint round-trips (same features after load), a missing checkpoint says how to make
// one, the class histogram counts argmaxes, and FD between a set and itself is ~0.
#include <filesystem>

#include "models/classifier.h"
#include "test_util.h"

using namespace tg;

namespace {

models::ClassifierConfig tiny() { return {.channels1 = 2, .channels2 = 3, .features = 8}; }

std::string temp_path(const char* name) { return (std::filesystem::temp_directory_path() / name).string(); }

}  // namespace

TEST_CASE("classifier: shapes, checkpoint round trip, histogram, FD to itself") {
  Generator gen(5);
  models::Classifier model(tiny(), gen);
  Tensor images = rand({12, 784}, gen);
  CHECK(model.features(images).shape() == Shape{12, 8});
  CHECK(model(reshape(images, {12, 1, 28, 28})).shape() == Shape{12, 10});
  CHECK(test::error_report([&] { model(zeros({2, 783})); }, {"Classifier", "(2, 783)"}) == "");

  model(images);  // one training-mode pass moves the BN running statistics off their (0, 1) start
  model.eval();   // then those statistics normalise, as in the loaded copy
  const std::string path = temp_path("tg_test_classifier.safetensors");
  models::save_classifier(path, model, {{"test_accuracy", "0.5"}});
  std::shared_ptr<models::Classifier> loaded = models::load_classifier(path);
  CHECK(loaded->config().channels2 == 3);
  CHECK(!loaded->is_training());
  CHECK(test::compare(models::classifier_features(*loaded, images), model.features(images).detach(), 0, 0) == "");
  std::filesystem::remove(path);
  CHECK(test::error_report([&] { models::load_classifier(path); }, {"load_classifier", path, "classifier_fmnist"}) == "");

  std::vector<int64_t> counts = models::class_histogram(model, images), expected(10, 0);
  for (int64_t c : argmax(model(images), 1).to_vector<int64_t>()) ++expected[size_t(c)];
  CHECK(counts == expected);
  // 12 rows of 8 features: a singular covariance; FD to itself cancels to rounding
  CHECK(std::abs(models::frechet_distance_to_test(model, images, images)) < 1e-6);
}
