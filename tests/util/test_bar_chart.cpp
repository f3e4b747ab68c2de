// util::BarChart: bad data is refused with the chart's title and the offending counts or value.
#include "test_util.h"
#include "util/bar_chart.h"

using namespace tg;

TEST_CASE("BarChart: renders at the asked size; mismatched labels, negative or NaN values raise" * TG_CPU_ONLY) {
  util::BarChart chart{.title = "classes", .y_label = "share", .labels = {"a", "b", "c"}, .values = {0.2, 0.5, 0.3},
                       .reference = 1.0 / 3, .reference_label = "uniform"};
  util::Image img = chart.render(400, 300);
  CHECK(img.width() == 400);
  CHECK(img.height() == 300);
  chart.values = {0.2, 0.5};
  CHECK(test::error_report([&] { chart.render(); }, {"BarChart 'classes'", "3 labels and 2 values"}) == "");
  chart.values = {0.2, -0.5, 1};
  CHECK(test::error_report([&] { chart.render(); }, {"BarChart 'classes'", "-0.5"}) == "");
  chart.values = {0.2, NAN, 1};
  CHECK(test::error_report([&] { chart.render(); }, {"finite", "nan"}) == "");
}
