"""RFC 3161 time-stamps: tokens from the local TSA verify; tokens for other data, from
another TSA, damaged, or from a TSA whose certificate had expired are refused with a message
naming why; a TSA that is down or silent fails within the timeout; replies that do not answer
the request are refused; the local TSA answers many requests at once and refuses bad ones."""

import hashlib
import os
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from rfc3161_client import HashAlgorithm, TimestampRequestBuilder

from integrity import local_tsa as tsa_server
from integrity import timestamping
from integrity.timestamping import (
    TimestampError,
    request_token,
    token_summary,
    tsa_certificate_pem,
    verify_timestamp_token,
)

from .test_settings import run_python

DATA = b"example.org/aims\n42\nq0FmY2hlY2twb2ludA==\n"


@pytest.fixture(scope="module")
def other_tsa(tmp_path_factory):
    with tsa_server.start(tmp_path_factory.mktemp("other-tsa")) as tsa:
        yield tsa


@pytest.fixture(scope="module")
def expired_tsa(tmp_path_factory):
    directory = tmp_path_factory.mktemp("expired-tsa")
    now = datetime.now(UTC)
    tsa_server.create_authority(
        directory, valid_from=now - timedelta(days=30), valid_until=now - timedelta(days=1)
    )
    with tsa_server.start(directory) as tsa:
        yield tsa


def token_from(tsa, data=DATA):
    """A token from ``tsa``, as its own client (trusting its own chain) gets it."""
    from django.test import override_settings

    with override_settings(LEDGER_TSA_URL=tsa.url, LEDGER_TSA_CERT_FILE=str(tsa.cert_file)):
        return request_token(data)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- tokens that verify ------------------------------------------------------------------------


def test_every_test_runs_with_the_local_tsa_configured(local_tsa):
    assert timestamping.is_configured()
    assert local_tsa.url == settings.LEDGER_TSA_URL
    assert settings.LEDGER_TSA_URL.startswith("http://127.0.0.1:")
    assert tsa_certificate_pem() == Path(local_tsa.cert_file).read_bytes()


def test_a_token_from_the_local_tsa_verifies_and_gives_its_time():
    before = datetime.now(UTC).replace(microsecond=0)
    token = request_token(DATA)
    after = datetime.now(UTC)

    gen_time = verify_timestamp_token(token, DATA, tsa_certificate_pem())

    assert gen_time.tzinfo is not None and gen_time.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= gen_time <= after
    summary = token_summary(token)
    assert summary["gen_time"] == gen_time
    assert summary["policy"] == tsa_server.POLICY_OID
    assert "AIMS local TSA" in summary["tsa_name"]
    assert summary["hash_algorithm"] == "SHA-256"
    assert bytes.fromhex(summary["message_imprint"]) == hashlib.sha256(DATA).digest()


def test_serial_numbers_increase_and_nonces_differ():
    first, second = token_summary(request_token(DATA)), token_summary(request_token(DATA))
    assert second["serial"] > first["serial"]
    assert first["nonce"] != second["nonce"]


def test_a_token_verifies_with_openssl_too(tmp_path, local_tsa):
    """The token is a standard TimeStampToken: openssl's own verifier accepts it."""
    (tmp_path / "token.tst").write_bytes(request_token(DATA))
    (tmp_path / "data").write_bytes(DATA)
    command = [shutil.which("openssl") or "/usr/bin/openssl", "ts", "-verify", "-token_in"]
    command += ["-in", str(tmp_path / "token.tst"), "-data", str(tmp_path / "data")]
    command += ["-CAfile", str(Path(local_tsa.cert_file).parent / "ca-cert.pem")]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Verification: OK" in result.stdout


