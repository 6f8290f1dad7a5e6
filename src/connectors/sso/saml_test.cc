// The SAML connector against a real IdP: tests/support/saml_idp.py (pysaml2 + xmlsec1), one per
// suite on loopback. Bad responses are made by the IdP's knobs (signed after the change) or by
// editing a signed response here (after signing). Time is a FakeClock started at the real time,
// because the IdP stamps its assertions with the real time.
#include "connectors/sso/saml.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <map>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/encoding.h"
#include "common/url.h"
#include "connectors/http/client.h"
#include "connectors/sso/saml_internal.h"
#include "crypto/x509.h"
#include "support/process.h"

namespace gatehouse::connectors::sso {
namespace {

namespace fs = std::filesystem;
using test_support::ServerProcess;

constexpr char kBase[] = "https://gatehouse.test";
constexpr char kConn[] = "conn_saml1";
constexpr char kAcs[] = "https://gatehouse.test/sso/saml/acs/conn_saml1";

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// The value of the hidden form field `name` in the IdP's auto-post page (values are
// HTML-escaped; base64 and our relays need no unescaping).
std::string FormField(const std::string& html, const std::string& name) {
  const std::string marker = "name=\"" + name + "\" value=\"";
  const auto p = html.find(marker);
  if (p == std::string::npos) return "";
  const auto start = p + marker.size();
  return html.substr(start, html.find('"', start) - start);
}

void ReplaceOnce(std::string& s, const std::string& from, const std::string& to) {
  const auto p = s.find(from);
  ASSERT_NE(p, std::string::npos) << "not found: " << from;
  s.replace(p, from.size(), to);
}

class SamlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::signal(SIGPIPE, SIG_IGN);
    std::string tmpl = (fs::temp_directory_path() / "gatehouse-saml-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = new fs::path(tmpl);
    idp_ = new ServerProcess({GATEHOUSE_PYTHON, GATEHOUSE_SAML_IDP, "--sp-metadata", (*dir_ / "sp.xml").string()});
    ASSERT_GT(idp_->port(), 0) << "saml_idp.py did not report a port";
    http_ = new http::HttpClient(http::ClientOptions{});
    auto md = http_->Get(IdpUrl("/metadata"));
    ASSERT_TRUE(md.ok()) << md.status().ToString();
    ASSERT_EQ(md->status, 200) << md->body;
    idp_metadata_ = new std::string(md->body);
    auto pair = crypto::GenerateSelfSignedRsa("gatehouse test sp", 30, std::time(nullptr));
    ASSERT_TRUE(pair.ok());
    sp_key_ = new SamlServiceProviderKey{pair->private_key_pem, pair->certificate_pem};
  }

  static void TearDownTestSuite() {
    if (idp_ != nullptr) {
      EXPECT_EQ(idp_->Stop(), 0) << "saml_idp exits 0 on SIGTERM";
    }
    delete idp_;
    delete http_;
    delete idp_metadata_;
    delete sp_key_;
    if (dir_ != nullptr) fs::remove_all(*dir_);
    delete dir_;
  }

  static std::string IdpUrl(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(idp_->port()) + path;
  }

  std::string Settings(const std::string& extra = "") const {
    return "{\"idp_metadata_xml\":" + JsonString(*idp_metadata_) + extra + "}";
  }

  void Make(const std::string& extra = "") {
    ConnectionConfig config{kConn, "saml", "custom", Settings(extra), ""};
    ASSERT_TRUE(ValidateSamlSettings(config).ok()) << ValidateSamlSettings(config).ToString();
    auto c = MakeSamlConnector(context_, config, *sp_key_);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    connector_ = std::move(*c);
    auto md = connector_->Metadata();
    ASSERT_TRUE(md.ok());
    std::ofstream(*dir_ / "sp.xml") << *md;
  }

  StartOutput StartLogin(const std::string& relay = "relay-123") {
    auto r = connector_->Start({kAcs, relay, ""});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok() || !std::holds_alternative<StartOutput>(*r)) return {};
    return std::get<StartOutput>(*r);
  }

