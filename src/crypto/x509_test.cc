// The self-signed SP certificate, checked with OpenSSL's own parsers rather than our code.
#include "crypto/x509.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>
#include <string>

namespace gatehouse::crypto {
namespace {

constexpr UnixSeconds kNow = 1'800'000'000;

struct Parsed {
  std::unique_ptr<X509, decltype(&X509_free)> cert{nullptr, X509_free};
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{nullptr, EVP_PKEY_free};
};

Parsed Parse(const SelfSignedKeyPair& pair) {
  Parsed p;
  std::unique_ptr<BIO, decltype(&BIO_free)> cb(BIO_new_mem_buf(pair.certificate_pem.data(),
                                                               static_cast<int>(pair.certificate_pem.size())),
                                               BIO_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> kb(BIO_new_mem_buf(pair.private_key_pem.data(),
                                                               static_cast<int>(pair.private_key_pem.size())),
                                               BIO_free);
  p.cert.reset(PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr));
  p.key.reset(PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr));
  return p;
}

UnixSeconds ToUnix(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return -1;
  return static_cast<UnixSeconds>(timegm(&tm));
}

TEST(X509Test, SelfSignedRsaParsesAndMatchesItsKey) {
  auto pair = GenerateSelfSignedRsa("gatehouse saml sp", 365, kNow);
  ASSERT_TRUE(pair.ok()) << pair.status().ToString();
  EXPECT_EQ(pair->private_key_pem.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u) << "PKCS#8 PEM";
  EXPECT_EQ(pair->certificate_pem.rfind("-----BEGIN CERTIFICATE-----", 0), 0u);

  Parsed p = Parse(*pair);
  ASSERT_NE(p.cert, nullptr);
  ASSERT_NE(p.key, nullptr);
  EXPECT_EQ(X509_check_private_key(p.cert.get(), p.key.get()), 1);
  EXPECT_EQ(EVP_PKEY_get_base_id(p.key.get()), EVP_PKEY_RSA);
  EXPECT_EQ(EVP_PKEY_get_bits(p.key.get()), 2048);
  EXPECT_EQ(X509_get_signature_nid(p.cert.get()), NID_sha256WithRSAEncryption);
  // Self-signed: its own public key verifies it, issuer == subject.
  EXPECT_EQ(X509_verify(p.cert.get(), X509_get0_pubkey(p.cert.get())), 1);
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(p.cert.get()), X509_get_issuer_name(p.cert.get())), 0);

  char cn[128] = {};
  ASSERT_GT(X509_NAME_get_text_by_NID(X509_get_subject_name(p.cert.get()), NID_commonName, cn, sizeof cn), 0);
  EXPECT_STREQ(cn, "gatehouse saml sp");

  EXPECT_EQ(ToUnix(X509_get0_notBefore(p.cert.get())), kNow);
  EXPECT_EQ(ToUnix(X509_get0_notAfter(p.cert.get())), kNow + 365 * 86400);

  const ASN1_INTEGER* serial = X509_get0_serialNumber(p.cert.get());
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(ASN1_INTEGER_to_BN(serial, nullptr), BN_free);
  ASSERT_NE(bn, nullptr);
  EXPECT_FALSE(BN_is_negative(bn.get()));
  EXPECT_GE(BN_num_bits(bn.get()), 120);
}

TEST(X509Test, SerialsAndKeysDiffer) {
  auto a = GenerateSelfSignedRsa("sp", 1, kNow);
  auto b = GenerateSelfSignedRsa("sp", 1, kNow);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->private_key_pem, b->private_key_pem);
  Parsed pa = Parse(*a);
  Parsed pb = Parse(*b);
  ASSERT_TRUE(pa.cert && pb.cert);
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(pa.cert.get()), X509_get0_serialNumber(pb.cert.get())), 0);
}

TEST(X509Test, RefusesBadArguments) {
  EXPECT_EQ(GenerateSelfSignedRsa("", 10, kNow).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(GenerateSelfSignedRsa(std::string(65, 'a'), 10, kNow).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(GenerateSelfSignedRsa("sp", 0, kNow).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace gatehouse::crypto
