#include "http/metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace gatehouse::http {
namespace {

TEST(MetricsTest, UncommonStatusesFallIntoClassBuckets) {
  Metrics m;
  RouteMetrics* r = m.AddRoute("/x");
  r->Record(418, 0.001);
  r->Record(502, 0.001);
  std::string text = m.Render();
  EXPECT_NE(text.find("route=\"/x\",code=\"4xx\"} 1"), std::string::npos);
  EXPECT_NE(text.find("route=\"/x\",code=\"5xx\"} 1"), std::string::npos);
}

TEST(MetricsTest, ConcurrentRecordingLosesNothing) {
  Metrics m;
  RouteMetrics* r = m.AddRoute("/x");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([r] {
      for (int i = 0; i < 10000; ++i) r->Record(200, 0.0001);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_NE(m.Render().find("code=\"200\"} 40000\n"), std::string::npos);
}

TEST(MetricsTest, AddRouteIsIdempotent) {
  Metrics m;
  EXPECT_EQ(m.AddRoute("/x"), m.AddRoute("/x"));
}

}  // namespace
}  // namespace gatehouse::http