  // The IdP's answer to a GET (the auto-post page); the SAMLResponse XML, decoded.
  std::string Post(const std::string& url, std::string* relay = nullptr) {
    auto page = http_->Get(url);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok()) return "";
    EXPECT_EQ(page->status, 200) << page->body;
    if (relay != nullptr) *relay = FormField(page->body, "RelayState");
    auto xml = Base64Decode(FormField(page->body, "SAMLResponse"));
    EXPECT_TRUE(xml.has_value()) << page->body;
    return xml.value_or("");
  }

  // SP-initiated: Start, the IdP with `knobs`, the response XML; request id in *state.
  std::string SpLogin(const std::string& knobs, std::string* state) {
    StartOutput out = StartLogin();
    *state = out.upstream_state;
    std::string relay;
    std::string xml = Post(out.redirect_url + (knobs.empty() ? "" : "&" + knobs), &relay);
    EXPECT_EQ(relay, "relay-123");
    return xml;
  }

  std::string IdpInitiated(const std::string& knobs = "") {
    return Post(IdpUrl("/idp-initiated?sp=" + PercentEncode(std::string(kBase) + "/sso/saml/metadata/" + kConn) +
                       (knobs.empty() ? "" : "&" + knobs)));
  }

  Outcome FinishXml(const std::string& xml, const std::string& state) {
    return FinishEncoded(Base64Encode(xml), state);
  }
  Outcome FinishEncoded(const std::string& b64, const std::string& state) {
    auto r = connector_->Finish({{{"SAMLResponse", b64}, {"RelayState", "relay-123"}}, kAcs, state});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : Outcome(UpstreamError{"status", r.status().ToString()});
  }

  static std::string Code(const Outcome& o) {
    if (const auto* e = std::get_if<UpstreamError>(&o)) return e->code;
    return "ok";
  }
  static std::string Describe(const Outcome& o) {
    if (const auto* e = std::get_if<UpstreamError>(&o)) return e->code + ": " + e->description;
    return "identity " + std::get<Identity>(o).subject;
  }

  // Login with knobs, expecting the error `code`.
  void ExpectSpError(const std::string& knobs, std::string_view code) {
    std::string state;
    const std::string xml = SpLogin(knobs, &state);
    const Outcome o = FinishXml(xml, state);
    EXPECT_EQ(Code(o), code) << knobs << " -> " << Describe(o);
  }

  static inline fs::path* dir_ = nullptr;
  static inline ServerProcess* idp_ = nullptr;
  static inline http::HttpClient* http_ = nullptr;
  static inline std::string* idp_metadata_ = nullptr;
  static inline SamlServiceProviderKey* sp_key_ = nullptr;

  FakeClock clock_{static_cast<UnixSeconds>(std::time(nullptr))};
  FakeRandom random_{7};
  ConnectorContext context_{*http_, clock_, random_, kBase};
  std::unique_ptr<SamlConnector> connector_;
};

TEST_F(SamlTest, MetadataDescribesTheServiceProvider) {
  Make();
  const std::string md = *connector_->Metadata();
  EXPECT_NE(md.find("entityID=\"https://gatehouse.test/sso/saml/metadata/conn_saml1\""), std::string::npos);
  EXPECT_NE(md.find("AuthnRequestsSigned=\"true\""), std::string::npos);
  EXPECT_NE(md.find("WantAssertionsSigned=\"true\""), std::string::npos);
  EXPECT_NE(md.find("<md:KeyDescriptor use=\"signing\">"), std::string::npos);
  EXPECT_NE(md.find(saml_internal::PemBody(sp_key_->certificate_pem)), std::string::npos);
  EXPECT_NE(md.find("Location=\"https://gatehouse.test/sso/saml/acs/conn_saml1\""), std::string::npos);
  EXPECT_NE(md.find("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"), std::string::npos);
  EXPECT_NE(md.find("nameid-format:emailAddress"), std::string::npos);
}

