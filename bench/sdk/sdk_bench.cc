// Benchmarks of the SDK's hot calls, through its public API only:
//   BM_AuthorizationUrl     a typical sign-in URL (state, nonce, PKCE, organization, 4 scopes)
//   BM_ValidateAccessToken  a Gatehouse access token, JWKS already cached (one RSA or ECDSA verify
//                           plus parsing and claim checks per call)
//   BM_VerifyBound          the bound measured in this process: what `openssl speed rsa2048`
//                           (and ecdsap256) time per verify, EVP_PKEY_verify over 36 bytes with a
//                           ready context; with --benchmark_enable_random_interleaving its runs
//                           alternate with the validation runs, so drift hits both alike
// The validation benchmarks need a running Gatehouse: GATEHOUSE_URL, GATEHOUSE_CLIENT_ID,
// GATEHOUSE_CLIENT_SECRET (RS256) and optionally GATEHOUSE_ES256_URL/_CLIENT_ID/_CLIENT_SECRET
// (bench/sdk.sh starts them). A token is fetched once with client_credentials before timing.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <array>
#include <cstdlib>
#include <memory>
#include <string>

#include <gatehouse/sdk.h>

namespace {

namespace sdk = gatehouse::sdk;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

void BM_AuthorizationUrl(benchmark::State& state) {
  const sdk::Client client("https://auth.example.test", "skc_74018320935035154", "unused");
  sdk::AuthorizationUrlOptions options;
  options.scopes = {"openid", "profile", "email", "offline_access"};
  options.state = "Wk3b0qFz8nC1hY7tLmR2sV9xA4dE6gJ0uP5oI8kN3wQ";
  options.nonce = "pQ7rS2tU9vW4xY1zA6bC3dE8fG5hI0jK7lM2nO9pQ4r";
  options.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  options.code_challenge_method = "S256";
  options.organization_id = "org_59615193906282635";
  for (auto _ : state) {
    std::string url = client.authorization_url("https://app.example.test/auth/callback", options);
    benchmark::DoNotOptimize(url.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AuthorizationUrl);

void ValidateAccessToken(benchmark::State& state, const char* prefix) {
  const std::string p(prefix);
  const std::string url = Env((p + "_URL").c_str());
  if (url.empty()) {
    state.SkipWithError((p + "_URL not set").c_str());
    return;
  }
  const sdk::Client client(url, Env((p + "_CLIENT_ID").c_str()), Env((p + "_CLIENT_SECRET").c_str()));
  auto token = client.get_client_access_token();
  if (!token.ok()) {
    state.SkipWithError(("client_credentials: " + token.error().message).c_str());
    return;
  }
  auto first = client.validate_access_token(*token);  // fetches the JWKS
  if (!first.ok()) {
    state.SkipWithError(("validate: " + first.error().message).c_str());
    return;
  }
  for (auto _ : state) {
    auto claims = client.validate_access_token(*token);
    if (!claims.ok()) {
      state.SkipWithError(claims.error().message.c_str());
      break;
    }
    benchmark::DoNotOptimize(claims);
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_ValidateAccessToken_RS256(benchmark::State& state) { ValidateAccessToken(state, "GATEHOUSE"); }
void BM_ValidateAccessToken_ES256(benchmark::State& state) { ValidateAccessToken(state, "GATEHOUSE_ES256"); }
BENCHMARK(BM_ValidateAccessToken_RS256);
BENCHMARK(BM_ValidateAccessToken_ES256);

// openssl speed's verify loop (apps/speed.c): EVP_PKEY_verify of a 36-byte message with a
// context prepared once, against a signature made once with a fresh key.
void VerifyBound(benchmark::State& state, const char* algorithm, const char* param) {
  using Ctx = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;
  EVP_PKEY* raw = param == nullptr ? EVP_PKEY_Q_keygen(nullptr, nullptr, algorithm, static_cast<size_t>(2048))
                                   : EVP_PKEY_Q_keygen(nullptr, nullptr, algorithm, param);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(raw, EVP_PKEY_free);
  std::array<unsigned char, 36> message{};
  std::array<unsigned char, 512> signature{};
  size_t signature_size = signature.size();
  Ctx sign(key ? EVP_PKEY_CTX_new(key.get(), nullptr) : nullptr, EVP_PKEY_CTX_free);
  Ctx verify(key ? EVP_PKEY_CTX_new(key.get(), nullptr) : nullptr, EVP_PKEY_CTX_free);
  if (!sign || !verify || EVP_PKEY_sign_init(sign.get()) <= 0 ||
      EVP_PKEY_sign(sign.get(), signature.data(), &signature_size, message.data(), message.size()) <= 0 ||
      EVP_PKEY_verify_init(verify.get()) <= 0) {
    state.SkipWithError("OpenSSL could not prepare the key");
    return;
  }
  for (auto _ : state) {
    int ok = EVP_PKEY_verify(verify.get(), signature.data(), signature_size, message.data(), message.size());
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_VerifyBound_RSA2048(benchmark::State& state) { VerifyBound(state, "RSA", nullptr); }
void BM_VerifyBound_P256(benchmark::State& state) { VerifyBound(state, "EC", "P-256"); }
BENCHMARK(BM_VerifyBound_RSA2048);
BENCHMARK(BM_VerifyBound_P256);

}  // namespace

BENCHMARK_MAIN();
