// GitHub (oidc.h, provider "github"): OAuth 2.0 with PKCE, then the REST API for who signed in.
// There is no ID token; the access token reads GET /user (the numeric id is the subject) and
// GET /user/emails (the primary address, when verified).
#include <boost/json/serialize.hpp>

#include "common/url.h"
#include "connectors/sso/oidc_internal.h"

namespace gatehouse::connectors::sso::oidc_internal {
namespace {

namespace json = boost::json;
using StartResult = std::variant<StartOutput, UpstreamError>;

class GithubConnector final : public Connector {
 public:
  GithubConnector(const ConnectorContext& context, Settings settings)
      : context_(context), settings_(std::move(settings)) {}

  Result<std::variant<StartOutput, UpstreamError>> Start(const StartInput& input) const override {
    const Pkce pkce = MakePkce(context_.random);
    // login_hint is not forwarded: GitHub's `login` takes a user name, and hints are usually
    // email addresses.
    const QueryParams params = {{"response_type", "code"},
                                {"client_id", settings_.client_id},
                                {"redirect_uri", input.callback_url},
                                {"scope", settings_.scope},
                                {"state", input.relay},
                                {"code_challenge", pkce.challenge},
                                {"code_challenge_method", "S256"}};
    StartOutput out;
    out.redirect_url = AppendQuery(settings_.authorization_endpoint, params);
    out.upstream_state = json::serialize(json::object{{"v", pkce.verifier}});
    return StartResult(std::move(out));
  }

  Result<Outcome> Finish(const CallbackInput& input) const override {
    ASSIGN_OR_RETURN(auto read, ReadCallback(input));
    if (auto* failed = std::get_if<UpstreamError>(&read)) return Outcome(std::move(*failed));
    CallbackCode& callback = std::get<CallbackCode>(read);
    const json::object& state = callback.state;
    std::optional<std::string> verifier = StringMember(state, "v");
    if (!verifier) return InternalError("github: upstream_state is not what Start produced");

    // 1. The code exchange. GitHub answers JSON only when asked, and refusals come with 200.
    const std::string body = FormBody({{"grant_type", "authorization_code"},
                                       {"code", callback.code},
                                       {"redirect_uri", input.callback_url},
                                       {"code_verifier", *verifier},
                                       {"client_id", settings_.client_id},
                                       {"client_secret", settings_.client_secret}});
    Result<http::HttpResponse> r = context_.http.PostForm(settings_.token_endpoint, body, {{"Accept", "application/json"}});
    if (!r.ok()) return Outcome(Fail(upstream_error::kFailedToExchangeToken, "the token endpoint did not answer"));
    std::optional<json::object> tokens = r->status == 200 ? ParseJsonObject(r->body) : std::nullopt;
    std::optional<std::string> access_token = tokens ? StringMember(*tokens, "access_token") : std::nullopt;
    if (!access_token || access_token->empty() || tokens->contains("error")) {
      return Outcome(Fail(upstream_error::kFailedToExchangeToken, "the token endpoint refused the code"));
    }

    // 2. The user.
    std::optional<json::value> user = ApiGet("/user", *access_token);
    if (!user || !user->is_object()) {
      return Outcome(Fail(upstream_error::kUserInfoRetrieveFailed, "the GitHub user could not be read"));
    }
    const json::object& u = user->get_object();
    const json::value* id_value = u.if_contains("id");
    std::string subject;
    if (id_value != nullptr && id_value->is_int64() && id_value->get_int64() > 0) {
      subject = std::to_string(id_value->get_int64());
    } else if (id_value != nullptr && id_value->is_uint64()) {
      subject = std::to_string(id_value->get_uint64());
    } else {
      return Outcome(Fail(upstream_error::kMandatoryAttributeMissing, "the GitHub user has no numeric id"));
    }

    Identity id;
    id.subject = std::move(subject);
    id.name = StringMember(u, "name").value_or("");
    if (id.name.empty()) id.name = StringMember(u, "login").value_or("");

    // 3. The email: the primary address if GitHub verified it, else none (the public `email`
    //    of /user is not known to be verified).
    std::optional<json::value> emails = ApiGet("/user/emails", *access_token);
    if (!emails || !emails->is_array()) {
      return Outcome(Fail(upstream_error::kUserInfoRetrieveFailed, "the GitHub email addresses could not be read"));
    }
    for (const json::value& e : emails->get_array()) {
      if (!e.is_object()) continue;
      const json::value* primary = e.get_object().if_contains("primary");
      const json::value* verified = e.get_object().if_contains("verified");
      if (primary == nullptr || !primary->is_bool() || !primary->get_bool()) continue;
      if (verified != nullptr && verified->is_bool() && verified->get_bool()) {
        id.email = StringMember(e.get_object(), "email").value_or("");
        id.email_verified = !id.email.empty();
      }
      break;
    }
    id.raw_json = CappedRawJson(u, {"id", "login", "name", "email"});
    return Outcome(std::move(id));
  }

 private:
  // GET {api_url}{path} as the user; the parsed JSON of a 200 answer, else nullopt.
  std::optional<json::value> ApiGet(std::string_view path, const std::string& access_token) const {
    Result<http::HttpResponse> r =
        context_.http.Get(settings_.api_url + std::string(path), {{"Authorization", "Bearer " + access_token},
                                                                  {"Accept", "application/vnd.github+json"},
                                                                  {"X-GitHub-Api-Version", "2022-11-28"}});
    if (!r.ok() || r->status != 200) return std::nullopt;
    return ParseJson(r->body);
  }

  ConnectorContext context_;
  Settings settings_;
};

}  // namespace

std::unique_ptr<Connector> MakeGithubFlow(const ConnectorContext& context, Settings settings) {
  return std::make_unique<GithubConnector>(context, std::move(settings));
}

}  // namespace gatehouse::connectors::sso::oidc_internal
