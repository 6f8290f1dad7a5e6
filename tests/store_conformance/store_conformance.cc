// The Store conformance suite (see store_conformance.h). One TEST_P per contract point of
// src/store/store.h; every backend must pass all of them.
#include "store_conformance/store_conformance.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace gatehouse::store {

void PrintTo(const Client& c, std::ostream* os) {
  *os << "Client{id=" << ::testing::PrintToString(c.id) << ", name=" << ::testing::PrintToString(c.name)
      << ", secret_hash=" << ::testing::PrintToString(c.secret_hash)
      << ", redirect_uris=" << ::testing::PrintToString(c.redirect_uris)
      << ", post_logout_redirect_uris=" << ::testing::PrintToString(c.post_logout_redirect_uris)
      << ", scopes=" << ::testing::PrintToString(c.scopes)
      << ", organization_id=" << ::testing::PrintToString(c.organization_id)
      << ", backchannel_logout_uri=" << ::testing::PrintToString(c.backchannel_logout_uri)
      << ", created_at=" << c.created_at << ", updated_at=" << c.updated_at << "}";
}

void PrintTo(const SigningKeyRecord& k, std::ostream* os) {
  *os << "SigningKeyRecord{kid=" << ::testing::PrintToString(k.kid) << ", alg=" << k.alg
      << ", state=" << static_cast<int>(k.state) << ", public_jwk=" << ::testing::PrintToString(k.public_jwk)
      << ", sealed_private_key=(" << k.sealed_private_key.size() << " bytes), created_at=" << k.created_at
      << ", activated_at=" << k.activated_at << ", retired_at=" << k.retired_at
      << ", expires_at=" << k.expires_at << "}";
}

namespace testing {
namespace {

constexpr int kIterations = 25;

Client MakeClient(std::string id, UnixSeconds created_at = 1'700'000'000) {
  Client c;
  c.id = std::move(id);
  c.name = "App " + c.id;
  c.secret_hash = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$" + c.id;
  c.redirect_uris = {"https://app.example.com/callback", "http://127.0.0.1:8080/cb"};
  c.post_logout_redirect_uris = {"https://app.example.com/bye"};
  c.scopes = {"read:users", "write:users"};
  c.backchannel_logout_uri = "https://app.example.com/logout/backchannel";
  c.created_at = created_at;
  c.updated_at = created_at;
  return c;
}

SigningKeyRecord MakeKey(std::string kid, std::string alg, KeyState state, UnixSeconds created_at) {
  SigningKeyRecord k;
  k.kid = std::move(kid);
  k.alg = std::move(alg);
  k.state = state;
  k.public_jwk = R"({"kty":"EC","crv":"P-256","kid":")" + k.kid + R"(","x":"f83O","y":"x_FE"})";
  // Binary, with NUL and high bytes, as a sealed PKCS#8 blob is.
  k.sealed_private_key = std::string("\x00\x01\xfe\xff sealed \x00", 13) + k.kid;
  k.created_at = created_at;
  if (state == KeyState::kActive || state == KeyState::kRetired) k.activated_at = created_at + 10;
  if (state == KeyState::kRetired) {
    k.retired_at = created_at + 20;
    k.expires_at = created_at + 30;
  }
  return k;
}

const SigningKeyRecord* FindKey(const std::vector<SigningKeyRecord>& keys, std::string_view kid) {
  for (const auto& k : keys) {
    if (k.kid == kid) return &k;
  }
  return nullptr;
}

}  // namespace

void StoreConformanceTest::SetUp() {
  store_ = GetParam()();
  ASSERT_NE(store_, nullptr) << "the store factory failed";
}

// ---- Fresh stores ---------------------------------------------------------------------------

TEST_P(StoreConformanceTest, FreshStoreIsEmpty) {
  ASSERT_OK_AND_ASSIGN(auto clients, store().ListClients());
  EXPECT_TRUE(clients.empty());
  ASSERT_OK_AND_ASSIGN(auto keys, store().ListSigningKeys());
  EXPECT_TRUE(keys.empty());
  EXPECT_CODE(store().GetSetting("issuer"), kNotFound);
}

TEST_P(StoreConformanceTest, FactoryStoresAreIndependent) {
  std::unique_ptr<Store> other = GetParam()();
  ASSERT_NE(other, nullptr);
  ASSERT_OK(store().CreateClient(MakeClient("skc_one")));
  ASSERT_OK(store().PutSetting("issuer", "https://a.example"));
  ASSERT_OK_AND_ASSIGN(auto clients, other->ListClients());
  EXPECT_TRUE(clients.empty());
  EXPECT_CODE(other->GetSetting("issuer"), kNotFound);
}

// ---- Clients --------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, CreateThenGetReturnsTheSameClient) {
  const Client c = MakeClient("skc_abc");
  ASSERT_OK(store().CreateClient(c));
  ASSERT_OK_AND_ASSIGN(Client got, store().GetClient("skc_abc"));
  EXPECT_EQ(got, c);
}

