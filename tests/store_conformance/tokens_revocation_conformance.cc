// The Store conformance suite, part seven: revocation, EndSession and the expiry of grants and
// tokens, and the client fields the token endpoint reads (see store_conformance.h and the
// "Grants and tokens" section of src/store/store.h; tokens_fixture.h has the helpers).
#include <string>
#include <vector>

#include "store_conformance/store_conformance.h"
#include "store_conformance/tokens_fixture.h"

namespace gatehouse::store::testing {
namespace {

// ---- Revocation -----------------------------------------------------------------------------

TEST_P(StoreConformanceTest, RevokeGrantKeepsTheFirstTimeAndRefusesWhatIsMissingOrUntimed) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  ASSERT_OK(tk.Exchange("code-1", "ses_1", "gnt_1", "refresh-1", "tkn_1"));
  EXPECT_CODE(store().RevokeGrant("gnt_missing", kNow), kNotFound);
  EXPECT_CODE(store().RevokeGrant("gnt_1", 0), kInvalidArgument);
  EXPECT_EQ(tk.GrantOf("refresh-1").revoked_at, 0);
  ASSERT_OK(store().RevokeGrant("gnt_1", kNow + 5));
  ASSERT_OK(store().RevokeGrant("gnt_1", kNow + 9));  // idempotent
  EXPECT_EQ(tk.GrantOf("refresh-1").revoked_at, kNow + 5);
}

TEST_P(StoreConformanceTest, RevokeAccessTokenRecordsAnUnrecordedJtiUntilItExpires) {
  EXPECT_EQ(StateOf(store(), "tkn_machine"), "unrecorded");  // a client_credentials token
  EXPECT_CODE(store().RevokeAccessToken("tkn_machine", kNow + 3600, 0), kInvalidArgument);
  EXPECT_EQ(StateOf(store(), "tkn_machine"), "unrecorded");
  ASSERT_OK(store().RevokeAccessToken("tkn_machine", kNow + 3600, kNow));
  EXPECT_EQ(StateOf(store(), "tkn_machine"), "revoked");
  // Idempotent; the recorded row keeps its expiry.
  ASSERT_OK(store().RevokeAccessToken("tkn_machine", kNow + 9999, kNow + 1));
  EXPECT_EQ(StateOf(store(), "tkn_machine"), "revoked");
  ASSERT_OK_AND_ASSIGN(int deleted, store().DeleteExpired(kNow + 3599));
  EXPECT_EQ(deleted, 0);
  EXPECT_EQ(StateOf(store(), "tkn_machine"), "revoked");
  ASSERT_OK_AND_ASSIGN(deleted, store().DeleteExpired(kNow + 3600));
  EXPECT_EQ(deleted, 1);
  EXPECT_EQ(StateOf(store(), "tkn_machine"), "unrecorded");
}

TEST_P(StoreConformanceTest, RevokeAccessTokenOfAGrantRevokesThatTokenOnly) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  ASSERT_OK(tk.Exchange("code-1", "ses_1", "gnt_1", "refresh-1", "tkn_1"));
  ASSERT_OK(tk.Rotate("refresh-1", kNow + 10, "refresh-2", "tkn_2"));
  ASSERT_OK(store().RevokeAccessToken("tkn_1", kNow + kAccessLifetime, kNow + 20));
  EXPECT_EQ(StateOf(store(), "tkn_1"), "revoked");
  EXPECT_EQ(StateOf(store(), "tkn_2"), "live");
  EXPECT_EQ(tk.GrantOf("refresh-2").revoked_at, 0);
  EXPECT_OK(tk.Rotate("refresh-2", kNow + 30, "refresh-3", "tkn_3"));
}

