// Prints an authorization URL and a PKCE pair's check, using only the installed headers.
#include <iostream>

#include <gatehouse/sdk.h>

int main() {
  gatehouse::sdk::Client client("https://auth.example.test", "skc_123", "not-used");
  gatehouse::sdk::AuthorizationUrlOptions options;
  options.state = "s t";
  options.organization_id = "org_1";
  std::cout << client.authorization_url("https://app.example.test/callback", options) << "\n";
  auto pkce = gatehouse::sdk::generate_pkce();
  if (!pkce.ok()) return 1;
  std::cout << (gatehouse::sdk::pkce_challenge(pkce->code_verifier) == pkce->code_challenge ? "pkce ok" : "pkce bad")
            << "\n";
  return 0;
}