TEST_P(StoreConformanceTest, GetMissingClientIsNotFound) {
  EXPECT_CODE(store().GetClient("skc_missing"), kNotFound);
  ASSERT_OK(store().CreateClient(MakeClient("skc_present")));
  EXPECT_CODE(store().GetClient("skc_missing"), kNotFound);
  EXPECT_CODE(store().GetClient(""), kNotFound);
}

TEST_P(StoreConformanceTest, CreateWithTakenIdIsAlreadyExistsAndKeepsTheOriginal) {
  const Client original = MakeClient("skc_dup");
  ASSERT_OK(store().CreateClient(original));
  Client other = MakeClient("skc_dup", 1'800'000'000);
  other.name = "Impostor";
  other.redirect_uris = {"https://evil.example/cb"};
  EXPECT_CODE(store().CreateClient(other), kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(Client got, store().GetClient("skc_dup"));
  EXPECT_EQ(got, original);
  ASSERT_OK_AND_ASSIGN(auto all, store().ListClients());
  EXPECT_EQ(all.size(), 1u);
}

TEST_P(StoreConformanceTest, FieldsRoundTripExactly) {
  Client c = MakeClient("skc_fields");
  c.name = "Zoë's \"App\" 🚀; DROP TABLE clients; --";
  c.secret_hash = std::string("hash\twith\\odd'\"bytes");
  c.redirect_uris.clear();
  c.post_logout_redirect_uris.clear();
  c.created_at = 0;
  c.updated_at = 253'402'300'799;  // 9999-12-31T23:59:59Z
  ASSERT_OK(store().CreateClient(c));
  ASSERT_OK_AND_ASSIGN(Client got, store().GetClient(c.id));
  EXPECT_EQ(got, c);
  EXPECT_TRUE(got.redirect_uris.empty());
  EXPECT_TRUE(got.post_logout_redirect_uris.empty());
}

TEST_P(StoreConformanceTest, RedirectUrisKeepOrderAndExactBytes) {
  Client c = MakeClient("skc_uris");
  // Not sorted, near-duplicates that exact matching must tell apart, and non-ASCII bytes.
  c.redirect_uris = {
      "https://z.example.com/cb",
      "https://a.example.com/cb/",
      "https://a.example.com/cb",
      "https://A.example.com/cb",
      "https://a.example.com/cb?x=1&y=%2F&z=a+b",
      "https://a.example.com/cb?x=1&y=%2f&z=a+b",
      "https://例え.jp/コールバック?q=ü&r=%E2%9C%93",
      "https://xn--r8jz45g.jp/cb",
      "http://127.0.0.1:49152/callback",
      "http://[::1]:8080/cb",
      "com.example.app:/oauth2redirect/example-provider",
      "https://a.example.com/path%20with%20spaces/",
  };
  c.post_logout_redirect_uris = {"https://a.example.com/logged-out?from=gatehouse#done",
                                 "https://a.example.com/"};
  ASSERT_OK(store().CreateClient(c));
  ASSERT_OK_AND_ASSIGN(Client got, store().GetClient(c.id));
  EXPECT_EQ(got.redirect_uris, c.redirect_uris);
  EXPECT_EQ(got.post_logout_redirect_uris, c.post_logout_redirect_uris);
  ASSERT_OK_AND_ASSIGN(auto all, store().ListClients());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0], c);
}

TEST_P(StoreConformanceTest, UriListsAreIndependent) {
  Client only_logout = MakeClient("skc_logout_only");
  only_logout.redirect_uris.clear();
  Client only_redirect = MakeClient("skc_redirect_only");
  only_redirect.post_logout_redirect_uris.clear();
  Client same = MakeClient("skc_same_in_both");
  same.redirect_uris = {"https://x.example/cb"};
  same.post_logout_redirect_uris = {"https://x.example/cb"};
  for (const Client* c : {&only_logout, &only_redirect, &same}) ASSERT_OK(store().CreateClient(*c));
  for (const Client* c : {&only_logout, &only_redirect, &same}) {
    ASSERT_OK_AND_ASSIGN(Client got, store().GetClient(c->id));
    EXPECT_EQ(got, *c);
  }
}