def test_the_verifier_runs_without_django(tmp_path, local_tsa):
    """tsa_verify.py is shipped in evidence bundles: alone, it imports no Django."""
    shutil.copy(Path(timestamping.__file__).with_name("tsa_verify.py"), tmp_path)
    (tmp_path / "token").write_bytes(request_token(DATA))
    (tmp_path / "data").write_bytes(DATA)
    code = (
        "import sys, tsa_verify; "
        "t = tsa_verify.verify_timestamp_token(open('token','rb').read(), "
        f"open('data','rb').read(), open({str(local_tsa.cert_file)!r},'rb').read()); "
        "assert 'django' not in sys.modules, 'django imported'; print(t.isoformat())"
    )
    result = subprocess.run(
        [sys.executable, "-E", "-s", "-c", code], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("+00:00")


# --- tokens that are refused -------------------------------------------------------------------


def test_a_token_for_other_data_is_refused():
    token = request_token(DATA)
    with pytest.raises(TimestampError, match="is for other data"):
        verify_timestamp_token(token, DATA + b"x", tsa_certificate_pem())


def test_a_token_from_another_tsa_is_refused(other_tsa):
    token = token_from(other_tsa)
    assert verify_timestamp_token(token, DATA, other_tsa.cert_file.read_bytes())

    with pytest.raises(TimestampError, match="signed by another TSA"):
        verify_timestamp_token(token, DATA, tsa_certificate_pem())


def test_a_token_from_another_tsa_fails_the_chain_to_our_root(other_tsa, local_tsa):
    """Trusting only our root CA (no TSA certificate to pin), the signature chain fails."""
    token = token_from(other_tsa)
    our_root = (Path(local_tsa.cert_file).parent / "ca-cert.pem").read_bytes()
    with pytest.raises(TimestampError, match="does not verify against the trusted TSA"):
        verify_timestamp_token(token, DATA, our_root)


def test_a_tsa_answering_with_another_certificate_is_refused_by_the_client(other_tsa):
    """The client trusts our TSA's chain; another TSA at the configured URL is refused."""
    from django.test import override_settings

    with (
        override_settings(LEDGER_TSA_URL=other_tsa.url),
        pytest.raises(TimestampError, match="another TSA"),
    ):
        request_token(DATA)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda token: token[:-40], "truncated or malformed"),
        (lambda token: token[:100], "truncated or malformed"),
        (lambda token: token + b"\x00", "nothing after it"),
        (lambda token: b"not a time-stamp token", "not an RFC 3161 token"),
        (lambda token: b"", "empty"),
        (lambda token: b"\x30\x03\x02\x01\x00", "does not parse"),
    ],
    ids=["truncated", "cut short", "trailing byte", "garbage", "empty", "other DER"],
)
def test_a_damaged_token_is_refused(damage, message):
    token = request_token(DATA)
    with pytest.raises(TimestampError, match=message):
        verify_timestamp_token(damage(token), DATA, tsa_certificate_pem())


def test_a_token_whose_time_was_changed_is_refused():
    token = request_token(DATA)
    gen_time = token_summary(token)["gen_time"]
    stamp = gen_time.strftime("%Y%m%d%H%M%S").encode() + b"Z"
    assert token.count(stamp) == 1
    a_minute_earlier = (gen_time - timedelta(minutes=1)).strftime("%Y%m%d%H%M%S").encode() + b"Z"
    forged = token.replace(stamp, a_minute_earlier)
    assert token_summary(forged)["gen_time"] == gen_time - timedelta(minutes=1)  # it parses

    with pytest.raises(TimestampError, match="signature does not verify"):
        verify_timestamp_token(forged, DATA, tsa_certificate_pem())


def test_a_flipped_bit_anywhere_in_the_signed_content_is_refused():
    token = request_token(DATA)
    summary = token_summary(token)
    imprint = bytes.fromhex(summary["message_imprint"])
    start = token.index(imprint)
    for offset in range(start - 30, start + len(imprint)):  # imprint and what precedes it
        damaged = bytearray(token)
        damaged[offset] ^= 0x01
        with pytest.raises(TimestampError):
            verify_timestamp_token(bytes(damaged), DATA, tsa_certificate_pem())


