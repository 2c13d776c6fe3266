"""HTTPS: the gateway's HTTP listener with --tls-cert/--tls-key."""

import subprocess

import httpx
import pytest

from harness import GATEWAY, demo_project, gateway_env
from http_harness import HttpGateway


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def test_https_serves_mcp_and_plain_http_is_refused(certificate):
    cert, key = certificate
    server = HttpGateway(gateway_env(demo_project()),
                         ["--tls-cert", str(cert), "--tls-key", str(key)],
                         scheme="https", verify=str(cert))
    try:
        session = server.initialize({})
        assert session.startswith("v1.")  # A signed session token.
        with pytest.raises(httpx.HTTPError):
            httpx.get(server.url.replace("https", "http") + "/health", timeout=5)
    finally:
        assert server.close() == 0


def test_a_bad_certificate_is_a_clear_start_up_error(tmp_path):
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate")
    done = subprocess.run([str(GATEWAY), "--transport", "http", "--listen", "127.0.0.1:0",
                           "--tls-cert", str(bad), "--tls-key", str(bad)],
                          env=gateway_env(demo_project()), capture_output=True, timeout=60)
    assert done.returncode != 0
    assert b"cannot use the TLS certificate" in done.stderr