TEST_P(StoreConformanceTest, ListClientsIsOrderedByCreatedAtThenId) {
  // Created out of order, with ties on created_at broken by id.
  const std::vector<std::pair<std::string, UnixSeconds>> rows = {
      {"skc_d", 300}, {"skc_b", 100}, {"skc_c", 200}, {"skc_a", 300}, {"skc_e", 100}, {"skc_0", 200},
  };
  for (const auto& [id, created] : rows) ASSERT_OK(store().CreateClient(MakeClient(id, created)));
  ASSERT_OK_AND_ASSIGN(auto all, store().ListClients());
  std::vector<std::string> ids;
  for (const auto& c : all) ids.push_back(c.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"skc_b", "skc_e", "skc_0", "skc_c", "skc_a", "skc_d"}));
  // Each listed client is complete, URIs included.
  for (const auto& c : all) EXPECT_EQ(c, MakeClient(c.id, c.created_at));
}

TEST_P(StoreConformanceTest, DeleteClient) {
  ASSERT_OK(store().CreateClient(MakeClient("skc_keep", 1)));
  ASSERT_OK(store().CreateClient(MakeClient("skc_gone", 2)));
  ASSERT_OK(store().DeleteClient("skc_gone"));
  EXPECT_CODE(store().GetClient("skc_gone"), kNotFound);
  EXPECT_CODE(store().DeleteClient("skc_gone"), kNotFound);
  EXPECT_CODE(store().DeleteClient("skc_never"), kNotFound);
  ASSERT_OK_AND_ASSIGN(auto all, store().ListClients());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0], MakeClient("skc_keep", 1));
}

