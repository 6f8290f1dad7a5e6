// The SAML 2.0 service provider connector (saml.h) on Lasso 2.8.
//
// Thread safety. Lasso keeps process-wide state (its GObject class registry, the xmlsec key and
// transform registries it initialises) and documents neither LassoServer nor LassoKey as safe
// for concurrent use. So: lasso_init() runs once (std::call_once), and every call into Lasso or
// xmlsec — building and signing an AuthnRequest, verifying a response's signatures, creating and
// destroying the per-connector LassoServer and IdP keys — holds one process-wide mutex. Nothing
// under that lock does I/O (the IdP metadata comes with the settings; nothing is fetched), so a
// critical section is a parse plus one RSA operation, about a millisecond; SAML logins are far
// too rare for this to matter. No global libxml2 setting is changed: our own parses pass their
// options per call (saml_xml.cc), and DTDs are refused before any parser sees the text.
//
// Lasso does the SP profile's message work (the AuthnRequest, its HTTP-Redirect encoding and
// RSA-SHA256 query signature) and the XML-DSig verification (lasso_key_saml2_xml_verify on our
// own tree). Which element is signed, and every check on the response's content, is ours
// (saml_response.cc): Lasso's own response processing checks neither times nor audience, and
// reads the first assertion of the message whichever one the signature covers.
#include <glib-object.h>
#include <libxml/tree.h>
#include <lasso/lasso.h>
#include <lasso/xml/saml-2.0/samlp2_authn_request.h>
#include <lasso/xml/saml-2.0/samlp2_name_id_policy.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "common/encoding.h"
#include "connectors/sso/saml.h"
#include "connectors/sso/saml_internal.h"

