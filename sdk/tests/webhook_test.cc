// Client::verify_webhook_payload / verify_interceptor_payload (wire/scalekit-compat.md §(f)).
// Signatures are computed here with OpenSSL's HMAC() and EVP_EncodeBlock, independently of the
// SDK's own code path, and the clock is fixed (ClientOptions::now).
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <map>
#include <string>

#include "gatehouse/client.h"

namespace gatehouse::sdk {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;
// The key is the 24 bytes "gatehouse-webhook-secret", in standard base64.
constexpr char kKeyBytes[] = "gatehouse-webhook-secret";
constexpr char kSecret[] = "whsec_Z2F0ZWhvdXNlLXdlYmhvb2stc2VjcmV0";
constexpr char kId[] = "msg_2mbPDsMUyxc7yZ4Q1F0zL4rb5hF";
constexpr char kPayload[] = R"({"spec_version":"1","id":"evt_1","type":"organization.created","data":{"a":"b"}})";

std::string base64(const unsigned char* bytes, int size) {
  std::string out(static_cast<std::size_t>(4 * ((size + 2) / 3)), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes, size);
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// "v1,<base64 HMAC-SHA256(key, id.timestamp.payload)>"
std::string sign(std::string_view key, std::string_view id, std::int64_t timestamp, std::string_view payload) {
  const std::string content = std::string(id) + "." + std::to_string(timestamp) + "." + std::string(payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(content.data()),
       content.size(), mac, &size);
  return "v1," + base64(mac, static_cast<int>(size));
}

class WebhookTest : public ::testing::Test {
 protected:
  static ClientOptions fixed_clock() {
    ClientOptions o;
    o.now = [] { return kNow; };
    return o;
  }

  static std::map<std::string, std::string> headers(std::string_view prefix, std::int64_t timestamp,
                                                    std::string signature) {
    return {{std::string(prefix) + "-id", kId},
            {std::string(prefix) + "-timestamp", std::to_string(timestamp)},
            {std::string(prefix) + "-signature", std::move(signature)}};
  }
  static std::map<std::string, std::string> valid(std::string_view prefix = "webhook", std::int64_t timestamp = kNow) {
    return headers(prefix, timestamp, sign(kKeyBytes, kId, timestamp, kPayload));
  }

  static void expect_code(const Status& s, ErrorCode code) {
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, code) << s.error().message;
  }

  Client client_{"https://auth.example.test", "skc_123", "secret", fixed_clock()};
};

TEST_F(WebhookTest, AcceptsAValidSignature) {
  const Status s = client_.verify_webhook_payload(kSecret, valid(), kPayload);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
}

TEST_F(WebhookTest, AcceptsAnyMatchingV1EntryAndSkipsOtherVersions) {
  const std::string good = sign(kKeyBytes, kId, kNow, kPayload);
  const std::string wrong_v1 = sign("another key", kId, kNow, kPayload);
  const std::string as_v2 = "v2," + good.substr(3);
  auto h = headers("webhook", kNow, as_v2 + " " + wrong_v1 + " " + good);
  EXPECT_TRUE(client_.verify_webhook_payload(kSecret, h, kPayload).ok());
  // The right MAC under another version label does not count.
  h = headers("webhook", kNow, as_v2 + " " + wrong_v1);
  expect_code(client_.verify_webhook_payload(kSecret, h, kPayload), ErrorCode::kInvalidSignature);
  // Malformed entries are skipped, not fatal.
  h = headers("webhook", kNow, "garbage v1 v1,!!! " + good);
  EXPECT_TRUE(client_.verify_webhook_payload(kSecret, h, kPayload).ok());
}

TEST_F(WebhookTest, AcceptsASignatureWithoutPadding) {
  std::string good = sign(kKeyBytes, kId, kNow, kPayload);
  ASSERT_EQ(good.back(), '=');  // 32 bytes: 44 characters, one "="
  good.pop_back();
  EXPECT_TRUE(client_.verify_webhook_payload(kSecret, headers("webhook", kNow, good), kPayload).ok());
}

TEST_F(WebhookTest, MatchesHeaderNamesInAnyCase) {
  const std::string sig = sign(kKeyBytes, kId, kNow, kPayload);
  const std::map<std::string, std::string> h{
      {"Webhook-Id", kId}, {"WEBHOOK-TIMESTAMP", std::to_string(kNow)}, {"webhook-Signature", sig}};
  EXPECT_TRUE(client_.verify_webhook_payload(kSecret, h, kPayload).ok());
}

TEST_F(WebhookTest, RefusesAHeaderGivenTwiceWithDifferentValues) {
  auto h = valid();
  h["Webhook-Id"] = "msg_other";
  expect_code(client_.verify_webhook_payload(kSecret, h, kPayload), ErrorCode::kInvalidSignature);
  h["Webhook-Id"] = kId;  // the same value twice is no ambiguity
  EXPECT_TRUE(client_.verify_webhook_payload(kSecret, h, kPayload).ok());
}

TEST_F(WebhookTest, RefusesAMissingHeaderAndNamesIt) {
  for (const char* name : {"webhook-id", "webhook-timestamp", "webhook-signature"}) {
    SCOPED_TRACE(name);
    auto h = valid();
    h.erase(name);
    const Status s = client_.verify_webhook_payload(kSecret, h, kPayload);
    expect_code(s, ErrorCode::kInvalidSignature);
    if (!s.ok()) {
      EXPECT_NE(s.error().message.find(name), std::string::npos) << s.error().message;
    }
    h[name] = "";  // empty counts as missing
    expect_code(client_.verify_webhook_payload(kSecret, h, kPayload), ErrorCode::kInvalidSignature);
  }
}

TEST_F(WebhookTest, RefusesATamperedPayloadIdOrTimestamp) {
  std::string tampered = kPayload;
  tampered[tampered.size() - 3] = 'c';
  expect_code(client_.verify_webhook_payload(kSecret, valid(), tampered), ErrorCode::kInvalidSignature);
  auto h = valid();
  h["webhook-id"] = "msg_other";
  expect_code(client_.verify_webhook_payload(kSecret, h, kPayload), ErrorCode::kInvalidSignature);
  h = valid();
  h["webhook-timestamp"] = std::to_string(kNow + 1);
  expect_code(client_.verify_webhook_payload(kSecret, h, kPayload), ErrorCode::kInvalidSignature);
}

TEST_F(WebhookTest, RefusesTheWrongSecret) {
  // "whsec_" + base64("gatehouse-webhook-secreT")
  expect_code(client_.verify_webhook_payload("whsec_Z2F0ZWhvdXNlLXdlYmhvb2stc2VjcmVU", valid(), kPayload),
              ErrorCode::kInvalidSignature);
}

TEST_F(WebhookTest, AcceptsTimestampsWithinFiveMinutesOnly) {
  for (std::int64_t offset : {-300, -299, 0, 299, 300}) {
    SCOPED_TRACE(offset);
    EXPECT_TRUE(client_.verify_webhook_payload(kSecret, valid("webhook", kNow + offset), kPayload).ok());
  }
  for (std::int64_t offset : {-301, 301, -86'400, 86'400}) {
    SCOPED_TRACE(offset);
    expect_code(client_.verify_webhook_payload(kSecret, valid("webhook", kNow + offset), kPayload),
                ErrorCode::kInvalidSignature);
  }
}

TEST_F(WebhookTest, RefusesATimestampThatIsNotADecimalInteger) {
  for (const char* t : {"1700000000.5", "+1700000000", "-1700000000", " 1700000000", "1700000000 ", "0x6553f100",
                        "1.7e9", "abc", "99999999999999999999", "9999999999999999999", "18446744073709551616"}) {
    SCOPED_TRACE(t);
    auto h = valid();
    h["webhook-timestamp"] = t;
    expect_code(client_.verify_webhook_payload(kSecret, h, kPayload), ErrorCode::kInvalidSignature);
  }
}

TEST_F(WebhookTest, RefusesAMalformedSecretAsAnInvalidArgument) {
  expect_code(client_.verify_webhook_payload("Z2F0ZWhvdXNlLXdlYmhvb2stc2VjcmV0", valid(), kPayload),
              ErrorCode::kInvalidArgument);
  expect_code(client_.verify_webhook_payload("whsec_not base64!", valid(), kPayload), ErrorCode::kInvalidArgument);
  expect_code(client_.verify_webhook_payload("whsec_", valid(), kPayload), ErrorCode::kInvalidArgument);
  // The key is standard base64: a URL-safe "_" inside it is no base64 character.
  expect_code(client_.verify_webhook_payload("whsec_ab_cd", valid(), kPayload), ErrorCode::kInvalidArgument);
}

TEST_F(WebhookTest, RefusesAnOverlongSignatureHeader) {
  const std::string good = sign(kKeyBytes, kId, kNow, kPayload);
  const std::string filler(8 * 1024, 'x');
  expect_code(client_.verify_webhook_payload(kSecret, headers("webhook", kNow, filler + " " + good), kPayload),
              ErrorCode::kInvalidSignature);
}

TEST_F(WebhookTest, SignsTheRawBytesOfThePayload) {
  const std::string binary("{\"a\":\"\xc3\xa9\0\xff\"}", 11);
  const auto h = headers("webhook", kNow, sign(kKeyBytes, kId, kNow, binary));
  EXPECT_TRUE(client_.verify_webhook_payload(kSecret, h, binary).ok());
  EXPECT_FALSE(client_.verify_webhook_payload(kSecret, h, binary.substr(0, 6)).ok());
}

TEST_F(WebhookTest, InterceptorPayloadsUseTheInterceptorHeaders) {
  const Status s = client_.verify_interceptor_payload(kSecret, valid("interceptor"), kPayload);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  auto upper = valid("Interceptor");
  EXPECT_TRUE(client_.verify_interceptor_payload(kSecret, upper, kPayload).ok());
  // webhook-* headers do not satisfy the interceptor check, nor interceptor-* the webhook one.
  const Status w = client_.verify_interceptor_payload(kSecret, valid("webhook"), kPayload);
  expect_code(w, ErrorCode::kInvalidSignature);
  if (!w.ok()) {
    EXPECT_NE(w.error().message.find("interceptor-id"), std::string::npos) << w.error().message;
  }
  expect_code(client_.verify_webhook_payload(kSecret, valid("interceptor"), kPayload), ErrorCode::kInvalidSignature);
}

TEST_F(WebhookTest, ErrorMessagesCarryNoSecretOrSignature) {
  auto h = headers("webhook", kNow, "v1,c2lnbmF0dXJlLXRoYXQtZG9lcy1ub3QtbWF0Y2g=");
  const Status s = client_.verify_webhook_payload(kSecret, h, kPayload);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message.find("c2lnbmF0dXJl"), std::string::npos);
  EXPECT_EQ(s.error().message.find("Z2F0ZWhvdXNl"), std::string::npos);
}

}  // namespace
}  // namespace gatehouse::sdk