TEST_F(SamlTest, StartRedirectIsSignedAndTheIdpAcceptsIt) {
  Make();
  StartOutput out = StartLogin("relay-123");
  EXPECT_EQ(out.redirect_url.rfind(IdpUrl("/sso/redirect?"), 0), 0u) << out.redirect_url;
  auto url = ParseHttpUrl(out.redirect_url);
  ASSERT_TRUE(url.ok());
  auto q = ParseQuery(url->query);
  ASSERT_TRUE(q.ok());
  std::map<std::string, std::string> params(q->begin(), q->end());
  EXPECT_TRUE(params.count("SAMLRequest"));
  EXPECT_EQ(params["RelayState"], "relay-123");
  EXPECT_EQ(params["SigAlg"], "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
  EXPECT_FALSE(params["Signature"].empty());
  EXPECT_EQ(out.upstream_state.size(), 41u);
  EXPECT_EQ(out.upstream_state[0], '_');

  auto ok = http_->Get(out.redirect_url);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200) << ok->body;
  // The IdP's check can fail: a signature over other bytes is refused.
  std::string forged = out.redirect_url;
  ReplaceOnce(forged, "RelayState=relay-123", "RelayState=relay-124");
  auto bad = http_->Get(forged);
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 403) << bad->body;
  // Relays past SAML's 80 bytes are the caller's bug.
  EXPECT_FALSE(connector_->Start({kAcs, std::string(81, 'r'), ""}).ok());
}

TEST_F(SamlTest, ResponseSignedSucceedsWithMappedAttributes) {
  Make();
  std::string state;
  const std::string xml = SpLogin("x_sign=response", &state);
  const Outcome o = FinishXml(xml, state);
  ASSERT_EQ(Code(o), "ok") << Describe(o);
  const Identity& id = std::get<Identity>(o);
  EXPECT_EQ(id.subject, "ada@example.com");
  EXPECT_EQ(id.email, "ada@example.com");
  EXPECT_FALSE(id.email_verified);
  EXPECT_EQ(id.given_name, "Ada");
  EXPECT_EQ(id.family_name, "Lovelace");
  EXPECT_EQ(id.name, "Ada Lovelace");
  EXPECT_EQ(id.groups, (std::vector<std::string>{"engineering", "admins"}));
  EXPECT_NE(id.raw_json.find("\"urn:oid:2.5.4.42\":[\"Ada\"]"), std::string::npos) << id.raw_json;
  EXPECT_NE(id.raw_json.find("\"groups\":[\"engineering\",\"admins\"]"), std::string::npos) << id.raw_json;
  EXPECT_FALSE(id.single_use_key.empty());
  EXPECT_NE(xml.find("ID=\"" + id.single_use_key + "\""), std::string::npos) << "the key is the assertion ID";
  EXPECT_GT(id.single_use_until, clock_.NowSeconds());
  EXPECT_LE(id.single_use_until, clock_.NowSeconds() + 3600);
}

TEST_F(SamlTest, AssertionSignedSucceedsAndReplayKeepsTheKey) {
  Make();
  std::string state;
  const std::string xml = SpLogin("x_sign=assertion", &state);
  const Outcome first = FinishXml(xml, state);
  ASSERT_EQ(Code(first), "ok") << Describe(first);
  // A second post of the same response: the connector has no memory; the login layer refuses
  // it by the same single-use key.
  const Outcome second = FinishXml(xml, state);
  ASSERT_EQ(Code(second), "ok") << Describe(second);
  EXPECT_EQ(std::get<Identity>(first).single_use_key, std::get<Identity>(second).single_use_key);
}

TEST_F(SamlTest, AttributeMappingOverridesDefaults) {
  Make(",\"attribute_mapping\":{\"given_name\":\"sn\",\"email\":\"nope\",\"groups\":\"displayName\"}");
  std::string state;
  const Outcome o = FinishXml(SpLogin("x_nameid=ada-42&x_nameid_format=urn:oasis:names:tc:SAML:2.0:nameid-format:persistent", &state), state);
  ASSERT_EQ(Code(o), "ok") << Describe(o);
  const Identity& id = std::get<Identity>(o);
  EXPECT_EQ(id.subject, "ada-42");
  EXPECT_EQ(id.email, "") << "no email attribute under the mapped name and the NameID is not an email";
  EXPECT_EQ(id.given_name, "Lovelace");
  EXPECT_EQ(id.groups, (std::vector<std::string>{"Ada Lovelace"}));
}

TEST_F(SamlTest, IdpInitiatedOnlyWhenAllowed) {
  Make();
  const std::string xml = IdpInitiated();
  EXPECT_EQ(Code(FinishXml(xml, "")), "invalid_saml_response");
  Make(",\"allow_idp_initiated\":true");
  const Outcome o = FinishXml(IdpInitiated(), "");
  ASSERT_EQ(Code(o), "ok") << Describe(o);
  EXPECT_EQ(std::get<Identity>(o).email, "ada@example.com");
  // An answer to a request is not accepted as unsolicited, nor the reverse.
  std::string state;
  EXPECT_EQ(Code(FinishXml(SpLogin("", &state), "")), "invalid_saml_response");
  EXPECT_EQ(Code(FinishXml(IdpInitiated(), "_0123456789abcdef")), "invalid_saml_response");
}