def test_a_token_from_a_tsa_whose_certificate_had_expired_is_refused(expired_tsa):
    from django.test import override_settings

    with (
        override_settings(
            LEDGER_TSA_URL=expired_tsa.url, LEDGER_TSA_CERT_FILE=str(expired_tsa.cert_file)
        ),
        pytest.raises(TimestampError, match="was not valid at the token's time"),
    ):
        request_token(DATA)


@pytest.mark.parametrize(
    ("pem", "message"),
    [
        (b"", "is empty"),
        (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "not a PEM file"),
        (b"just text", "not a PEM file"),
    ],
)
def test_an_unusable_trusted_certificate_is_refused(pem, message):
    token = request_token(DATA)
    with pytest.raises(TimestampError, match=message):
        verify_timestamp_token(token, DATA, pem)


def test_a_trusted_file_without_its_root_ca_is_refused(local_tsa):
    token = request_token(DATA)
    leaf_only = (Path(local_tsa.cert_file).parent / "tsa-cert.pem").read_bytes()
    with pytest.raises(TimestampError, match="no root CA certificate"):
        verify_timestamp_token(token, DATA, leaf_only)


# --- the TSA is down, silent or answers wrongly ------------------------------------------------


def test_a_tsa_that_is_down_fails_at_once(settings):
    settings.LEDGER_TSA_URL = f"http://127.0.0.1:{free_port()}/"
    started = time.monotonic()
    with pytest.raises(TimestampError, match="Could not reach the TSA"):
        request_token(DATA)
    assert time.monotonic() - started < settings.LEDGER_TSA_TIMEOUT


def test_a_tsa_that_never_answers_fails_within_the_timeout(settings):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # accepts connections, never reads or answers
    settings.LEDGER_TSA_URL = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    settings.LEDGER_TSA_TIMEOUT = 0.5
    started = time.monotonic()
    try:
        with pytest.raises(TimestampError, match=r"did not answer within 0\.5 s"):
            request_token(DATA)
        assert time.monotonic() - started < 1.5
    finally:
        listener.close()


class CannedTSA:
    """An HTTP server answering every POST with the same status, type and body."""

    def __init__(self, status=200, content_type="application/timestamp-reply", body=b""):
        canned = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(canned.status)
                self.send_header("Content-Type", canned.content_type)
                self.send_header("Content-Length", str(len(canned.body)))
                self.end_headers()
                self.wfile.write(canned.body)

            def log_message(self, *args):
                pass

        self.status, self.content_type, self.body = status, content_type, body
        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def canned(settings):
    servers = []

    def make(**kwargs):
        server = CannedTSA(**kwargs)
        servers.append(server)
        settings.LEDGER_TSA_URL = server.url
        return server

    yield make
    for server in servers:
        server.close()


def test_a_replayed_reply_is_refused(canned, local_tsa):
    """An old reply (another nonce) sent again for a new request is not accepted."""
    query = TimestampRequestBuilder().data(DATA).hash_algorithm(HashAlgorithm.SHA256).build()
    old_reply = urllib.request.urlopen(
        urllib.request.Request(
            local_tsa.url,
            data=query.as_bytes(),
            headers={"Content-Type": "application/timestamp-query"},
        ),
        timeout=5,
    ).read()
    canned(body=old_reply)
    with pytest.raises(TimestampError, match="another nonce"):
        request_token(DATA)


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ({"status": 500, "body": b"boom"}, "answered HTTP 500"),
        ({"content_type": "text/html", "body": b"<html>"}, "answered text/html"),
        ({"body": b"\x30\x05\x30\x03\x02\x01\x02"}, "refused the request: rejection"),
        ({"body": b"\x30\x03\x02\x01\x00"}, "not an RFC 3161 reply"),
        ({"body": b""}, "empty body"),
    ],
    ids=["http error", "wrong type", "rejection", "garbage", "empty"],
)
def test_a_reply_that_is_not_a_token_is_refused(canned, reply, message):
    canned(**reply)
    with pytest.raises(TimestampError, match=message):
        request_token(DATA)