TEST_P(StoreConformanceTest, DeletedIdCanBeCreatedAgainWithNothingLeftOver) {
  ASSERT_OK(store().CreateClient(MakeClient("skc_again")));
  ASSERT_OK(store().DeleteClient("skc_again"));
  Client fresh = MakeClient("skc_again", 1'750'000'000);
  fresh.redirect_uris = {"https://new.example/cb"};
  fresh.post_logout_redirect_uris = {};
  ASSERT_OK(store().CreateClient(fresh));
  ASSERT_OK_AND_ASSIGN(Client got, store().GetClient("skc_again"));
  EXPECT_EQ(got, fresh);
}

TEST_P(StoreConformanceTest, UpdateClientWritesWhatUpdateReturns) {
  const Client original = MakeClient("skc_upd");
  ASSERT_OK(store().CreateClient(original));
  Client seen;
  ASSERT_OK_AND_ASSIGN(Client updated, store().UpdateClient("skc_upd", [&](Client c) -> Result<Client> {
    seen = c;
    c.name = "Renamed";
    c.secret_hash = "new-hash";
    c.redirect_uris = {"https://b.example/cb", "https://a.example/cb"};
    c.post_logout_redirect_uris.clear();
    c.updated_at = original.updated_at + 60;
    return c;
  }));
  EXPECT_EQ(seen, original);  // update gets the stored client
  Client expected = original;
  expected.name = "Renamed";
  expected.secret_hash = "new-hash";
  expected.redirect_uris = {"https://b.example/cb", "https://a.example/cb"};
  expected.post_logout_redirect_uris.clear();
  expected.updated_at = original.updated_at + 60;
  EXPECT_EQ(updated, expected);
  ASSERT_OK_AND_ASSIGN(Client got, store().GetClient("skc_upd"));
  EXPECT_EQ(got, expected);
}

TEST_P(StoreConformanceTest, UpdateMissingClientIsNotFoundAndDoesNotCallUpdate) {
  bool called = false;
  EXPECT_CODE(store().UpdateClient("skc_missing",
                                   [&](Client c) -> Result<Client> {
                                     called = true;
                                     return c;
                                   }),
              kNotFound);
  EXPECT_FALSE(called);
  EXPECT_CODE(store().GetClient("skc_missing"), kNotFound);
}

TEST_P(StoreConformanceTest, UpdateReturningAnErrorWritesNothing) {
  const Client original = MakeClient("skc_err");
  ASSERT_OK(store().CreateClient(original));
  auto result = store().UpdateClient("skc_err", [](Client c) -> Result<Client> {
    c.name = "should not be written";
    return PermissionDeniedError("no, says the update");
  });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(CodeName(result.error().code()), CodeName(StatusCode::kPermissionDenied));
  EXPECT_EQ(result.error().message(), "no, says the update");
  ASSERT_OK_AND_ASSIGN(Client got, store().GetClient("skc_err"));
  EXPECT_EQ(got, original);
}

TEST_P(StoreConformanceTest, UpdateCannotChangeTheId) {
  const Client original = MakeClient("skc_stay");
  ASSERT_OK(store().CreateClient(original));
  auto result = store().UpdateClient("skc_stay", [](Client c) -> Result<Client> {
    c.id = "skc_moved";
    c.name = "Moved";
    return c;
  });
  EXPECT_CODE(result, kInvalidArgument);
  EXPECT_CODE(store().GetClient("skc_moved"), kNotFound);
  ASSERT_OK_AND_ASSIGN(Client got, store().GetClient("skc_stay"));
  EXPECT_EQ(got, original);
}

TEST_P(StoreConformanceTest, ConcurrentUpdatesLoseNothing) {
  Client c = MakeClient("skc_counter");
  c.name = "0";
  c.redirect_uris.clear();
  ASSERT_OK(store().CreateClient(c));
  std::vector<Status> failures[kThreads];
  RunConcurrently([&](int t) {
    for (int i = 0; i < kIterations; ++i) {
      auto r = store().UpdateClient("skc_counter", [t, i](Client cur) -> Result<Client> {
        cur.name = std::to_string(std::stoi(cur.name) + 1);
        cur.redirect_uris.push_back("https://t" + std::to_string(t) + ".example/cb/" + std::to_string(i));
        return cur;
      });
      if (!r.ok()) failures[t].push_back(r.error());
    }
  });
  for (const auto& f : failures) {
    for (const auto& s : f) ADD_FAILURE() << s.ToString();
  }
  ASSERT_OK_AND_ASSIGN(Client got, store().GetClient("skc_counter"));
  EXPECT_EQ(got.name, std::to_string(kThreads * kIterations));
  ASSERT_EQ(got.redirect_uris.size(), static_cast<std::size_t>(kThreads * kIterations));
  EXPECT_EQ(std::set<std::string>(got.redirect_uris.begin(), got.redirect_uris.end()).size(),
            got.redirect_uris.size());
  // Each thread's URIs appear in the order it appended them.
  for (int t = 0; t < kThreads; ++t) {
    int last = -1;
    const std::string prefix = "https://t" + std::to_string(t) + ".example/cb/";
    for (const auto& uri : got.redirect_uris) {
      if (!uri.starts_with(prefix)) continue;
      const int i = std::stoi(uri.substr(prefix.size()));
      EXPECT_EQ(i, last + 1) << uri;
      last = i;
    }
  }
}

TEST_P(StoreConformanceTest, ConcurrentCreatesAndReads) {
  std::atomic<int> failures{0};
  RunConcurrently([&](int t) {
    for (int i = 0; i < kIterations; ++i) {
      const std::string id = "skc_t" + std::to_string(t) + "_" + std::to_string(i);
      if (!store().CreateClient(MakeClient(id, 1000 + i)).ok()) ++failures;
      if (!store().GetClient(id).ok()) ++failures;
      if (!store().ListClients().ok()) ++failures;
    }
  });
  EXPECT_EQ(failures.load(), 0);
  ASSERT_OK_AND_ASSIGN(auto all, store().ListClients());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kIterations));
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(), [](const Client& a, const Client& b) {
    return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
  }));
}

// ---- Signing keys ---------------------------------------------------------------------------

TEST_P(StoreConformanceTest, InsertAndListSigningKeysInOrder) {
  const std::vector<SigningKeyRecord> keys = {
      MakeKey("kid-c", "RS256", KeyState::kRetired, 200), MakeKey("kid-b", "RS256", KeyState::kActive, 300),
      MakeKey("kid-a", "RS256", KeyState::kNext, 300),    MakeKey("kid-e", "ES256", KeyState::kActive, 100),
      MakeKey("kid-d", "ES256", KeyState::kRetired, 200),
  };
  for (const auto& k : keys) ASSERT_OK(store().InsertSigningKey(k));
  ASSERT_OK_AND_ASSIGN(auto listed, store().ListSigningKeys());
  std::vector<std::string> kids;
  for (const auto& k : listed) kids.push_back(k.kid);
  EXPECT_EQ(kids, (std::vector<std::string>{"kid-e", "kid-c", "kid-d", "kid-a", "kid-b"}));
  for (const auto& k : keys) {
    const SigningKeyRecord* got = FindKey(listed, k.kid);
    ASSERT_NE(got, nullptr) << k.kid;
    EXPECT_EQ(*got, k);  // binary sealed key included
  }
}

TEST_P(StoreConformanceTest, InsertSigningKeyWithTakenKidIsAlreadyExists) {
  const auto k = MakeKey("kid-1", "ES256", KeyState::kRetired, 100);
  ASSERT_OK(store().InsertSigningKey(k));
  EXPECT_CODE(store().InsertSigningKey(MakeKey("kid-1", "RS256", KeyState::kRetired, 500)), kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(auto listed, store().ListSigningKeys());
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0], k);
}