namespace gatehouse::connectors::sso {
namespace {

using namespace saml_internal;  // NOLINT(google-build-using-namespace): this module's internals

std::mutex& LassoMutex() {
  static auto* m = new std::mutex;
  return *m;
}

// lasso_init() once per process; its result for every later caller. Call with LassoMutex held.
int EnsureLasso() {
  static std::once_flag once;
  static int rc = 0;
  std::call_once(once, [] { rc = lasso_init(); });
  return rc;
}

struct GObjectUnref {
  void operator()(void* p) const {
    if (p != nullptr) g_object_unref(p);
  }
};

// The IdP's signing keys, for Lasso's verification. Call with LassoMutex held.
Result<std::vector<std::unique_ptr<LassoKey, GObjectUnref>>> LoadIdpKeys(const IdpMetadata& idp) {
  std::vector<std::unique_ptr<LassoKey, GObjectUnref>> keys;
  for (const std::string& pem : idp.certificates_pem) {
    std::string copy = pem;  // Lasso's API takes char*
    LassoKey* key = lasso_key_new_for_signature_from_memory(copy.data(), copy.size(), nullptr,
                                                            LASSO_SIGNATURE_METHOD_RSA_SHA256, nullptr);
    if (key == nullptr) return InvalidArgumentError("idp_metadata_xml: a signing certificate does not load");
    keys.emplace_back(key);
  }
  return keys;
}

int VerifyWithKeys(void* context, void* node, const std::string& id) {
  auto* keys = static_cast<std::vector<std::unique_ptr<LassoKey, GObjectUnref>>*>(context);
  std::string id_copy = id;
  for (auto& key : *keys) {
    if (lasso_key_saml2_xml_verify(key.get(), id_copy.data(), static_cast<xmlNode*>(node)) == 0) return 0;
  }
  return -1;
}

std::string FormatXsDateTime(UnixSeconds t) {
  const long long days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  const long long secs = t - days * 86400;
  // civil_from_days (H. Hinnant)
  const long long z = days + 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const long long y = static_cast<long long>(yoe) + era * 400 + (m <= 2);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", y, m, d, secs / 3600, secs % 3600 / 60,
                secs % 60);
  return buf;
}

bool IsUrlSafeId(std::string_view s) {
  return !s.empty() && s.size() <= 128 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

UpstreamError InvalidResponse(std::string d) {
  return UpstreamError{std::string(upstream_error::kInvalidSamlResponse), std::move(d)};
}

class SamlConnectorImpl final : public SamlConnector {
 public:
  SamlConnectorImpl(const ConnectorContext& context, SamlSettings settings, std::string sp_entity_id,
                    std::string acs_url, std::string sp_metadata, LassoServer* server,
                    std::vector<std::unique_ptr<LassoKey, GObjectUnref>> idp_keys)
      : context_(context),
        settings_(std::move(settings)),
        sp_entity_id_(std::move(sp_entity_id)),
        acs_url_(std::move(acs_url)),
        sp_metadata_(std::move(sp_metadata)),
        server_(server),
        idp_keys_(std::move(idp_keys)) {}

  ~SamlConnectorImpl() override {
    std::lock_guard<std::mutex> lock(LassoMutex());
    idp_keys_.clear();
    server_.reset();
  }

  SamlConnectorImpl(const SamlConnectorImpl&) = delete;
  SamlConnectorImpl& operator=(const SamlConnectorImpl&) = delete;

  Result<std::variant<StartOutput, UpstreamError>> Start(const StartInput& input) const override;
  Result<Outcome> Finish(const CallbackInput& input) const override;
  Result<std::string> Metadata() const override { return sp_metadata_; }

 private:
  const ConnectorContext& context_;
  const SamlSettings settings_;
  const std::string sp_entity_id_;
  const std::string acs_url_;
  const std::string sp_metadata_;
  std::unique_ptr<LassoServer, GObjectUnref> server_;
  // Not const only because Lasso's verification API takes non-const keys; used under the lock.
  mutable std::vector<std::unique_ptr<LassoKey, GObjectUnref>> idp_keys_;
};

Result<std::variant<StartOutput, UpstreamError>> SamlConnectorImpl::Start(const StartInput& input) const {
  if (input.relay.size() > 80) return InvalidArgumentError("relay is longer than 80 bytes (SAML RelayState)");
  // Our own request id from the injected CSPRNG (Lasso's comes from g_random): it binds the
  // answer to this browser's leg, so it must not be guessable. XML IDs must not start with a digit.
  const std::string request_id = "_" + HexEncode(context_.random.Bytes(20));

  std::lock_guard<std::mutex> lock(LassoMutex());
  std::unique_ptr<LassoLogin, GObjectUnref> login(lasso_login_new(server_.get()));
  if (!login) return InternalError("lasso_login_new failed");
  LassoProfile* profile = LASSO_PROFILE(login.get());
  int rc = lasso_login_init_authn_request(login.get(), settings_.idp.entity_id.c_str(), LASSO_HTTP_METHOD_REDIRECT);
  if (rc != 0) return InternalError(std::string("lasso_login_init_authn_request: ") + lasso_strerror(rc));
  LassoSamlp2AuthnRequest* request = LASSO_SAMLP2_AUTHN_REQUEST(profile->request);
  LassoSamlp2RequestAbstract* abstract = LASSO_SAMLP2_REQUEST_ABSTRACT(profile->request);
  g_free(abstract->ID);
  abstract->ID = g_strdup(request_id.c_str());
  g_free(abstract->IssueInstant);
  abstract->IssueInstant = g_strdup(FormatXsDateTime(context_.clock.NowSeconds()).c_str());
  g_free(request->ProtocolBinding);
  request->ProtocolBinding = g_strdup(std::string(kBindingPost).c_str());
  g_free(request->AssertionConsumerServiceURL);
  request->AssertionConsumerServiceURL = g_strdup(acs_url_.c_str());
  if (request->NameIDPolicy != nullptr) {
    // Let the IdP pick its usual identifier rather than Lasso's default (transient).
    g_free(request->NameIDPolicy->Format);
    request->NameIDPolicy->Format = g_strdup(LASSO_SAML2_NAME_IDENTIFIER_FORMAT_UNSPECIFIED);
    request->NameIDPolicy->AllowCreate = TRUE;
  }
  if (!input.relay.empty()) {
    g_free(profile->msg_relayState);
    profile->msg_relayState = g_strdup(input.relay.c_str());
  }
  rc = lasso_login_build_authn_request_msg(login.get());
  if (rc != 0 || profile->msg_url == nullptr) {
    return InternalError(std::string("lasso_login_build_authn_request_msg: ") + lasso_strerror(rc));
  }
  return std::variant<StartOutput, UpstreamError>(StartOutput{profile->msg_url, request_id});
}

Result<Outcome> SamlConnectorImpl::Finish(const CallbackInput& input) const {
  const std::string* encoded = nullptr;
  for (const auto& [k, v] : input.params) {
    if (k == "SAMLResponse") encoded = &v;
  }
  if (encoded == nullptr || encoded->empty()) return Outcome(InvalidResponse("no SAMLResponse"));
  // Base64 grows by 4/3; allow for line breaks some IdPs insert every 64 or 76 characters.
  if (encoded->size() > kMaxResponseBytes / 3 * 4 + kMaxResponseBytes / 32 + 8) {
    return Outcome(InvalidResponse("SAMLResponse is larger than 256 KiB"));
  }
  std::string compact;
  compact.reserve(encoded->size());
  for (char c : *encoded) {
    if (c != '\r' && c != '\n' && c != ' ' && c != '\t') compact += c;
  }
  const std::optional<std::string> xml = Base64Decode(compact);
  if (!xml) return Outcome(InvalidResponse("SAMLResponse is not base64"));
  if (xml->size() > kMaxResponseBytes) return Outcome(InvalidResponse("SAMLResponse is larger than 256 KiB"));
  if (HasDtd(*xml)) return Outcome(InvalidResponse("SAMLResponse must not contain a DOCTYPE or ENTITY declaration"));
  if (!input.upstream_state.empty() && !IsUrlSafeId(input.upstream_state)) {
    return InternalError("SAML upstream_state is not a request id");
  }

  ResponseExpectations expect;
  expect.idp_entity_id = settings_.idp.entity_id;
  expect.sp_entity_id = sp_entity_id_;
  expect.acs_url = acs_url_;
  expect.request_id = input.upstream_state;
  expect.allow_idp_initiated = settings_.allow_idp_initiated;
  expect.allow_sha1 = settings_.allow_sha1;
  expect.clock_skew_seconds = settings_.clock_skew_seconds;
  expect.now = context_.clock.NowSeconds();
  expect.attribute_mapping = settings_.attribute_mapping;

  std::lock_guard<std::mutex> lock(LassoMutex());
  return CheckResponse(*xml, expect, &VerifyWithKeys, &idp_keys_);
}

}  // namespace

namespace saml_internal {

Result<SamlSettings> ParseSettings(std::string_view settings_json) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(settings_json, ec);
  if (ec || !v.is_object()) return InvalidArgumentError("saml settings must be a JSON object");
  SamlSettings s;
  bool have_metadata = false;
  for (const auto& [key, value] : v.as_object()) {
    if (key == "idp_metadata_xml") {
      if (!value.is_string()) return InvalidArgumentError("idp_metadata_xml must be a string");
      s.idp_metadata_xml = std::string(value.as_string());
      have_metadata = true;
    } else if (key == "allow_idp_initiated") {
      if (!value.is_bool()) return InvalidArgumentError("allow_idp_initiated must be a boolean");
      s.allow_idp_initiated = value.as_bool();
    } else if (key == "allow_sha1") {
      if (!value.is_bool()) return InvalidArgumentError("allow_sha1 must be a boolean");
      s.allow_sha1 = value.as_bool();
    } else if (key == "clock_skew_seconds") {
      const auto n = value.is_int64()    ? std::optional<long long>(value.as_int64())
                     : value.is_uint64() ? std::optional<long long>(value.as_uint64() > 1000 ? 1000 : value.as_uint64())
                                         : std::nullopt;
      if (!n || *n < 0 || *n > 300) return InvalidArgumentError("clock_skew_seconds must be an integer 0..300");
      s.clock_skew_seconds = static_cast<int>(*n);
    } else if (key == "attribute_mapping") {
      if (!value.is_object()) return InvalidArgumentError("attribute_mapping must be an object");
      for (const auto& [field, name] : value.as_object()) {
        if (field != "email" && field != "name" && field != "given_name" && field != "family_name" &&
            field != "groups") {
          return InvalidArgumentError("attribute_mapping: unknown field " + std::string(field));
        }
        if (!name.is_string() || name.as_string().empty() || name.as_string().size() > 256) {
          return InvalidArgumentError("attribute_mapping." + std::string(field) + " must be an attribute name");
        }
        s.attribute_mapping[std::string(field)] = std::string(name.as_string());
      }
    } else {
      return InvalidArgumentError("unknown saml setting " + std::string(key));
    }
  }
  if (!have_metadata) return InvalidArgumentError("idp_metadata_xml is required");
  ASSIGN_OR_RETURN(s.idp, ParseIdpMetadata(s.idp_metadata_xml));
  return s;
}

}  // namespace saml_internal