def test_nothing_is_requested_without_a_url_or_for_empty_data(settings):
    with pytest.raises(TimestampError, match="data is empty"):
        request_token(b"")
    settings.LEDGER_TSA_URL = ""
    assert not timestamping.is_configured()
    with pytest.raises(ImproperlyConfigured, match="LEDGER_TSA_URL is not set"):
        request_token(DATA)


def test_the_certificate_comes_from_text_or_a_readable_file(settings, local_tsa, tmp_path):
    chain = Path(local_tsa.cert_file).read_bytes()
    settings.LEDGER_TSA_CERT_FILE = ""
    settings.LEDGER_TSA_CERT = chain.decode()
    assert tsa_certificate_pem() == chain
    assert verify_timestamp_token(request_token(DATA), DATA, tsa_certificate_pem())

    settings.LEDGER_TSA_CERT = ""
    settings.LEDGER_TSA_CERT_FILE = str(tmp_path / "missing.pem")
    with pytest.raises(ImproperlyConfigured, match="Cannot read LEDGER_TSA_CERT_FILE"):
        tsa_certificate_pem()
    (tmp_path / "empty.pem").write_text("")
    settings.LEDGER_TSA_CERT_FILE = str(tmp_path / "empty.pem")
    with pytest.raises(ImproperlyConfigured, match="holds no PEM certificate"):
        tsa_certificate_pem()
    settings.LEDGER_TSA_CERT_FILE = ""
    assert tsa_certificate_pem() is None


# --- the local TSA server ----------------------------------------------------------------------


