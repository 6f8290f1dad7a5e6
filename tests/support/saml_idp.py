#!/usr/bin/env python3
"""A real SAML 2.0 identity provider for tests, on pysaml2 (which signs with the xmlsec1 binary).

Protocol (tests/support/process.h): listens on 127.0.0.1 on a port it picks, prints {"port": N}
as its first stdout line, exits 0 on SIGTERM.

  saml_idp.py --sp-metadata PATH [--user NAME] [--email E] [--given G] [--family F] [--groups a,b]

The SP metadata is read from PATH when a request needs it (the test writes it once the connector
exists). The IdP makes its own RSA key and certificate at start.

  GET /metadata                  the IdP's metadata (entity id = this URL)
  GET /sso/redirect?SAMLRequest=..&RelayState=..&SigAlg=..&Signature=..[&x_...]
        parses the AuthnRequest with pysaml2, checks its signature (RSA-SHA256 over the query as
        sent, with the certificate of the SP metadata; 403 when bad or missing), "authenticates"
        the configured user and answers the auto-post form (SAMLResponse, RelayState) to the ACS.
  GET /idp-initiated?sp=ENTITYID&relay=..[&x_...]   the same form without a request.

Knobs (query parameters, for making bad responses; signing happens after them):
  x_sign=response|assertion|both|none   what to sign (default both)
  x_audience=..   x_destination=..   x_recipient=..   x_in_response_to=..   x_issuer=..
  x_not_on_or_after=SECONDS (relative to now; negative: in the past)   x_not_before=SECONDS
  x_status=Requester|Responder|AuthnFailed ...   a non-success status (no assertion)
  x_nameid=..   x_nameid_format=..
  x_sha1=1        sign with RSA-SHA1 and SHA-1 digests (what legacy IdPs still send)

  POST /_control  a JSON object of knobs (names as above, values as strings) applied to every
                  later request that does not set them itself; {} clears them. For tests whose
                  requests the SP builds (the browser follows Gatehouse's redirect).
"""
import argparse
import base64
import datetime
import html
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, saml, samlp
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server
from saml2.sigver import pre_signature_part, signed_instance_factory
from saml2.xmldsig import DIGEST_SHA1, DIGEST_SHA256, SIG_RSA_SHA1, SIG_RSA_SHA256

