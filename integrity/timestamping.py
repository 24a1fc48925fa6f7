"""RFC 3161 time-stamps from the configured time-stamping authority (TSA).

Rules enforced here:
- a request time-stamps SHA-256 of the data, carries a fresh nonce and asks for the TSA's
  certificate (certReq), so the token can be checked offline later;
- an answer is accepted only when it is HTTP 200 ``application/timestamp-reply``, its
  status is granted, its nonce and message imprint are the request's, and the token
  verifies against the configured TSA certificate chain (``tsa_verify``);
- the whole exchange ends within ``LEDGER_TSA_TIMEOUT`` seconds;
- any failure raises ``TimestampError`` naming it; a missing configuration raises
  ``ImproperlyConfigured``.

Settings: ``LEDGER_TSA_URL``, ``LEDGER_TSA_CERT_FILE`` or ``LEDGER_TSA_CERT`` (PEM: the TSA's
certificate chain up to its root), ``LEDGER_TSA_TIMEOUT``.
"""

from __future__ import annotations

import http.client
import time
from urllib.parse import urlsplit

from cryptography import x509
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from rfc3161_client import HashAlgorithm, TimestampRequestBuilder, decode_timestamp_response

from .tsa_verify import (
    TimestampError,
    token_from_response,
    token_summary,
    verify_timestamp_token,
)

__all__ = [
    "TimestampError",
    "is_configured",
    "request_token",
    "token_summary",
    "tsa_certificate_pem",
    "verify_timestamp_token",
]

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
MAX_REPLY_BYTES = 1 << 20
DEFAULT_TIMEOUT = 5.0
STATUS_NAMES = {
    0: "granted",
    1: "granted with modifications",
    2: "rejection",
    3: "waiting",
    4: "revocation warning",
    5: "revocation notification",
}


def is_configured() -> bool:
    """Whether a TSA URL is set, so checkpoints can be time-stamped."""
    return bool(getattr(settings, "LEDGER_TSA_URL", ""))


def tsa_certificate_pem() -> bytes | None:
    """The trusted TSA certificate chain (PEM) from LEDGER_TSA_CERT or the file named by
    LEDGER_TSA_CERT_FILE; None when neither is set."""
    text = getattr(settings, "LEDGER_TSA_CERT", "")
    path = getattr(settings, "LEDGER_TSA_CERT_FILE", "")
    if text:
        pem, origin = (text.encode() if isinstance(text, str) else text), "LEDGER_TSA_CERT"
    elif path:
        try:
            with open(path, "rb") as cert_file:
                pem = cert_file.read()
        except OSError as error:
            raise ImproperlyConfigured(f"Cannot read LEDGER_TSA_CERT_FILE: {error}") from error
        origin = f"LEDGER_TSA_CERT_FILE ({path})"
    else:
        return None
    try:
        x509.load_pem_x509_certificates(pem)
    except ValueError:
        raise ImproperlyConfigured(f"{origin} holds no PEM certificate.") from None
    return pem


def request_token(data: bytes) -> bytes:
    """An RFC 3161 TimeStampToken (DER) over SHA-256(``data``) from the configured TSA,
    checked against the request and verified against the trusted certificate."""
    url = getattr(settings, "LEDGER_TSA_URL", "")
    if not url:
        raise ImproperlyConfigured("LEDGER_TSA_URL is not set: there is no TSA to ask.")
    trusted = tsa_certificate_pem()
    if trusted is None:
        raise ImproperlyConfigured(
            "Set LEDGER_TSA_CERT_FILE or LEDGER_TSA_CERT: a TSA's tokens cannot be checked "
            "without its certificate."
        )
    if not data:
        raise TimestampError("There is nothing to time-stamp: the data is empty.")
    timeout = float(getattr(settings, "LEDGER_TSA_TIMEOUT", DEFAULT_TIMEOUT))
    request = (
        TimestampRequestBuilder()
        .data(data)
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    reply = _post(url, request.as_bytes(), timeout)
    token = _token_for(request, reply, url)
    verify_timestamp_token(token, data, trusted)
    return token


def _token_for(request, reply: bytes, url: str) -> bytes:
    """The token inside ``reply`` once it is shown to answer ``request``."""
    try:
        response = decode_timestamp_response(reply)
        status = response.status
    except BaseException as error:
        # rfc3161-client's parser may panic (a BaseException) on malformed input.
        if not isinstance(error, ValueError) and type(error).__name__ != "PanicException":
            raise
        raise TimestampError(
            f"The TSA at {url} answered something that is not an RFC 3161 reply ({error})."
        ) from None
    if status not in (0, 1):
        detail = "; ".join(response.status_string) or "no reason given"
        raise TimestampError(
            f"The TSA at {url} refused the request: {STATUS_NAMES.get(status, status)} ({detail})."
        )
    token = token_from_response(reply)
    summary = token_summary(token)
    if summary["nonce"] != request.nonce:
        raise TimestampError(
            f"The TSA at {url} answered with another nonce: the reply is not for this request."
        )
    imprint = request.message_imprint
    if summary["hash_algorithm"] != "SHA-256" or summary["message_imprint"] != (
        imprint.message.hex()
    ):
        raise TimestampError(
            f"The TSA at {url} time-stamped other data than was asked (message imprint differs)."
        )
    return token


def _post(url: str, query: bytes, timeout: float) -> bytes:
    """POST the query and read the reply, all within ``timeout`` seconds."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(f"LEDGER_TSA_URL must be an http(s) URL, not {url!r}.")
    deadline = time.monotonic() + timeout
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(parts.hostname, parts.port, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(
            "POST", path, body=query, headers={"Content-Type": QUERY_TYPE, "Accept": REPLY_TYPE}
        )
        # getresponse() hands an HTTP/1.0 connection's socket to the response: keep it.
        sock = connection.sock
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        response = connection.getresponse()
        if response.status != 200:
            raise TimestampError(
                f"The TSA at {url} answered HTTP {response.status} {response.reason}."
            )
        content_type = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != REPLY_TYPE:
            raise TimestampError(
                f"The TSA at {url} answered {content_type or 'no content type'}, not {REPLY_TYPE}."
            )
        reply = b""
        while chunk := response.read(64 * 1024):
            reply += chunk
            if len(reply) > MAX_REPLY_BYTES:
                raise TimestampError(f"The TSA at {url} answered more than {MAX_REPLY_BYTES} B.")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            if not response.isclosed():  # closed once the whole body is read
                sock.settimeout(remaining)
        if time.monotonic() > deadline:
            raise TimeoutError
    except TimeoutError:
        raise TimestampError(f"The TSA at {url} did not answer within {timeout:g} s.") from None
    except (OSError, http.client.HTTPException) as error:
        raise TimestampError(f"Could not reach the TSA at {url}: {error}.") from None
    finally:
        connection.close()
    if not reply:
        raise TimestampError(f"The TSA at {url} answered with an empty body.")
    return reply