TEST_P(StoreConformanceTest, AtMostOneActiveAndOneNextKeyPerAlgorithm) {
  ASSERT_OK(store().InsertSigningKey(MakeKey("rs-active", "RS256", KeyState::kActive, 100)));
  ASSERT_OK(store().InsertSigningKey(MakeKey("rs-next", "RS256", KeyState::kNext, 100)));
  EXPECT_CODE(store().InsertSigningKey(MakeKey("rs-active-2", "RS256", KeyState::kActive, 200)),
              kAlreadyExists);
  EXPECT_CODE(store().InsertSigningKey(MakeKey("rs-next-2", "RS256", KeyState::kNext, 200)), kAlreadyExists);
  // Other algorithms have their own active and next key; retired keys are not limited.
  EXPECT_OK(store().InsertSigningKey(MakeKey("es-active", "ES256", KeyState::kActive, 100)));
  EXPECT_OK(store().InsertSigningKey(MakeKey("es-next", "ES256", KeyState::kNext, 100)));
  EXPECT_OK(store().InsertSigningKey(MakeKey("rs-old-1", "RS256", KeyState::kRetired, 10)));
  EXPECT_OK(store().InsertSigningKey(MakeKey("rs-old-2", "RS256", KeyState::kRetired, 20)));
  ASSERT_OK_AND_ASSIGN(auto listed, store().ListSigningKeys());
  EXPECT_EQ(listed.size(), 6u);
  EXPECT_EQ(FindKey(listed, "rs-active-2"), nullptr);
  EXPECT_EQ(FindKey(listed, "rs-next-2"), nullptr);
}

TEST_P(StoreConformanceTest, RotateSigningKeysRetiresPromotesAndInserts) {
  const auto active = MakeKey("rs-1", "RS256", KeyState::kActive, 100);
  const auto next = MakeKey("rs-2", "RS256", KeyState::kNext, 150);
  const auto old = MakeKey("rs-0", "RS256", KeyState::kRetired, 50);
  const auto other_alg = MakeKey("es-1", "ES256", KeyState::kActive, 100);
  const auto other_next = MakeKey("es-2", "ES256", KeyState::kNext, 100);
  for (const auto& k : {active, next, old, other_alg, other_next}) ASSERT_OK(store().InsertSigningKey(k));
  const auto new_next = MakeKey("rs-3", "RS256", KeyState::kNext, 1000);

  ASSERT_OK(store().RotateSigningKeys("RS256", "rs-1", "rs-2", new_next, /*now=*/1000,
                                      /*retired_expires_at=*/5000));

  ASSERT_OK_AND_ASSIGN(auto listed, store().ListSigningKeys());
  ASSERT_EQ(listed.size(), 6u);
  SigningKeyRecord want_retired = active;
  want_retired.state = KeyState::kRetired;
  want_retired.retired_at = 1000;
  want_retired.expires_at = 5000;
  SigningKeyRecord want_active = next;
  want_active.state = KeyState::kActive;
  want_active.activated_at = 1000;
  ASSERT_NE(FindKey(listed, "rs-1"), nullptr);
  EXPECT_EQ(*FindKey(listed, "rs-1"), want_retired);
  ASSERT_NE(FindKey(listed, "rs-2"), nullptr);
  EXPECT_EQ(*FindKey(listed, "rs-2"), want_active);
  ASSERT_NE(FindKey(listed, "rs-3"), nullptr);
  EXPECT_EQ(*FindKey(listed, "rs-3"), new_next);
  // Untouched: an older retired key and the other algorithm.
  EXPECT_EQ(*FindKey(listed, "rs-0"), old);
  EXPECT_EQ(*FindKey(listed, "es-1"), other_alg);
  EXPECT_EQ(*FindKey(listed, "es-2"), other_next);

  // And again, from the new state.
  const auto newer_next = MakeKey("rs-4", "RS256", KeyState::kNext, 2000);
  ASSERT_OK(store().RotateSigningKeys("RS256", "rs-2", "rs-3", newer_next, 2000, 6000));
  ASSERT_OK_AND_ASSIGN(listed, store().ListSigningKeys());
  EXPECT_EQ(FindKey(listed, "rs-2")->state, KeyState::kRetired);
  EXPECT_EQ(FindKey(listed, "rs-2")->activated_at, 1000);
  EXPECT_EQ(FindKey(listed, "rs-2")->retired_at, 2000);
  EXPECT_EQ(FindKey(listed, "rs-2")->expires_at, 6000);
  EXPECT_EQ(FindKey(listed, "rs-3")->state, KeyState::kActive);
  EXPECT_EQ(FindKey(listed, "rs-3")->activated_at, 2000);
  EXPECT_EQ(FindKey(listed, "rs-4")->state, KeyState::kNext);
  EXPECT_EQ(*FindKey(listed, "rs-1"), want_retired);
}