SIG_ALG_RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
STATUS = "urn:oasis:names:tc:SAML:2.0:status:"


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Idp:
    def __init__(self, args, base):
        self.args = args
        self.base = base
        self.dir = tempfile.mkdtemp(prefix="saml-idp-")
        self.key = os.path.join(self.dir, "key.pem")
        self.cert = os.path.join(self.dir, "cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=test-idp",
                        "-days", "2", "-keyout", self.key, "-out", self.cert], check=True, capture_output=True)
        self.lock = threading.Lock()
        self.knobs = {}  # POST /_control
        self.server = None
        self.sp_metadata_seen = None

    def config(self, sp_metadata):
        conf = {
            "entityid": self.base + "/metadata",
            "service": {"idp": {
                "endpoints": {"single_sign_on_service": [(self.base + "/sso/redirect", BINDING_HTTP_REDIRECT)]},
                "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                # Checked here (Handler.sso) over the raw query, which pysaml2 does not do.
                "want_authn_requests_signed": False,
                "policy": {"default": {"lifetime": {"minutes": 5}, "attribute_restrictions": None}},
            }},
            "key_file": self.key, "cert_file": self.cert,
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "delete_tmpfiles": True,
        }
        if sp_metadata:
            conf["metadata"] = {"inline": [sp_metadata]}
        c = IdPConfig()
        c.load(conf)
        return c

    def idp(self):
        """The pysaml2 Server, rebuilt when the SP metadata file changes."""
        sp_md = None
        if os.path.exists(self.args.sp_metadata):
            with open(self.args.sp_metadata) as f:
                sp_md = f.read()
        with self.lock:
            if self.server is None or sp_md != self.sp_metadata_seen:
                self.server = Server(config=self.config(sp_md))
                self.sp_metadata_seen = sp_md
            return self.server

    def metadata(self):
        return create_metadata_string(None, config=self.config(None), valid=2, sign=False)

    def sp_cert(self, idp, sp_entity_id):
        certs = idp.metadata.certs(sp_entity_id, "spsso", "signing")
        return [c[1] if isinstance(c, tuple) else c for c in certs]

    def response(self, idp, q, sp_entity_id, acs, in_response_to):
        now = datetime.datetime.utcnow()
        a = self.args
        name_id = NameID(format=q.get("x_nameid_format", NAMEID_FORMAT_EMAILADDRESS), text=q.get("x_nameid", a.email))
        if "x_status" in q:
            code = q["x_status"]
            top = code if code in ("Requester", "Responder") else "Responder"
            inner = None if code == top else samlp.StatusCode(value=STATUS + code)
            status = samlp.Status(status_code=samlp.StatusCode(value=STATUS + top, status_code=inner),
                                  status_message=samlp.StatusMessage(text="denied by test"))
            resp = idp.create_error_response(in_response_to, acs, (STATUS + top, "denied by test"), sign=False)
            if isinstance(resp, str):
                resp = samlp.response_from_string(resp)
            resp.status = status
            return self.sign(resp, None, q.get("x_sign", "response"))
        identity = {"email": [a.email], "givenName": [a.given], "sn": [a.family],
                    "displayName": [a.given + " " + a.family], "groups": a.groups.split(",") if a.groups else []}
        resp = idp.create_authn_response(identity, in_response_to, acs, sp_entity_id, name_id=name_id,
                                         authn={"class_ref": saml.AUTHN_PASSWORD_PROTECTED, "authn_auth": self.base},
                                         sign_response=False, sign_assertion=False)
        if isinstance(resp, str):
            resp = samlp.response_from_string(resp)
        assertion = resp.assertion[0] if isinstance(resp.assertion, list) else resp.assertion
        cond = assertion.conditions
        scd = assertion.subject.subject_confirmation[0].subject_confirmation_data
        if "x_not_on_or_after" in q:
            t = iso(now + datetime.timedelta(seconds=int(q["x_not_on_or_after"])))
            cond.not_on_or_after = t
            scd.not_on_or_after = t
        if "x_not_before" in q:
            cond.not_before = iso(now + datetime.timedelta(seconds=int(q["x_not_before"])))
        if "x_audience" in q:
            cond.audience_restriction[0].audience[0].text = q["x_audience"]
        if "x_destination" in q:
            resp.destination = q["x_destination"]
        if "x_recipient" in q:
            scd.recipient = q["x_recipient"]
        if "x_in_response_to" in q:
            resp.in_response_to = q["x_in_response_to"]
            scd.in_response_to = q["x_in_response_to"]
        if "x_issuer" in q:
            resp.issuer.text = q["x_issuer"]
            assertion.issuer.text = q["x_issuer"]
        return self.sign(resp, assertion, q.get("x_sign", "both"), sha1="x_sha1" in q)

    def sign(self, resp, assertion, what, sha1=False):
        idp = self.idp()
        to_sign = []
        algs = dict(digest_alg=DIGEST_SHA1, sign_alg=SIG_RSA_SHA1) if sha1 else \
            dict(digest_alg=DIGEST_SHA256, sign_alg=SIG_RSA_SHA256)
        if assertion is not None and what in ("assertion", "both"):
            assertion.signature = pre_signature_part(assertion.id, idp.sec.my_cert, 1, **algs)
            to_sign.append((class_name(assertion), assertion.id))
        if what in ("response", "both"):
            resp.signature = pre_signature_part(resp.id, idp.sec.my_cert, 1, **algs)
            to_sign.append((class_name(resp), resp.id))
        xml = signed_instance_factory(resp, idp.sec, to_sign) if to_sign else resp
        return xml if isinstance(xml, str) else xml.to_string().decode()


def class_name(instance):
    # What pysaml2's signer calls a node: "urn:oasis:names:tc:SAML:2.0:assertion:Assertion".
    return f"{instance.c_namespace}:{instance.c_tag}"


