#include "oauth/client_cache.h"

#include <gtest/gtest.h>

namespace gatehouse::oauth {
namespace {

TEST(ClientCacheTest, ServesFromMemoryUntilTtlThenRereads) {
  auto store = std::move(store::OpenStore("sqlite::memory:", {.create_if_missing = true})).value();
  ASSERT_TRUE(store->CreateClient({.id = "skc_a", .name = "A", .secret_hash = "sha256:x",
                                   .redirect_uris = {"https://a.example.com/cb"}, .created_at = 1, .updated_at = 1})
                  .ok());
  FakeClock clock;
  ClientCache cache(*store, clock, std::chrono::milliseconds(2000));
  auto first = cache.Get("skc_a");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(store->UpdateClient("skc_a", [](store::Client c) -> Result<store::Client> {
                     c.redirect_uris.clear();
                     return c;
                   }).ok());
  clock.Advance(std::chrono::milliseconds(1999));
  EXPECT_EQ((*cache.Get("skc_a"))->redirect_uris.size(), 1u);  // still the cached copy
  clock.Advance(std::chrono::milliseconds(1));
  EXPECT_TRUE((*cache.Get("skc_a"))->redirect_uris.empty());  // re-read after the TTL
  ASSERT_TRUE(store->DeleteClient("skc_a").ok());
  clock.Advance(std::chrono::milliseconds(2000));
  EXPECT_EQ(cache.Get("skc_a").error().code(), StatusCode::kNotFound);
}

TEST(ClientCacheTest, UnknownIdsAreNotCached) {
  auto store = std::move(store::OpenStore("sqlite::memory:", {.create_if_missing = true})).value();
  FakeClock clock;
  ClientCache cache(*store, clock, std::chrono::milliseconds(2000));
  EXPECT_FALSE(cache.Get("skc_late").ok());
  ASSERT_TRUE(store->CreateClient({.id = "skc_late", .name = "L", .secret_hash = "sha256:x", .created_at = 1,
                                   .updated_at = 1})
                  .ok());
  EXPECT_TRUE(cache.Get("skc_late").ok());
}

TEST(ConnectionCacheTest, ServesEachOwnersListUntilTtl) {
  auto store = std::move(store::OpenStore("sqlite::memory:", {.create_if_missing = true})).value();
  ASSERT_TRUE(store->CreateOrganization({.id = "org_a", .display_name = "A", .created_at = 1, .updated_at = 1}).ok());
  store::Connection c{.id = "conn_email", .type = store::ConnectionType::kPasswordless, .provider = "email",
                      .enabled = true, .settings_json = "{}", .created_at = 1, .updated_at = 1};
  ASSERT_TRUE(store->CreateConnection(c).ok());
  FakeClock clock;
  ConnectionCache cache(*store, clock, std::chrono::milliseconds(2000));
  EXPECT_EQ((*cache.List(""))->size(), 1u);
  EXPECT_TRUE((*cache.List("org_a"))->empty());  // each owner is its own entry
  ASSERT_TRUE(store->SetConnectionEnabled("conn_email", false, 2).ok());
  clock.Advance(std::chrono::milliseconds(1999));
  EXPECT_TRUE((*cache.List(""))->front().enabled);
  clock.Advance(std::chrono::milliseconds(1));
  EXPECT_FALSE((*cache.List(""))->front().enabled);
}

}  // namespace
}  // namespace gatehouse::oauth