TEST_P(StoreConformanceTest, AUsedCodeOutlivesItsExpiryWhileItsGrantLivesSoThatAReplayStillRevokes) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  ASSERT_OK(tk.Exchange("code-used", "ses_1", "gnt_1", "refresh-1", "tkn_1"));
  ASSERT_OK(store().CreateAuthorizationCode(MakeTokenCode("code-unused", "ses_1")));
  // Both codes have expired (kNow + 60): only the unused one goes.
  ASSERT_OK_AND_ASSIGN(int deleted, store().DeleteExpired(kNow + 61));
  EXPECT_EQ(deleted, 1);
  EXPECT_CODE(store().RedeemAuthorizationCode("code-unused", kNow + 62,
                                              [](const AuthorizationCode& c) -> Result<TokenIssue> {
                                                return MakeIssue(c, "gnt_x", "", "tkn_x");
                                              }),
              kNotFound);
  auto replay = store().RedeemAuthorizationCode("code-used", kNow + 62,
                                                [](const AuthorizationCode& c) -> Result<TokenIssue> {
                                                  return MakeIssue(c, "gnt_y", "", "tkn_y");
                                                });
  EXPECT_EQ(RefusalOf(replay), kCodeReused);
  EXPECT_EQ(tk.GrantOf("refresh-1").revoked_at, kNow + 62);
  // Once the grant has expired, the used code goes as well.
  ASSERT_OK_AND_ASSIGN(deleted, store().DeleteExpired(kNow + kGrantLifetime));
  EXPECT_CODE(store().RedeemAuthorizationCode("code-used", kNow + kGrantLifetime + 1,
                                              [](const AuthorizationCode& c) -> Result<TokenIssue> {
                                                return MakeIssue(c, "gnt_z", "", "tkn_z");
                                              }),
              kNotFound);
}

// ---- EndSession -----------------------------------------------------------------------------

TEST_P(StoreConformanceTest, EndSessionDeletesItAndRevokesItsGrantsAndTheirAccessTokens) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  ASSERT_OK(tk.Exchange("code-b", "ses_1", "gnt_b", "refresh-b", "tkn_b", kNow + 2));
  ASSERT_OK(tk.Exchange("code-a", "ses_1", "gnt_a", "refresh-a", "tkn_a", kNow + 1));
  ASSERT_OK(tk.Exchange("code-c", "ses_1", "gnt_c", "", "tkn_c", kNow + 2));
  ASSERT_OK(tk.Exchange("code-other", "ses_2", "gnt_other", "refresh-other", "tkn_other"));
  ASSERT_OK(tk.Exchange("code-none", "", "gnt_none", "refresh-none", "tkn_none"));
  ASSERT_OK(tk.Rotate("refresh-a", kNow + 10, "refresh-a2", "tkn_a2"));

  ASSERT_OK_AND_ASSIGN(std::vector<Grant> ended, store().EndSession("ses_1", kNow + 50));
  std::vector<std::string> ids;
  for (const Grant& g : ended) {
    ids.push_back(g.id);
    EXPECT_EQ(g.revoked_at, kNow + 50);
    EXPECT_EQ(g.session_id, "ses_1");
    EXPECT_EQ(g.client_id, "skc_app");
    EXPECT_EQ(g.code_hash, "code-" + g.id.substr(4));
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"gnt_a", "gnt_b", "gnt_c"}));  // by (created_at, id)
  EXPECT_CODE(store().GetSession("ses_1"), kNotFound);
  for (const char* jti : {"tkn_a", "tkn_a2", "tkn_b", "tkn_c"}) EXPECT_EQ(StateOf(store(), jti), "revoked") << jti;
  EXPECT_EQ(RefusalOf(tk.Rotate("refresh-a2", kNow + 60, "x", "tkn_x")), kGrantRevoked);
  // Other sessions' grants and grants without a session live on.
  EXPECT_OK(store().GetSession("ses_2"));
  EXPECT_EQ(StateOf(store(), "tkn_other"), "live");
  EXPECT_EQ(StateOf(store(), "tkn_none"), "live");
  EXPECT_OK(tk.Rotate("refresh-other", kNow + 60, "refresh-other2", "tkn_other2"));
  EXPECT_OK(tk.Rotate("refresh-none", kNow + 60, "refresh-none2", "tkn_none2"));
  // Ending it again revokes nothing new, so it returns nothing.
  ASSERT_OK_AND_ASSIGN(ended, store().EndSession("ses_1", kNow + 70));
  EXPECT_TRUE(ended.empty());
  EXPECT_EQ(tk.GrantOf("refresh-a").revoked_at, kNow + 50);
}