Status ValidateSamlSettings(const ConnectionConfig& config) {
  ASSIGN_OR_RETURN(SamlSettings settings, ParseSettings(config.settings_json));
  std::lock_guard<std::mutex> lock(LassoMutex());
  if (EnsureLasso() != 0) return InternalError("lasso_init failed");
  ASSIGN_OR_RETURN(auto keys, LoadIdpKeys(settings.idp));
  return Status::Ok();
}

Result<std::unique_ptr<SamlConnector>> MakeSamlConnector(const ConnectorContext& context, const ConnectionConfig& config,
                                                         const SamlServiceProviderKey& sp_key) {
  if (!IsUrlSafeId(config.id)) return InvalidArgumentError("connection id is not URL-safe");
  ASSIGN_OR_RETURN(SamlSettings settings, ParseSettings(config.settings_json));
  std::string entity_id = context.base_url + "/sso/saml/metadata/" + config.id;
  std::string acs_url = context.base_url + "/sso/saml/acs/" + config.id;
  if (PemBody(sp_key.certificate_pem).empty()) return InvalidArgumentError("SP certificate is not PEM");
  std::string sp_metadata = BuildSpMetadata(entity_id, acs_url, sp_key.certificate_pem);

  std::lock_guard<std::mutex> lock(LassoMutex());
  if (EnsureLasso() != 0) return InternalError("lasso_init failed");
  // No certificate for Lasso: it would only put it in the KeyInfo of XML signatures, which the
  // HTTP-Redirect binding does not use (the IdP has it from our metadata), and with it every
  // signing re-loads it through xmlsec 1.2.37, which leaks a BIO (~190 bytes) per AuthnRequest.
  std::unique_ptr<LassoServer, GObjectUnref> server(
      lasso_server_new_from_buffers(sp_metadata.c_str(), sp_key.private_key_pem.c_str(), nullptr, nullptr));
  if (!server) return InvalidArgumentError("Lasso refused the SP metadata, key or certificate");
  server->signature_method = LASSO_SIGNATURE_METHOD_RSA_SHA256;  // Lasso's default is RSA-SHA1
  const int rc = lasso_server_add_provider_from_buffer(server.get(), LASSO_PROVIDER_ROLE_IDP,
                                                       settings.idp_metadata_xml.c_str(), nullptr, nullptr);
  if (rc != 0) return InvalidArgumentError(std::string("Lasso refused the IdP metadata: ") + lasso_strerror(rc));
  ASSIGN_OR_RETURN(auto keys, LoadIdpKeys(settings.idp));
  return std::unique_ptr<SamlConnector>(new SamlConnectorImpl(context, std::move(settings), std::move(entity_id),
                                                              std::move(acs_url), std::move(sp_metadata),
                                                              server.release(), std::move(keys)));
}

}  // namespace gatehouse::connectors::sso