def form(acs, response_xml, relay):
    b64 = base64.b64encode(response_xml.encode()).decode()
    relay_input = f'<input type="hidden" name="RelayState" value="{html.escape(relay)}"/>' if relay else ""
    return (f'<!DOCTYPE html><html><body onload="document.forms[0].submit()">'
            f'<form method="post" action="{html.escape(acs)}">'
            f'<input type="hidden" name="SAMLResponse" value="{b64}"/>{relay_input}'
            f'<noscript><input type="submit" value="Continue"/></noscript></form></body></html>')


def raw_param(raw_query, name):
    for part in raw_query.split("&"):
        if part.startswith(name + "="):
            return part
    return None


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, body, ctype="text/html; charset=utf-8"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        st = self.server.state
        path, _, raw = self.path.partition("?")
        q = dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))
        with st.lock:
            q = {**st.knobs, **q}
        try:
            if path == "/metadata":
                return self.reply(200, st.metadata(), "application/samlmetadata+xml")
            idp = st.idp()
            if path == "/sso/redirect":
                return self.sso(st, idp, q, raw)
            if path == "/idp-initiated":
                sp = q["sp"]
                acs = idp.metadata.assertion_consumer_service(sp, binding=BINDING_HTTP_POST)[0]["location"]
                return self.reply(200, form(acs, st.response(idp, q, sp, acs, None), q.get("relay", "")))
            self.reply(404, "not found", "text/plain")
        except Exception as e:  # a test helper: report, don't die
            self.reply(500, f"{type(e).__name__}: {e}", "text/plain")

    def do_POST(self):
        st = self.server.state
        body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
        if self.path != "/_control":
            return self.reply(404, "not found", "text/plain")
        knobs = json.loads(body or b"{}")
        if not isinstance(knobs, dict) or not all(k.startswith("x_") for k in knobs):
            return self.reply(400, "knobs are an object of x_ names", "text/plain")
        with st.lock:
            st.knobs = {k: str(v) for k, v in knobs.items()}
        self.reply(200, "{}", "application/json")

    def sso(self, st, idp, q, raw):
        # The signature covers the query as sent: SAMLRequest=..&RelayState=..&SigAlg=.. (SAML bindings §3.4.4.1).
        parts = [raw_param(raw, n) for n in ("SAMLRequest", "RelayState", "SigAlg")]
        if q.get("SigAlg") != SIG_ALG_RSA_SHA256 or "Signature" not in q or parts[0] is None:
            return self.reply(403, "unsigned AuthnRequest or unexpected SigAlg", "text/plain")
        signed = "&".join(p for p in parts if p is not None).encode()
        req = idp.parse_authn_request(q["SAMLRequest"], BINDING_HTTP_REDIRECT)
        msg = req.message
        sp = msg.issuer.text
        ok = False
        for pem in st.sp_cert(idp, sp):
            der = base64.b64decode("".join(pem.split()))
            key = x509.load_der_x509_certificate(der).public_key()
            try:
                key.verify(base64.b64decode(q["Signature"]), signed, padding.PKCS1v15(), hashes.SHA256())
                ok = True
            except Exception:
                pass
        if not ok:
            return self.reply(403, "bad AuthnRequest signature", "text/plain")
        acs = msg.assertion_consumer_service_url or \
            idp.metadata.assertion_consumer_service(sp, binding=BINDING_HTTP_POST)[0]["location"]
        known = [s["location"] for s in idp.metadata.assertion_consumer_service(sp, binding=BINDING_HTTP_POST)]
        if acs not in known:
            return self.reply(400, "ACS not in the SP metadata", "text/plain")
        self.reply(200, form(acs, st.response(idp, q, sp, acs, msg.id), q.get("RelayState", "")))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sp-metadata", required=True)
    p.add_argument("--email", default="ada@example.com")
    p.add_argument("--given", default="Ada")
    p.add_argument("--family", default="Lovelace")
    p.add_argument("--groups", default="engineering,admins")
    args = p.parse_args()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = httpd.server_address[1]
    httpd.state = Idp(args, f"http://127.0.0.1:{port}")
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=httpd.shutdown).start())
    print(json.dumps({"port": port}), flush=True)
    httpd.serve_forever()
    httpd.server_close()
    sys.exit(0)


if __name__ == "__main__":
    main()