TEST_F(SamlTest, TamperedAfterSigningIsRefused) {
  Make();
  for (const std::string sign : {"response", "assertion", "both"}) {
    std::string state;
    std::string xml = SpLogin("x_sign=" + sign, &state);
    ReplaceOnce(xml, ">ada@example.com<", ">eve@example.com<");  // the NameID
    EXPECT_EQ(Code(FinishXml(xml, state)), "signature_validation_failed") << sign;
    xml = SpLogin("x_sign=" + sign, &state);
    ReplaceOnce(xml, ">Lovelace<", ">Byron<");  // an attribute
    EXPECT_EQ(Code(FinishXml(xml, state)), "signature_validation_failed") << sign;
  }
}

TEST_F(SamlTest, UnsignedIsRefused) {
  Make();
  ExpectSpError("x_sign=none", "signature_validation_failed");
}

// Signature wrapping: the signed assertion stays in the document (its signature still
// verifies), next to or around an attacker's assertion that a naive reader would use.
TEST_F(SamlTest, SignatureWrappingIsRefused) {
  Make();
  std::string state;
  const std::string xml = SpLogin("x_sign=assertion", &state);
  // pysaml2's prefixes: ns0 protocol, ns1 assertion, ns2 xmldsig.
  const std::string open_tag = "<ns1:Assertion", close_tag = "</ns1:Assertion>";
  const auto a_start = xml.find(open_tag);
  const auto a_end_tag = xml.find(close_tag);
  ASSERT_NE(a_start, std::string::npos) << xml;
  ASSERT_NE(a_end_tag, std::string::npos);
  const std::string original = xml.substr(a_start, a_end_tag + close_tag.size() - a_start);
  // The evil twin: same ID, another NameID, the signature removed.
  std::string evil = original;
  const auto sig_start = evil.find("<ns2:Signature");
  const auto sig_end = evil.find("</ns2:Signature>");
  ASSERT_NE(sig_start, std::string::npos) << original;
  evil.erase(sig_start, sig_end + std::string("</ns2:Signature>").size() - sig_start);
  ReplaceOnce(evil, ">ada@example.com<", ">eve@example.com<");

  // 1. Evil first, original after it.
  std::string w1 = xml;
  w1.replace(a_start, original.size(), evil + original);
  EXPECT_EQ(Code(FinishXml(w1, state)), "invalid_saml_response");
  // 2. Original hidden in Extensions, evil in its place.
  std::string w2 = xml;
  w2.replace(a_start, original.size(), evil);
  const auto status = w2.find("<ns0:Status");
  ASSERT_NE(status, std::string::npos);
  w2.insert(status, "<ns0:Extensions>" + original + "</ns0:Extensions>");
  EXPECT_EQ(Code(FinishXml(w2, state)), "invalid_saml_response");
  // 3. Original renamed out of the SAML namespace (so only one "Assertion" remains) and hidden;
  //    the evil one carries the original's signature and ID.
  std::string hidden = original;
  ReplaceOnce(hidden, open_tag, "<x:Hidden xmlns:x=\"urn:evil\"");
  ReplaceOnce(hidden, close_tag, "</x:Hidden>");
  std::string evil_signed = original;
  ReplaceOnce(evil_signed, ">ada@example.com<", ">eve@example.com<");
  std::string w3 = xml;
  w3.replace(a_start, original.size(), evil_signed);
  w3.insert(w3.find("<ns0:Status"), "<ns0:Extensions>" + hidden + "</ns0:Extensions>");
  const Outcome o3 = FinishXml(w3, state);
  EXPECT_EQ(Code(o3), "signature_validation_failed") << Describe(o3);
}

