"""TLS verification and basic auth against a real security-enabled Elasticsearch."""
import hashlib
import os
import ssl
import subprocess

import pytest

from fimon_harness import Agent, Elasticsearch, by_path


@pytest.fixture(scope="module")
def secure_es():
    url = os.environ.get("FIMON_ES_SECURE_URL", "https://127.0.0.1:9201")
    ca = os.environ.get("FIMON_ES_CA_FILE", "/tmp/fimon-es-9201/certs/ca.crt")
    password = os.environ.get("FIMON_ES_PASSWORD", "fimon-dev-password")
    if not os.path.exists(ca):
        pytest.fail(f"no CA at {ca}: start the secure node with scripts/dev-elasticsearch start --secure")
    es = Elasticsearch(url, ca_file=ca, user="elastic", password=password)
    es.require_up()
    return es, ca, password


@pytest.fixture
def password_file(tmp_path, secure_es):
    pw = tmp_path / "es-password"
    pw.write_text(secure_es[2] + "\n")
    os.chmod(pw, 0o600)
    return str(pw)


def test_tls_with_ca_and_basic_auth_end_to_end(fimon_bin, secure_es, password_file, tree):
    es, ca, _ = secure_es
    auth = ["--es-ca-file", ca, "--es-username", "elastic", "--es-password-file", password_file]
    res = Agent.run_cli(fimon_bin, ["setup", "--es-url", es.url, *auth])
    assert res.returncode == 0, res.stderr
    watched, state = tree
    agent = Agent(fimon_bin, es, "logs-fimon.file-secure", watched, state, extra=auth)
    try:
        (watched / "s").write_bytes(b"secure")
        agent.docs(lambda d: by_path(d, watched / "s"))
        assert "fimon-dev-password" not in agent.log_text()
    finally:
        agent.stop()


def test_tls_verification_is_on_by_default(fimon_bin, secure_es, password_file):
    es, _, _ = secure_es
    res = Agent.run_cli(fimon_bin, ["setup", "--es-url", es.url, "--es-username", "elastic",
                                    "--es-password-file", password_file])
    assert res.returncode == 1
    assert "certificate" in res.stderr.lower(), res.stderr


def test_wrong_password_is_reported_without_the_password(fimon_bin, secure_es, tmp_path):
    es, ca, _ = secure_es
    pw = tmp_path / "wrong"
    pw.write_text("not-the-password")
    res = Agent.run_cli(fimon_bin, ["setup", "--es-url", es.url, "--es-ca-file", ca, "--es-username", "elastic",
                                    "--es-password-file", str(pw)])
    assert res.returncode == 1
    assert "401" in res.stderr and "credentials" in res.stderr
    assert "not-the-password" not in res.stderr


def test_setup_refused_by_elasticsearch_exits_nonzero_with_the_reason(fimon_bin, secure_es, password_file):
    """A user without the privilege to install templates (role viewer) gets a clear refusal."""
    es, ca, _ = secure_es
    res = Agent.run_cli(fimon_bin, ["setup", "--es-url", es.url, "--es-ca-file", ca, "--es-username", "fimon-viewer",
                                    "--es-password-file", password_file])
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "403" in lines[0] and "security_exception" in lines[0], res.stderr


def server_certificate_sha256(url):
    host, port = url.split("//", 1)[1].rstrip("/").split(":")
    der = ssl.PEM_cert_to_DER_cert(ssl.get_server_certificate((host, int(port))))
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))  # as openssl prints it


def test_a_pinned_certificate_is_trusted_without_a_ca_file(fimon_bin, secure_es, password_file):
    es, _, _ = secure_es
    res = Agent.run_cli(fimon_bin, ["setup", "--es-url", es.url, "--es-ca-fingerprint",
                                    server_certificate_sha256(es.url), "--es-username", "elastic",
                                    "--es-password-file", password_file])
    assert res.returncode == 0, res.stderr


def test_a_wrong_pin_is_refused_even_with_the_right_ca(fimon_bin, secure_es, password_file):
    es, ca, _ = secure_es
    res = Agent.run_cli(fimon_bin, ["setup", "--es-url", es.url, "--es-ca-file", ca, "--es-ca-fingerprint", "ab" * 32,
                                    "--es-username", "elastic", "--es-password-file", password_file])
    assert res.returncode == 1
    assert "certificate" in res.stderr.lower() or "ssl" in res.stderr.lower(), res.stderr


def test_a_malformed_pin_is_a_config_error(fimon_bin):
    res = Agent.run_cli(fimon_bin, ["check-config", "--watch", "/tmp", "--es-ca-fingerprint", "12:34"])
    assert res.returncode == 2
    assert "es-ca-fingerprint" in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr


def test_the_password_can_come_from_the_environment_and_is_never_shown(fimon_bin, secure_es):
    es, ca, password = secure_es
    env = dict(os.environ, FIMON_ES_PASSWORD=password)
    args = ["--es-url", es.url, "--es-ca-file", ca, "--es-username", "elastic"]
    res = subprocess.run([fimon_bin, "setup", *args], capture_output=True, text=True, env=env, timeout=60)
    assert res.returncode == 0, res.stderr
    shown = subprocess.run([fimon_bin, "check-config", "--watch", "/tmp", *args], capture_output=True, text=True,
                           env=env, timeout=60)
    assert shown.returncode == 0 and password not in shown.stdout + shown.stderr
    assert "<redacted>" in shown.stdout
