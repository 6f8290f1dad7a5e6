#include "common/ids.h"

#include <gtest/gtest.h>

#include <set>

namespace gatehouse {
namespace {

TEST(IdsTest, PrefixAndShape) {
  FakeRandom random(7);
  std::string id = NewId(random, id_prefix::kClient);
  EXPECT_EQ(id.size(), 4u + 20u);
  EXPECT_TRUE(id.starts_with("skc_"));
  EXPECT_TRUE(IsWellFormedId(id, "skc"));
  EXPECT_FALSE(IsWellFormedId(id, "org"));
}

TEST(IdsTest, DistinctAndDeterministicWithFakeRandom) {
  FakeRandom a(1), b(1);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string x = NewId(a, "usr");
    EXPECT_EQ(x, NewId(b, "usr"));
    EXPECT_TRUE(seen.insert(x).second);
  }
}

TEST(IdsTest, RejectsMalformed) {
  EXPECT_FALSE(IsWellFormedId("skc_", "skc"));
  EXPECT_FALSE(IsWellFormedId("skc_ABC", "skc"));
  EXPECT_FALSE(IsWellFormedId("skc-abc", "skc"));
  EXPECT_FALSE(IsWellFormedId("skc_a b", "skc"));
  EXPECT_FALSE(IsWellFormedId("skc_" + std::string(65, 'a'), "skc"));
}

TEST(RandomTest, UniformStaysInRange) {
  FakeRandom r(3);
  int counts[6] = {};
  for (int i = 0; i < 6000; ++i) {
    auto v = r.Uniform(6);
    ASSERT_LT(v, 6u);
    ++counts[v];
  }
  for (int c : counts) EXPECT_GT(c, 800);
}

}  // namespace
}  // namespace gatehouse