TEST_P(StoreConformanceTest, EndSessionReturnsOnlyTheGrantsItRevoked) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  ASSERT_OK(tk.Exchange("code-1", "ses_1", "gnt_1", "refresh-1", "tkn_1"));
  ASSERT_OK(tk.Exchange("code-2", "ses_1", "gnt_2", "refresh-2", "tkn_2"));
  ASSERT_OK(store().RevokeGrant("gnt_1", kNow + 5));
  ASSERT_OK_AND_ASSIGN(std::vector<Grant> ended, store().EndSession("ses_1", kNow + 10));
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].id, "gnt_2");
  EXPECT_EQ(tk.GrantOf("refresh-1").revoked_at, kNow + 5);
}

TEST_P(StoreConformanceTest, EndSessionOfAnAbsentSessionStillRevokesItsGrants) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  ASSERT_OK(tk.Exchange("code-1", "ses_1", "gnt_1", "refresh-1", "tkn_1"));
  ASSERT_OK(store().DeleteSession("ses_1"));
  ASSERT_OK_AND_ASSIGN(std::vector<Grant> ended, store().EndSession("ses_1", kNow + 10));
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].id, "gnt_1");
  EXPECT_EQ(StateOf(store(), "tkn_1"), "revoked");
  ASSERT_OK_AND_ASSIGN(ended, store().EndSession("ses_never", kNow + 10));
  EXPECT_TRUE(ended.empty());
}

TEST_P(StoreConformanceTest, EndSessionWithAnEmptyIdOrNonPositiveNowIsInvalidArgument) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  ASSERT_OK(tk.Exchange("code-1", "", "gnt_1", "refresh-1", "tkn_1"));
  ASSERT_OK(tk.Exchange("code-2", "ses_1", "gnt_2", "refresh-2", "tkn_2"));
  EXPECT_CODE(store().EndSession("", kNow), kInvalidArgument);
  EXPECT_CODE(store().EndSession("ses_1", 0), kInvalidArgument);
  EXPECT_EQ(StateOf(store(), "tkn_1"), "live");
  EXPECT_EQ(StateOf(store(), "tkn_2"), "live");
  EXPECT_OK(store().GetSession("ses_1"));
}

// ---- Expiry ---------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, DeleteExpiredDeletesExpiredGrantsRefreshTokensAndAccessRecords) {
  Tokens tk(store());
  ASSERT_NO_FATAL_FAILURE(tk.SetUp());
  // Everything from the fixture (sessions) and the codes outlives `t`; only token rows go.
  const UnixSeconds t = kNow + 1000;
  auto exchange = [&](std::string n, UnixSeconds grant_end, UnixSeconds refresh_end, UnixSeconds access_end) {
    AuthorizationCode code = MakeTokenCode("code-" + n, "ses_1");
    code.expires_at = kNow + 100'000;
    ASSERT_OK(store().CreateAuthorizationCode(code));
    ASSERT_OK(store().RedeemAuthorizationCode(code.code_hash, kNow, [&](const AuthorizationCode& c) {
      TokenIssue issue = MakeIssue(c, "gnt_" + n, "refresh-" + n, "tkn_" + n);
      issue.grant.expires_at = grant_end;
      issue.refresh->expires_at = refresh_end;
      issue.access.expires_at = access_end;
      return Result<TokenIssue>(issue);
    }));
  };
  exchange("gone", t, t, t + 500);          // the grant (with its token) goes; the access record stays
  exchange("live", t + 1, t + 1, t);        // the access record goes first
  exchange("refresh", t + 5000, t, t + 1);  // the refresh token goes first
  // refresh-live2 outlives its grant (it goes with it); tkn_live2 ends at kNow + 310.
  ASSERT_OK(tk.Rotate("refresh-live", kNow + 10, "refresh-live2", "tkn_live2"));
  ASSERT_OK(store().RevokeGrant("gnt_gone", kNow + 20));

  ASSERT_OK_AND_ASSIGN(int deleted, store().DeleteExpired(t - 1));
  EXPECT_EQ(deleted, 1);  // tkn_live2
  ASSERT_OK_AND_ASSIGN(deleted, store().DeleteExpired(t));
  EXPECT_EQ(deleted, 4);  // gnt_gone with refresh-gone, tkn_live, refresh-refresh
  EXPECT_CODE(store().FindRefreshToken("refresh-gone"), kNotFound);
  EXPECT_CODE(store().RevokeGrant("gnt_gone", t), kNotFound);
  EXPECT_CODE(store().FindRefreshToken("refresh-refresh"), kNotFound);
  EXPECT_EQ(StateOf(store(), "tkn_live"), "unrecorded");
  EXPECT_EQ(StateOf(store(), "tkn_live2"), "unrecorded");
  // The revocation of a deleted grant still holds for its access token until that expires.
  EXPECT_EQ(StateOf(store(), "tkn_gone"), "revoked");
  EXPECT_EQ(StateOf(store(), "tkn_refresh"), "live");
  EXPECT_OK(store().RevokeGrant("gnt_refresh", t));
  // A revoked grant is kept until it expires, so that reuse is still recognised.
  EXPECT_EQ(RefusalOf(tk.Rotate("refresh-live", t, "x", "tkn_x")), kRefreshReused);
  ASSERT_OK_AND_ASSIGN(deleted, store().DeleteExpired(t));
  EXPECT_EQ(deleted, 0);
  ASSERT_OK_AND_ASSIGN(deleted, store().DeleteExpired(t + 1));
  EXPECT_EQ(deleted, 4);  // gnt_live with refresh-live and refresh-live2, tkn_refresh
  EXPECT_CODE(store().FindRefreshToken("refresh-live2"), kNotFound);
  // ses_2 ends idle at kNow + 3600 (ses_1 was touched by the refresh); the codes live on.
  ASSERT_OK_AND_ASSIGN(deleted, store().DeleteExpired(t + 5000));
  EXPECT_EQ(deleted, 3);  // tkn_gone, gnt_refresh, ses_2
  EXPECT_EQ(StateOf(store(), "tkn_gone"), "unrecorded");
  EXPECT_OK(store().CheckIntegrity());
}

