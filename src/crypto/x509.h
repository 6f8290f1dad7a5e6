// Self-signed X.509 certificates: the SAML service provider's signing key and the certificate
// that carries its public half in the SP metadata (connectors/sso/saml.h). Nothing here is a
// CA: the certificate is only a container for the key, which IdPs pin from the metadata.
#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace gatehouse::crypto {

struct SelfSignedKeyPair {
  std::string private_key_pem;  // PKCS#8, unencrypted ("-----BEGIN PRIVATE KEY-----")
  std::string certificate_pem;  // "-----BEGIN CERTIFICATE-----"
};

// A fresh RSA-2048 key and a certificate for it signed with itself (SHA-256): subject and
// issuer CN=`common_name`, a random positive serial (16 bytes, 126 bits random), valid from `now` for `valid_days`.
// kInvalidArgument for an empty or over-long (> 64 bytes, X.520 ub-common-name) name or
// valid_days outside 1..36500; kInternal when OpenSSL fails. Thread-safe.
Result<SelfSignedKeyPair> GenerateSelfSignedRsa(std::string_view common_name, int valid_days, UnixSeconds now);

}  // namespace gatehouse::crypto