def test_the_local_tsa_answers_many_requests_at_once():
    data = [f"checkpoint {n}".encode() for n in range(40)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        tokens = list(pool.map(request_token, data))

    trusted = tsa_certificate_pem()
    assert all(verify_timestamp_token(t, d, trusted) for t, d in zip(tokens, data, strict=True))
    serials = [token_summary(token)["serial"] for token in tokens]
    assert len(set(serials)) == len(serials)


def post(url, body, content_type="application/timestamp-query", method="POST"):
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": content_type}, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_the_local_tsa_refuses_bad_requests_and_keeps_serving(local_tsa):
    assert post(local_tsa.url, b"garbage")[0] == 400
    assert post(local_tsa.url, b"\x30\x80" + b"\x00" * 100)[0] == 400
    assert post(local_tsa.url, b"\x30\x03\x02\x01\x00", content_type="text/plain")[0] == 400
    assert post(local_tsa.url, b"x" * (tsa_server.MAX_QUERY_BYTES + 1))[0] == 400
    assert post(local_tsa.url, None, method="GET")[0] == 405
    with socket.create_connection(("127.0.0.1", int(local_tsa.url.rsplit(":", 1)[1][:-1]))) as s:
        s.sendall(b"POST / HTTP/1.0\r\nContent-Type: application/timestamp-query\r\n")
        s.sendall(b"Content-Length: 500\r\n\r\nshort")  # then hangs up
    assert local_tsa.process.poll() is None
    assert verify_timestamp_token(request_token(DATA), DATA, tsa_certificate_pem())


def test_a_local_tsa_that_cannot_listen_reports_why(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(RuntimeError, match="did not start") as failure:
            tsa_server.start(tmp_path, port=taken.getsockname()[1], timeout=20)
    assert "Address already in use" in str(failure.value)


def test_the_local_tsa_keeps_its_keys_across_restarts(tmp_path):
    with tsa_server.start(tmp_path) as first:
        token = token_from(first)
        chain = first.cert_file.read_bytes()
    with tsa_server.start(tmp_path) as second:
        assert second.cert_file.read_bytes() == chain
        later = token_from(second)
    assert token_summary(later)["serial"] > token_summary(token)["serial"]
    assert verify_timestamp_token(token, DATA, chain) <= verify_timestamp_token(later, DATA, chain)


def test_a_local_tsa_ends_when_the_process_that_started_it_dies(tmp_path):
    code = (
        "import os, sys; from pathlib import Path; from integrity import local_tsa; "
        f"tsa = local_tsa.start(Path({str(tmp_path)!r})); "
        "print(tsa.process.pid, flush=True); os._exit(0)"  # dies without stop()
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    pid = int(result.stdout.split()[-1])
    deadline = time.monotonic() + 15
    state = "running"
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            state = "gone"
        if state in {"gone", "Z"}:  # ended (a zombie until its new parent reaps it)
            break
        time.sleep(0.1)
    if state not in {"gone", "Z"}:
        os.kill(pid, signal.SIGTERM)  # do not leave it behind
    assert state in {"gone", "Z"}


# --- settings ----------------------------------------------------------------------------------


SETTINGS_FILE = Path(settings.BASE_DIR) / "aims_portal" / "settings.py"


def read_settings(monkeypatch, tmp_path, **env):
    """The settings module run afresh with ``env`` (the loaded settings stay untouched)."""
    monkeypatch.setenv("DJANGO_ENV", "test")
    monkeypatch.setenv("AIMS_DATA_DIR", str(tmp_path))
    for name in ("LEDGER_TSA_URL", "LEDGER_TSA_CERT_FILE", "LEDGER_TSA_CERT", "LEDGER_TSA_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def test_tsa_settings_are_read_from_the_environment(monkeypatch, tmp_path):
    values = read_settings(
        monkeypatch,
        tmp_path,
        LEDGER_TSA_URL="https://freetsa.example/tsr",
        LEDGER_TSA_CERT_FILE="/run/secrets/tsa_chain",
        LEDGER_TSA_TIMEOUT="2.5",
    )
    assert values["LEDGER_TSA_URL"] == "https://freetsa.example/tsr"
    assert values["LEDGER_TSA_CERT_FILE"] == "/run/secrets/tsa_chain"
    assert values["LEDGER_TSA_TIMEOUT"] == 2.5
    unset = read_settings(monkeypatch, tmp_path)
    assert (unset["LEDGER_TSA_URL"], unset["LEDGER_TSA_TIMEOUT"]) == ("", 5.0)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LEDGER_TSA_URL": "ftp://tsa.example/"}, "must be an http:// or https:// URL"),
        ({"LEDGER_TSA_URL": "tsa.example"}, "must be an http:// or https:// URL"),
        ({"LEDGER_TSA_URL": "http://tsa.example:99999/"}, "invalid port"),
        ({"LEDGER_TSA_TIMEOUT": "soon"}, "must be a number of seconds"),
        ({"LEDGER_TSA_TIMEOUT": "0"}, "more than 0 and at most 60"),
        ({"LEDGER_TSA_TIMEOUT": "nan"}, "more than 0 and at most 60"),
        ({"LEDGER_TSA_TIMEOUT": "600"}, "more than 0 and at most 60"),
        ({"LEDGER_TSA_URL": "http://tsa.example/"}, "needs LEDGER_TSA_CERT_FILE"),
        ({"LEDGER_TSA_CERT": "x", "LEDGER_TSA_CERT_FILE": "/x.pem"}, "not both"),
    ],
)
def test_bad_tsa_settings_stop_the_start(monkeypatch, tmp_path, env, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        read_settings(monkeypatch, tmp_path, **env)


def test_a_bad_tsa_setting_stops_django_from_starting(tmp_path):
    result = run_python(
        "import django; django.setup()",
        DJANGO_ENV="test",
        AIMS_DATA_DIR=str(tmp_path),
        LEDGER_TSA_TIMEOUT="-1",
    )
    assert result.returncode != 0
    assert "LEDGER_TSA_TIMEOUT must be more than 0" in result.stderr
