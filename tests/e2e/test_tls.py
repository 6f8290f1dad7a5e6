"""TLS and cleartext HTTP on the same port."""
import datetime
import http.client
import os
import ssl
import unittest

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from harness import GatehouseTestCase, Server, run_cli


def make_cert(directory):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    os.chmod(key_path, 0o600)
    return cert_path, key_path


class TlsTest(GatehouseTestCase):
    def test_tls_and_cleartext_share_the_port(self):
        self.init()
        cert, key = make_cert(self.tmp)
        with Server(self.data, "--tls-cert", cert, "--tls-key", key) as server:
            ctx = ssl.create_default_context(cafile=cert)
            ctx.set_alpn_protocols(["http/1.1"])
            conn = http.client.HTTPSConnection("localhost", server.port, context=ctx, timeout=10)
            conn.request("GET", "/keys")
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            self.assertIn(b'"keys"', resp.read())
            self.assertIn(conn.sock.version(), ("TLSv1.2", "TLSv1.3"))
            self.assertEqual(conn.sock.selected_alpn_protocol(), "http/1.1")
            conn.request("GET", "/healthz")  # keep-alive over TLS
            self.assertEqual(conn.getresponse().status, 200)
            conn.close()
            self.assertEqual(server.get("/healthz")[0], 200)  # cleartext on the same port

    def test_tls12_client_gets_a_forward_secret_aead_suite(self):
        self.init()
        cert, key = make_cert(self.tmp)
        with Server(self.data, "--tls-cert", cert, "--tls-key", key) as server:
            ctx = ssl.create_default_context(cafile=cert)
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            conn = http.client.HTTPSConnection("localhost", server.port, context=ctx, timeout=10)
            conn.request("GET", "/healthz")
            self.assertEqual(conn.getresponse().status, 200)
            name, version, _ = conn.sock.cipher()
            self.assertEqual(version, "TLSv1.2")
            self.assertTrue(name.startswith("ECDHE-") and ("GCM" in name or "CHACHA20" in name), name)
            conn.close()

    def test_unusable_tls_files_are_a_clear_error(self):
        self.init()
        cert, key = make_cert(self.tmp)
        code, _, err = run_cli("serve", "--data", self.data, "--listen", "127.0.0.1:0", "--tls-cert", cert,
                               check=False)
        self.assertEqual(code, 1)
        self.assertIn("both --tls-cert and --tls-key", err)
        code, _, err = run_cli("serve", "--data", self.data, "--listen", "127.0.0.1:0", "--tls-cert", cert,
                               "--tls-key", os.path.join(self.tmp, "missing.pem"), check=False)
        self.assertEqual(code, 1)
        self.assertEqual(len(err.strip().splitlines()), 1)
        self.assertIn("cannot load TLS", err)


if __name__ == "__main__":
    unittest.main()