// ---- Client fields the token endpoint reads -------------------------------------------------

TEST_P(StoreConformanceTest, ClientScopesOrganizationAndBackchannelUriRoundTrip) {
  Client c;
  c.id = "m2morg_1";
  c.name = "Acme machine";
  c.secret_hash = "hash";
  c.scopes = {"write:users", "read:users", "a\"b\\c", "read:users2"};  // order kept, bytes exact
  c.organization_id = "org_acme";
  c.backchannel_logout_uri = "https://app.example.com/logout/backchannel";
  c.created_at = c.updated_at = kNow;
  ASSERT_OK(store().CreateClient(c));
  ASSERT_OK_AND_ASSIGN(Client got, store().GetClient(c.id));
  EXPECT_EQ(got, c);

  Client plain = c;
  plain.id = "skc_plain";
  plain.scopes.clear();
  plain.organization_id.clear();
  plain.backchannel_logout_uri.clear();
  plain.created_at = kNow + 1;
  ASSERT_OK(store().CreateClient(plain));
  ASSERT_OK_AND_ASSIGN(auto all, store().ListClients());
  EXPECT_EQ(all, (std::vector<Client>{c, plain}));

  ASSERT_OK_AND_ASSIGN(Client updated, store().UpdateClient(c.id, [](Client x) -> Result<Client> {
    x.scopes = {"admin"};
    x.organization_id = "";
    x.backchannel_logout_uri = "http://127.0.0.1:9000/bcl";
    return x;
  }));
  ASSERT_OK_AND_ASSIGN(got, store().GetClient(c.id));
  EXPECT_EQ(got, updated);
  EXPECT_EQ(got.scopes, std::vector<std::string>{"admin"});
  EXPECT_EQ(got.backchannel_logout_uri, "http://127.0.0.1:9000/bcl");
  ASSERT_OK_AND_ASSIGN(updated, store().UpdateClient(c.id, [](Client x) -> Result<Client> {
    x.scopes.clear();
    return x;
  }));
  ASSERT_OK_AND_ASSIGN(got, store().GetClient(c.id));
  EXPECT_TRUE(got.scopes.empty());
}

}  // namespace
}  // namespace gatehouse::store::testing