// SHA-1 (RSA-SHA1 signatures, SHA-1 digests) only for a connection that allows it; algorithms
// outside the list are refused before any verification.
TEST_F(SamlTest, Sha1OnlyWhenAllowedAndOtherAlgorithmsNever) {
  Make();
  for (const std::string sign : {"response", "assertion", "both"}) {
    std::string state;
    const Outcome o = FinishXml(SpLogin("x_sha1=1&x_sign=" + sign, &state), state);
    EXPECT_EQ(Code(o), "signature_validation_failed") << sign;
    EXPECT_NE(Describe(o).find("xmldsig#rsa-sha1"), std::string::npos) << Describe(o);
  }
  std::string state;
  std::string xml = SpLogin("x_sign=assertion", &state);
  ReplaceOnce(xml, "xmldsig-more#rsa-sha256", "xmldsig#hmac-sha1");
  Outcome o = FinishXml(xml, state);
  EXPECT_EQ(Code(o), "signature_validation_failed");
  EXPECT_NE(Describe(o).find("hmac-sha1"), std::string::npos) << Describe(o);
  xml = SpLogin("x_sign=assertion", &state);
  ReplaceOnce(xml, "http://www.w3.org/2001/04/xmlenc#sha256", "http://www.w3.org/2001/04/xmldsig-more#md5");
  o = FinishXml(xml, state);
  EXPECT_EQ(Code(o), "signature_validation_failed");
  EXPECT_NE(Describe(o).find("#md5"), std::string::npos) << Describe(o);

  Make(",\"allow_sha1\":true");
  for (const std::string sign : {"response", "assertion", "both"}) {
    EXPECT_EQ(Code(FinishXml(SpLogin("x_sha1=1&x_sign=" + sign, &state), state)), "ok") << sign;
  }
  EXPECT_EQ(Code(FinishXml(SpLogin("", &state), state)), "ok");  // SHA-256 still
}

TEST_F(SamlTest, WrongAudienceDestinationRecipientIssuer) {
  Make();
  ExpectSpError("x_audience=https://other.example/sp", "invalid_saml_response");
  ExpectSpError("x_destination=https://other.example/acs", "invalid_saml_response");
  ExpectSpError("x_recipient=https://other.example/acs", "invalid_saml_response");
  ExpectSpError("x_issuer=https://other.example/idp", "invalid_saml_response");
}

TEST_F(SamlTest, ExpiredAndNotYetValid) {
  Make();
  ExpectSpError("x_not_on_or_after=-3600", "assertion_expired");
  ExpectSpError("x_not_before=3600", "assertion_expired");
  // Time moves: valid now, expired once past NotOnOrAfter (5 minutes) plus the 60 s skew.
  std::string state;
  const std::string xml = SpLogin("", &state);
  EXPECT_EQ(Code(FinishXml(xml, state)), "ok");
  clock_.Advance(std::chrono::seconds(5 * 60 + 30));
  EXPECT_EQ(Code(FinishXml(xml, state)), "ok") << "inside the skew";
  clock_.Advance(std::chrono::seconds(60));
  EXPECT_EQ(Code(FinishXml(xml, state)), "assertion_expired");
}

TEST_F(SamlTest, InResponseToMismatch) {
  Make();
  std::string state;
  const std::string xml = SpLogin("", &state);
  const StartOutput other = StartLogin();
  EXPECT_EQ(Code(FinishXml(xml, other.upstream_state)), "invalid_saml_response");
  ExpectSpError("x_in_response_to=_ffffffffffffffff", "invalid_saml_response");
}

TEST_F(SamlTest, StatusNotSuccess) {
  Make();
  ExpectSpError("x_status=AuthnFailed", "authentication_not_completed");
  ExpectSpError("x_status=Requester", "authentication_not_completed");
}

TEST_F(SamlTest, DtdEntityAndXxeAreRefused) {
  Make();
  EXPECT_EQ(Code(FinishXml("<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>", "")),
            "invalid_saml_response");
  EXPECT_EQ(Code(FinishXml("<?xml version=\"1.0\"?><!doctype lol [<!entity a \"aaaa\">]><lol>&a;</lol>", "")),
            "invalid_saml_response");
  std::string state;
  std::string xml = SpLogin("", &state);
  const auto root = xml.find("<ns0:Response");
  ASSERT_NE(root, std::string::npos);
  xml.insert(root, "<!DocType ns0:Response [<!EnTiTy e \"x\">]>");
  const Outcome o = FinishXml(xml, state);
  EXPECT_EQ(Code(o), "invalid_saml_response") << Describe(o);
}