TEST_P(StoreConformanceTest, FirstRotationWithoutAnActiveKey) {
  const auto next = MakeKey("es-1", "ES256", KeyState::kNext, 100);
  ASSERT_OK(store().InsertSigningKey(next));
  const auto new_next = MakeKey("es-2", "ES256", KeyState::kNext, 200);
  ASSERT_OK(store().RotateSigningKeys("ES256", "", "es-1", new_next, 200, 9999));
  ASSERT_OK_AND_ASSIGN(auto listed, store().ListSigningKeys());
  ASSERT_EQ(listed.size(), 2u);
  SigningKeyRecord want_active = next;
  want_active.state = KeyState::kActive;
  want_active.activated_at = 200;
  EXPECT_EQ(listed[0], want_active);
  EXPECT_EQ(listed[1], new_next);
}

TEST_P(StoreConformanceTest, RotateWithStaleExpectationsIsAbortedAndChangesNothing) {
  for (const auto& k :
       {MakeKey("rs-1", "RS256", KeyState::kActive, 100), MakeKey("rs-2", "RS256", KeyState::kNext, 100),
        MakeKey("es-n", "ES256", KeyState::kNext, 100)}) {
    ASSERT_OK(store().InsertSigningKey(k));
  }
  ASSERT_OK_AND_ASSIGN(const auto before, store().ListSigningKeys());
  const auto rs_new = MakeKey("rs-3", "RS256", KeyState::kNext, 500);
  EXPECT_CODE(store().RotateSigningKeys("RS256", "rs-0", "rs-2", rs_new, 500, 900),
              kAborted);  // wrong active
  EXPECT_CODE(store().RotateSigningKeys("RS256", "rs-1", "rs-9", rs_new, 500, 900), kAborted);  // wrong next
  EXPECT_CODE(store().RotateSigningKeys("RS256", "", "rs-2", rs_new, 500, 900),
              kAborted);  // there is an active
  EXPECT_CODE(store().RotateSigningKeys("RS256", "rs-2", "rs-1", rs_new, 500, 900), kAborted);  // swapped
  const auto es_new = MakeKey("es-m", "ES256", KeyState::kNext, 500);
  EXPECT_CODE(store().RotateSigningKeys("ES256", "es-x", "es-n", es_new, 500, 900),
              kAborted);  // there is none
  ASSERT_OK_AND_ASSIGN(const auto after, store().ListSigningKeys());
  EXPECT_EQ(after, before);
}

TEST_P(StoreConformanceTest, RotateWithoutNextKeyIsFailedPrecondition) {
  ASSERT_OK(store().InsertSigningKey(MakeKey("rs-1", "RS256", KeyState::kActive, 100)));
  ASSERT_OK(store().InsertSigningKey(MakeKey("es-2", "ES256", KeyState::kNext, 100)));  // another alg's
  ASSERT_OK_AND_ASSIGN(const auto before, store().ListSigningKeys());
  EXPECT_CODE(store().RotateSigningKeys("RS256", "rs-1", "", MakeKey("rs-3", "RS256", KeyState::kNext, 500),
                                        500, 900),
              kFailedPrecondition);
  EXPECT_CODE(
      store().RotateSigningKeys("PS256", "", "", MakeKey("ps-1", "PS256", KeyState::kNext, 500), 500, 900),
      kFailedPrecondition);
  // Checked before the compare-and-swap: stale expectations do not turn it into kAborted.
  EXPECT_CODE(store().RotateSigningKeys("RS256", "rs-0", "rs-gone",
                                        MakeKey("rs-3", "RS256", KeyState::kNext, 500), 500, 900),
              kFailedPrecondition);
  ASSERT_OK_AND_ASSIGN(const auto after, store().ListSigningKeys());
  EXPECT_EQ(after, before);
}

