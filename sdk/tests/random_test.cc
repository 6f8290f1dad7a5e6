// generate_state / generate_nonce / generate_pkce / pkce_challenge (gatehouse/random.h).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "gatehouse/random.h"

namespace gatehouse::sdk {
namespace {

bool is_base64url(const std::string& s) {
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

TEST(Random, StateAndNonceAre43Base64UrlCharacters) {
  for (auto* generate : {&generate_state, &generate_nonce}) {
    const Result<std::string> r = generate();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->size(), 43u);
    EXPECT_TRUE(is_base64url(*r)) << *r;
  }
}

TEST(Random, CallsDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    seen.insert(generate_state().value());
    seen.insert(generate_nonce().value());
    seen.insert(generate_pkce().value().code_verifier);
  }
  EXPECT_EQ(seen.size(), 300u);
}

TEST(Pkce, Rfc7636AppendixBVector) {
  // RFC 7636 Appendix B: the verifier is the base64url of 32 given octets, and this is its
  // S256 challenge.
  EXPECT_EQ(pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST(Pkce, GeneratedPairIsConsistent) {
  const Result<Pkce> p = generate_pkce();
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->code_verifier.size(), 43u);
  EXPECT_TRUE(is_base64url(p->code_verifier)) << p->code_verifier;
  EXPECT_EQ(p->code_challenge.size(), 43u);
  EXPECT_TRUE(is_base64url(p->code_challenge)) << p->code_challenge;
  EXPECT_EQ(p->code_challenge, pkce_challenge(p->code_verifier));
  EXPECT_EQ(p->code_challenge_method, "S256");
  EXPECT_NE(p->code_challenge, p->code_verifier);
}

TEST(Pkce, ChallengeOfAnyInputIs43Characters) {
  // SHA-256 is 32 bytes whatever the input, so the challenge is always 43 characters.
  EXPECT_EQ(pkce_challenge(""), "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
  EXPECT_EQ(pkce_challenge(std::string(128, '~')).size(), 43u);
}

}  // namespace
}  // namespace gatehouse::sdk