TEST_F(SamlTest, OversizeGarbageAndNonXmlAreRefused) {
  Make();
  std::string state;
  std::string xml = SpLogin("", &state);
  xml.insert(xml.find("<ns0:Status"), "<!--" + std::string(300 * 1024, 'p') + "-->");
  EXPECT_EQ(Code(FinishXml(xml, state)), "invalid_saml_response");
  EXPECT_EQ(Code(FinishEncoded("!!!not base64!!!", state)), "invalid_saml_response");
  EXPECT_EQ(Code(FinishEncoded("", state)), "invalid_saml_response");
  EXPECT_EQ(Code(FinishXml("hello, not xml", state)), "invalid_saml_response");
  EXPECT_EQ(Code(FinishXml("<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">", state)),
            "invalid_saml_response");
  EXPECT_EQ(Code(FinishXml("<foo/>", state)), "invalid_saml_response");
}

TEST_F(SamlTest, ConcurrentFinishAndStart) {
  Make();
  std::string state;
  const std::string xml = SpLogin("", &state);
  const std::string b64 = Base64Encode(xml);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 10; ++j) {
        auto r = connector_->Finish({{{"SAMLResponse", b64}}, kAcs, state});
        if (r.ok() && std::holds_alternative<Identity>(*r)) ++ok;
        auto s = connector_->Start({kAcs, "r", ""});
        if (s.ok() && std::holds_alternative<StartOutput>(*s)) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 160);
}

TEST_F(SamlTest, ValidateSettings) {
  auto check = [](const std::string& settings) {
    return ValidateSamlSettings({kConn, "saml", "custom", settings, ""});
  };
  EXPECT_TRUE(check(Settings()).ok());
  EXPECT_TRUE(check(Settings(",\"clock_skew_seconds\":300,\"allow_idp_initiated\":false")).ok());
  EXPECT_TRUE(check(Settings(",\"allow_sha1\":true")).ok());
  EXPECT_FALSE(check(Settings(",\"allow_sha1\":\"yes\"")).ok());
  EXPECT_FALSE(check("not json").ok());
  EXPECT_FALSE(check("{}").ok());
  EXPECT_FALSE(check("{\"idp_metadata_xml\":\"<md:EntityDescriptor\"}").ok());
  EXPECT_FALSE(check(Settings(",\"unknown\":1")).ok());
  EXPECT_FALSE(check(Settings(",\"clock_skew_seconds\":301")).ok());
  EXPECT_FALSE(check(Settings(",\"clock_skew_seconds\":-1")).ok());
  EXPECT_FALSE(check(Settings(",\"attribute_mapping\":{\"phone\":\"x\"}")).ok());
  std::string md = *idp_metadata_;
  std::string no_cert = md;
  no_cert.replace(no_cert.find("<ns0:KeyDescriptor"), no_cert.find("</ns0:KeyDescriptor>") + 20 - no_cert.find("<ns0:KeyDescriptor"), "");
  const Status s1 = check("{\"idp_metadata_xml\":" + JsonString(no_cert) + "}");
  EXPECT_EQ(s1.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s1.message().find("certificate"), std::string::npos) << s1.message();
  std::string no_redirect = md;
  ReplaceOnce(no_redirect, "bindings:HTTP-Redirect", "bindings:HTTP-POST");
  const Status s2 = check("{\"idp_metadata_xml\":" + JsonString(no_redirect) + "}");
  EXPECT_NE(s2.message().find("HTTP-Redirect"), std::string::npos) << s2.message();
  EXPECT_FALSE(check("{\"idp_metadata_xml\":" + JsonString("<!DOCTYPE x>" + md) + "}").ok());
}

TEST(SamlInternalTest, XsDateTime) {
  using saml_internal::ParseXsDateTime;
  EXPECT_EQ(ParseXsDateTime("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseXsDateTime("2027-01-15T12:30:05.123Z"), 1800016205);
  EXPECT_EQ(ParseXsDateTime("2027-01-15T14:30:05+02:00"), 1800016205);
  EXPECT_EQ(ParseXsDateTime("2027-01-15T12:30:05"), 1800016205);
  EXPECT_FALSE(ParseXsDateTime("2027-13-15T12:30:05Z").has_value());
  EXPECT_FALSE(ParseXsDateTime("yesterday").has_value());
}

}  // namespace
}  // namespace gatehouse::connectors::sso