TEST_P(StoreConformanceTest, RotateWithAMalformedNewNextKeyIsInvalidArgument) {
  ASSERT_OK(store().InsertSigningKey(MakeKey("rs-1", "RS256", KeyState::kActive, 100)));
  ASSERT_OK(store().InsertSigningKey(MakeKey("rs-2", "RS256", KeyState::kNext, 100)));
  ASSERT_OK_AND_ASSIGN(const auto before, store().ListSigningKeys());
  EXPECT_CODE(store().RotateSigningKeys("RS256", "rs-1", "rs-2",
                                        MakeKey("es-3", "ES256", KeyState::kNext, 500), 500, 900),
              kInvalidArgument);
  EXPECT_CODE(store().RotateSigningKeys("RS256", "rs-1", "rs-2",
                                        MakeKey("rs-3", "RS256", KeyState::kActive, 500), 500, 900),
              kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(const auto after, store().ListSigningKeys());
  EXPECT_EQ(after, before);
}

TEST_P(StoreConformanceTest, RotateIsAllOrNothing) {
  ASSERT_OK(store().InsertSigningKey(MakeKey("rs-1", "RS256", KeyState::kActive, 100)));
  ASSERT_OK(store().InsertSigningKey(MakeKey("rs-2", "RS256", KeyState::kNext, 100)));
  ASSERT_OK(store().InsertSigningKey(MakeKey("rs-0", "RS256", KeyState::kRetired, 50)));
  ASSERT_OK_AND_ASSIGN(const auto before, store().ListSigningKeys());
  // The new next key's kid is taken: the insert fails last, and the retire and promote before
  // it must not stay.
  EXPECT_CODE(store().RotateSigningKeys("RS256", "rs-1", "rs-2",
                                        MakeKey("rs-0", "RS256", KeyState::kNext, 500), 500, 900),
              kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(const auto after, store().ListSigningKeys());
  EXPECT_EQ(after, before);
}

TEST_P(StoreConformanceTest, ConcurrentRotationsHaveOneWinner) {
  ASSERT_OK(store().InsertSigningKey(MakeKey("rs-1", "RS256", KeyState::kActive, 100)));
  ASSERT_OK(store().InsertSigningKey(MakeKey("rs-2", "RS256", KeyState::kNext, 100)));
  std::vector<Status> results(kThreads);
  RunConcurrently([&](int t) {
    results[t] = store().RotateSigningKeys(
        "RS256", "rs-1", "rs-2", MakeKey("rs-new-" + std::to_string(t), "RS256", KeyState::kNext, 500), 500,
        900);
  });
  int winners = 0;
  for (const auto& s : results) {
    if (s.ok()) {
      ++winners;
    } else {
      EXPECT_EQ(CodeName(s.code()), CodeName(StatusCode::kAborted)) << s.ToString();
    }
  }
  EXPECT_EQ(winners, 1);
  ASSERT_OK_AND_ASSIGN(auto listed, store().ListSigningKeys());
  EXPECT_EQ(listed.size(), 3u);
  EXPECT_EQ(
      std::count_if(listed.begin(), listed.end(), [](const auto& k) { return k.state == KeyState::kNext; }),
      1);
  EXPECT_EQ(
      std::count_if(listed.begin(), listed.end(), [](const auto& k) { return k.state == KeyState::kActive; }),
      1);
}

TEST_P(StoreConformanceTest, DeleteExpiredSigningKeysDeletesOnlyExpiredRetiredKeys) {
  auto retired = [](std::string kid, UnixSeconds expires_at) {
    auto k = MakeKey(std::move(kid), "RS256", KeyState::kRetired, 10);
    k.expires_at = expires_at;
    return k;
  };
  ASSERT_OK(store().InsertSigningKey(retired("old-100", 100)));
  ASSERT_OK(store().InsertSigningKey(retired("old-200", 200)));
  ASSERT_OK(store().InsertSigningKey(retired("old-201", 201)));
  ASSERT_OK(store().InsertSigningKey(MakeKey("active", "RS256", KeyState::kActive, 10)));
  ASSERT_OK(store().InsertSigningKey(MakeKey("next", "RS256", KeyState::kNext, 10)));
  ASSERT_OK(store().InsertSigningKey(MakeKey("es-active", "ES256", KeyState::kActive, 10)));

  ASSERT_OK_AND_ASSIGN(int deleted, store().DeleteExpiredSigningKeys(99));
  EXPECT_EQ(deleted, 0);
  ASSERT_OK_AND_ASSIGN(deleted, store().DeleteExpiredSigningKeys(200));  // expires_at <= now
  EXPECT_EQ(deleted, 2);
  ASSERT_OK_AND_ASSIGN(auto listed, store().ListSigningKeys());
  std::set<std::string> kids;
  for (const auto& k : listed) kids.insert(k.kid);
  EXPECT_EQ(kids, (std::set<std::string>{"old-201", "active", "next", "es-active"}));
  ASSERT_OK_AND_ASSIGN(deleted, store().DeleteExpiredSigningKeys(200));
  EXPECT_EQ(deleted, 0);
  // Far in the future: still only retired keys go.
  ASSERT_OK_AND_ASSIGN(deleted, store().DeleteExpiredSigningKeys(4'000'000'000));
  EXPECT_EQ(deleted, 1);
  ASSERT_OK_AND_ASSIGN(listed, store().ListSigningKeys());
  EXPECT_EQ(listed.size(), 3u);
}

// ---- Settings -------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, SettingsGetPutOverwrite) {
  EXPECT_CODE(store().GetSetting("issuer"), kNotFound);
  ASSERT_OK(store().PutSetting("issuer", "https://auth.example.com"));
  ASSERT_OK_AND_ASSIGN(std::string v, store().GetSetting("issuer"));
  EXPECT_EQ(v, "https://auth.example.com");
  ASSERT_OK(store().PutSetting("issuer", "https://login.example.com/tenant/ü"));
  ASSERT_OK_AND_ASSIGN(v, store().GetSetting("issuer"));
  EXPECT_EQ(v, "https://login.example.com/tenant/ü");
  ASSERT_OK(store().PutSetting("empty", ""));
  ASSERT_OK_AND_ASSIGN(v, store().GetSetting("empty"));
  EXPECT_EQ(v, "");
  const std::string big(100'000, 'x');
  ASSERT_OK(store().PutSetting("big", big));
  ASSERT_OK_AND_ASSIGN(v, store().GetSetting("big"));
  EXPECT_EQ(v, big);
  EXPECT_CODE(store().GetSetting("Issuer"), kNotFound);  // keys are exact
}

TEST_P(StoreConformanceTest, PutSettingIfAbsent) {
  ASSERT_OK_AND_ASSIGN(bool set, store().PutSettingIfAbsent("issuer", "https://first.example"));
  EXPECT_TRUE(set);
  ASSERT_OK_AND_ASSIGN(set, store().PutSettingIfAbsent("issuer", "https://second.example"));
  EXPECT_FALSE(set);
  ASSERT_OK_AND_ASSIGN(std::string v, store().GetSetting("issuer"));
  EXPECT_EQ(v, "https://first.example");
  // PutSetting still overwrites.
  ASSERT_OK(store().PutSetting("issuer", "https://third.example"));
  ASSERT_OK_AND_ASSIGN(v, store().GetSetting("issuer"));
  EXPECT_EQ(v, "https://third.example");
}

TEST_P(StoreConformanceTest, ConcurrentPutSettingIfAbsentHasExactlyOneWinner) {
  std::vector<int> won(kThreads, -1);  // 1 set, 0 not set, -1 error
  RunConcurrently([&](int t) {
    auto r = store().PutSettingIfAbsent("issuer", "https://node" + std::to_string(t) + ".example");
    won[t] = r.ok() ? (*r ? 1 : 0) : -1;
  });
  EXPECT_EQ(std::count(won.begin(), won.end(), -1), 0);
  ASSERT_EQ(std::count(won.begin(), won.end(), 1), 1);
  const int winner = static_cast<int>(std::find(won.begin(), won.end(), 1) - won.begin());
  ASSERT_OK_AND_ASSIGN(std::string v, store().GetSetting("issuer"));
  EXPECT_EQ(v, "https://node" + std::to_string(winner) + ".example");
}

// ---- Operations -----------------------------------------------------------------------------

TEST_P(StoreConformanceTest, SchemaVersionIntegrityAndPing) {
  ASSERT_OK_AND_ASSIGN(int version, store().SchemaVersion());
  EXPECT_GE(version, 1);
  EXPECT_OK(store().CheckIntegrity());
  EXPECT_OK(store().Ping());
  // Still fine after writes of every kind.
  ASSERT_OK(store().CreateClient(MakeClient("skc_ops")));
  ASSERT_OK(store().DeleteClient("skc_ops"));
  ASSERT_OK(store().CreateClient(MakeClient("skc_ops2")));
  ASSERT_OK(store().InsertSigningKey(MakeKey("k", "ES256", KeyState::kNext, 1)));
  ASSERT_OK(store().RotateSigningKeys("ES256", "", "k", MakeKey("k2", "ES256", KeyState::kNext, 2), 2, 3));
  ASSERT_OK(store().PutSetting("a", "b"));
  EXPECT_OK(store().CheckIntegrity());
  EXPECT_OK(store().Ping());
  ASSERT_OK_AND_ASSIGN(int again, store().SchemaVersion());
  EXPECT_EQ(again, version);
}

}  // namespace testing
}  // namespace gatehouse::store
