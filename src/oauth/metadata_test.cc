#include "oauth/metadata.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace gatehouse::oauth {
namespace {

TEST(MetadataTest, OnlyImplementedEntriesAndExactIssuer) {
  ServerMetadata m;
  m.issuer = "https://auth.example.com/tenant";
  m.response_types_supported = {"code"};
  m.id_token_signing_alg_values_supported = {"RS256"};
  auto doc = boost::json::parse(m.ToJson()).as_object();
  EXPECT_EQ(doc.at("issuer").as_string(), "https://auth.example.com/tenant");
  EXPECT_EQ(doc.at("jwks_uri").as_string(), "https://auth.example.com/tenant/keys");
  EXPECT_FALSE(doc.contains("token_endpoint"));
  EXPECT_FALSE(doc.contains("userinfo_endpoint"));
  EXPECT_FALSE(doc.contains("authorization_response_iss_parameter_supported"));
  m.token_endpoint = "/oauth/token";
  m.authorization_response_iss_parameter_supported = true;
  doc = boost::json::parse(m.ToJson()).as_object();
  EXPECT_EQ(doc.at("token_endpoint").as_string(), "https://auth.example.com/tenant/oauth/token");
  EXPECT_TRUE(doc.at("authorization_response_iss_parameter_supported").as_bool());
}

}  // namespace
}  // namespace gatehouse::oauth
