"""A local RFC 3161 time-stamping authority for tests and the demo.

    python -m integrity.local_tsa --port 8318 --dir var/tsa

On first start it creates, in DIR, a CA and a TSA key and certificate (ECDSA P-256; the TSA
certificate has the critical time-stamping extended key usage), ``tsa-chain.pem`` (TSA
certificate then CA certificate: the file a verifier trusts, LEDGER_TSA_CERT_FILE) and the
configuration of ``openssl ts``. It then serves HTTP POSTs of ``application/timestamp-query``
on 127.0.0.1:PORT and answers ``application/timestamp-reply`` made by ``openssl ts -reply``,
one subprocess per request, so requests are answered in parallel. Serial numbers come from
DIR/serial under a file lock, so they never repeat, even across restarts or two servers on
one directory. It prints ``ready <url>`` once it listens (port 0 picks a free port).

Malformed requests get HTTP 400, other methods 405, an internal failure 500; none stops the
server. It needs no Django: only ``cryptography``, ``rfc3161-client`` and the openssl tool.
``start()`` runs it as a subprocess for tests, benchmarks and scripts.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from rfc3161_client import _rust as rfc3161_rust

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
MAX_QUERY_BYTES = 64 * 1024
# A policy OID under the UUID arc (2.25), which needs no registration.
POLICY_OID = "2.25.15540349897214527377027349829003584700"
CHAIN_FILE = "tsa-chain.pem"
OPENSSL_TIMEOUT = 20
REPO_ROOT = Path(__file__).resolve().parents[1]


# --- keys and certificates ---------------------------------------------------------------------


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _pem_key(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "AIMS portal (local, not trusted)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def create_authority(
    directory: Path,
    *,
    name: str = "AIMS local TSA",
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
) -> Path:
    """Create the CA, the TSA certificate and the openssl configuration in ``directory``
    unless they exist; returns the path of the chain file a verifier trusts. ``valid_from``
    and ``valid_until`` bound the TSA certificate (tests make expired ones)."""
    directory = Path(directory).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    chain = directory / CHAIN_FILE
    with open(directory / ".create.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not chain.exists():
            _create(directory, name, valid_from, valid_until)
    return chain


def _create(directory: Path, name: str, valid_from, valid_until) -> None:
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"{name} root CA")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    tsa_key = ec.generate_private_key(ec.SECP256R1())
    tsa_cert = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(ca_name)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid_from or now - timedelta(hours=1))
        .not_valid_after(valid_until or now + timedelta(days=730))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        # RFC 3161 section 2.3: the only key purpose, and critical.
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(tsa_key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    _write_private(directory / "ca-key.pem", _pem_key(ca_key))
    _write_private(directory / "tsa-key.pem", _pem_key(tsa_key))
    (directory / "ca-cert.pem").write_bytes(ca_cert.public_bytes(pem))
    (directory / "tsa-cert.pem").write_bytes(tsa_cert.public_bytes(pem))
    (directory / "openssl-ts.cnf").write_text(_openssl_config(directory))
    # Written last, by rename: its presence means the authority is complete.
    partial = directory / f"{CHAIN_FILE}.partial"
    partial.write_bytes(tsa_cert.public_bytes(pem) + ca_cert.public_bytes(pem))
    partial.replace(directory / CHAIN_FILE)


def _openssl_config(directory: Path) -> str:
    return f"""\
# openssl ts -reply configuration of the local time-stamping authority (generated).
[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
# Each request gets its own serial file, filled from {directory / "serial"}. The token carries
# only the signer's certificate ("certs" unset): openssl does not sort a SET OF certificates,
# which a strict DER parser (rfc3161-client's) then refuses.
serial = $ENV::TSA_SERIAL_FILE
crypto_device = builtin
signer_cert = {directory / "tsa-cert.pem"}
signer_key = {directory / "tsa-key.pem"}
signer_digest = sha256
default_policy = {POLICY_OID}
other_policies = {POLICY_OID}
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


# --- answering requests ------------------------------------------------------------------------


class BadQuery(ValueError):
    """The request is not a time-stamp query this authority answers."""


class Authority:
    """Signs time-stamp replies with ``openssl ts -reply``."""

    def __init__(self, directory: Path, openssl: str):
        self.directory = Path(directory).resolve()
        self.openssl = openssl
        self.config = self.directory / "openssl-ts.cnf"
        self.scratch = self.directory / "tmp"
        self.scratch.mkdir(exist_ok=True)

    def next_serial(self) -> int:
        path = self.directory / "serial"
        with open(self.directory / ".serial.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            text = path.read_text().strip() if path.exists() else ""
            serial = int(text, 16) + 1 if text else 1
            partial = path.with_suffix(".partial")
            partial.write_text(f"{serial:X}\n")
            partial.replace(path)
        return serial

    def reply(self, query: bytes) -> bytes:
        check_query(query)
        serial = self.next_serial()
        with tempfile.TemporaryDirectory(dir=self.scratch) as scratch:
            query_file, reply_file = Path(scratch, "query.tsq"), Path(scratch, "reply.tsr")
            serial_file = Path(scratch, "serial")
            query_file.write_bytes(query)
            # openssl signs with the file's number plus one; an even number of hex digits.
            serial_file.write_text(f"{serial - 1:016X}\n")
            command = [self.openssl, "ts", "-reply", "-config", str(self.config)]
            command += ["-queryfile", str(query_file), "-out", str(reply_file)]
            result = subprocess.run(
                command,
                env={**os.environ, "TSA_SERIAL_FILE": str(serial_file)},
                capture_output=True,
                timeout=OPENSSL_TIMEOUT,
                check=False,
            )
            if result.returncode != 0 or not reply_file.exists():
                raise RuntimeError(f"openssl ts -reply failed: {result.stderr.decode()[-500:]}")
            return reply_file.read_bytes()


def check_query(query: bytes) -> None:
    """Refuse anything that is not a DER TimeStampReq before openssl sees it."""
    try:
        request = rfc3161_rust.parse_timestamp_request(query)
        request.message_imprint.message  # noqa: B018 - parsing it is the check
    except BaseException as error:
        # The Rust parser panics on some input; pyo3 raises that as a BaseException.
        if not isinstance(error, ValueError) and type(error).__name__ != "PanicException":
            raise
        raise BadQuery(f"not an RFC 3161 TimeStampReq ({error})") from None


class Handler(BaseHTTPRequestHandler):
    server_version = "aims-local-tsa"
    protocol_version = "HTTP/1.0"
    timeout = 10  # a client that stops sending does not hold a thread for long

    def do_POST(self):
        try:
            self._answer()
        except BadQuery as error:
            self._send(400, f"{error}\n".encode(), "text/plain")
        except Exception as error:
            self.log_error("failed: %r", error)
            with contextlib.suppress(OSError):
                self._send(500, b"internal error\n", "text/plain")

    def _answer(self):
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != QUERY_TYPE:
            raise BadQuery(f"Content-Type must be {QUERY_TYPE}")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise BadQuery("Content-Length is required") from None
        if not 0 < length <= MAX_QUERY_BYTES:
            raise BadQuery(f"the query must hold 1 to {MAX_QUERY_BYTES} bytes")
        query = self.rfile.read(length)
        if len(query) != length:
            raise BadQuery("the query is shorter than its Content-Length")
        self._send(200, self.server.authority.reply(query), REPLY_TYPE)

    def _refuse_method(self):
        self._send(405, b"POST an application/timestamp-query\n", "text/plain", Allow="POST")

    do_GET = do_PUT = do_DELETE = do_PATCH = _refuse_method

    def _send(self, status: int, body: bytes, content_type: str, **headers):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for header, value in headers.items():
            self.send_header(header, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        if self.server.verbose:
            super().log_message(format, *args)

    def log_error(self, format, *args):
        super().log_message(format, *args)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address, authority: Authority, verbose: bool = False):
        super().__init__(address, Handler)
        self.authority = authority
        self.verbose = verbose

    def handle_error(self, request, client_address):
        # A client that hangs up mid-answer is not the server's failure; log and go on.
        print(
            f"local TSA: error answering {client_address}: {sys.exc_info()[1]!r}", file=sys.stderr
        )


def serve(
    directory: Path,
    port: int,
    host: str = "127.0.0.1",
    openssl: str | None = None,
    stop_on_stdin_eof: bool = False,
):
    """Create the authority if needed and answer requests until interrupted (or, with
    ``stop_on_stdin_eof``, until standard input closes: the parent that started it ended)."""
    openssl = openssl or shutil.which("openssl") or "/usr/bin/openssl"
    create_authority(directory)
    server = Server((host, port), Authority(directory, openssl))
    if stop_on_stdin_eof:

        def watch_parent():
            while sys.stdin.buffer.read(4096):
                pass
            server.shutdown()

        threading.Thread(target=watch_parent, daemon=True).start()
    print(f"ready http://{host}:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


# --- running it as a subprocess ----------------------------------------------------------------


@dataclass
class LocalTSA:
    """A running local TSA: its URL, the chain file to trust, and its process."""

    url: str
    cert_file: Path
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe:
                pipe.close()

    def __enter__(self) -> LocalTSA:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start(directory: Path, port: int = 0, timeout: float = 30.0) -> LocalTSA:
    """Start a local TSA subprocess on 127.0.0.1 and wait until it listens. Raises
    RuntimeError, with the server's log, when it does not start within ``timeout`` seconds."""
    directory = Path(directory).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    log_path = directory / "tsa.log"
    with open(log_path, "ab") as log:
        command = [sys.executable, "-m", "integrity.local_tsa"]
        command += ["--port", str(port), "--dir", str(directory), "--stop-on-stdin-eof"]
        # Its stdin is a pipe only this process holds: if this process dies without stop(),
        # the pipe closes and the server ends instead of lingering.
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.PIPE,
        )
    line = _read_line(process, timeout)
    if not line.startswith("ready "):
        tsa = LocalTSA("", directory / CHAIN_FILE, process)
        tsa.stop()
        tail = log_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"the local TSA did not start within {timeout:g} s: {line!r}\n{tail}")
    return LocalTSA(line.split(" ", 1)[1], directory / CHAIN_FILE, process)


def _read_line(process: subprocess.Popen, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    received = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while b"\n" not in received:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                break
            chunk = os.read(process.stdout.fileno(), 4096)
            if not chunk:  # the process exited
                break
            received += chunk
    return received.decode(errors="replace").split("\n", 1)[0].strip()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True, help="0 picks a free port")
    parser.add_argument("--dir", type=Path, required=True, help="keys, certificates, serial")
    parser.add_argument("--openssl", help="the openssl executable (default: from PATH)")
    parser.add_argument(
        "--stop-on-stdin-eof", action="store_true", help="stop when standard input closes"
    )
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error("--port must be between 0 and 65535")
    serve(args.dir, args.port, openssl=args.openssl, stop_on_stdin_eof=args.stop_on_stdin_eof)


if __name__ == "__main__":
    main()
