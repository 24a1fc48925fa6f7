"""Offline verification of RFC 3161 time-stamp tokens.

A token is the DER ``TimeStampToken`` (a CMS SignedData over a TSTInfo) that a time-stamping
authority (TSA) returns. ``verify_timestamp_token`` accepts it only when

- its message imprint is SHA-256 of the data it is said to time-stamp;
- its CMS signature verifies and the signer's certificate chains to a root CA in the
  trusted PEM (and is that PEM's TSA certificate when the PEM names one);
- the signer's certificate carries the critical time-stamping extended key usage and was
  valid at the token's time (genTime);

and returns genTime. Every refusal is a ``TimestampError`` whose message says which of these
failed. The module needs only the standard library, ``cryptography`` and ``rfc3161-client``:
it is copied into evidence bundles and runs there without Django.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from rfc3161_client import VerificationError, VerifierBuilder, decode_timestamp_response

SHA256_OID = x509.ObjectIdentifier("2.16.840.1.101.3.4.2.1")
HASH_NAMES = {
    "1.3.14.3.2.26": "SHA-1",
    "2.16.840.1.101.3.4.2.1": "SHA-256",
    "2.16.840.1.101.3.4.2.2": "SHA-384",
    "2.16.840.1.101.3.4.2.3": "SHA-512",
}
# A granted PKIStatusInfo, DER: SEQUENCE { INTEGER 0 }. rfc3161-client parses whole
# responses, so a stored token is wrapped in one to be read.
GRANTED_STATUS = b"\x30\x03\x02\x01\x00"
MAX_TOKEN_BYTES = 1 << 20


def _parser_failure(error: BaseException) -> bool:
    """Whether reading a malformed token raised ``error``. rfc3161-client's Rust parser may
    raise ValueError, KeyError or panic; a panic arrives as pyo3's PanicException, which
    derives from BaseException only. Interrupts and exits are not parser failures."""
    return isinstance(error, Exception) or type(error).__name__ == "PanicException"


class TimestampError(Exception):
    """A time-stamp token was refused, or none could be obtained; the message says why."""


# --- DER framing -------------------------------------------------------------------------------


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _der_element(data: bytes, offset: int) -> tuple[int, int, int]:
    """The (tag, start of content, end) of the DER element at ``offset``."""
    if offset + 2 > len(data):
        raise ValueError("truncated")
    tag, first = data[offset], data[offset + 1]
    if tag & 0x1F == 0x1F:
        raise ValueError("multi-byte tags are not used here")
    start = offset + 2
    if first < 0x80:
        length = first
    else:
        size = first & 0x7F
        if size == 0 or size > 4 or start + size > len(data):
            raise ValueError("bad length")
        length = int.from_bytes(data[start : start + size], "big")
        start += size
    end = start + length
    if end > len(data):
        raise ValueError("truncated")
    return tag, start, end


def _check_token_framing(token: bytes) -> None:
    if not isinstance(token, bytes | bytearray) or not token:
        raise TimestampError("The time-stamp token is empty.")
    if len(token) > MAX_TOKEN_BYTES:
        raise TimestampError("The time-stamp token is too large to be an RFC 3161 token.")
    try:
        tag, _, end = _der_element(bytes(token), 0)
    except ValueError:
        raise TimestampError(
            "The time-stamp token is not an RFC 3161 token: its DER encoding is truncated "
            "or malformed."
        ) from None
    if tag != 0x30 or end != len(token):
        raise TimestampError(
            "The time-stamp token is not an RFC 3161 token: expected one DER SEQUENCE "
            "and nothing after it."
        )


def token_from_response(response: bytes) -> bytes:
    """The TimeStampToken bytes, exactly as the TSA sent them, inside a TimeStampResp."""
    try:
        tag, start, end = _der_element(response, 0)
        if tag != 0x30 or end != len(response):
            raise ValueError("not one SEQUENCE")
        _, _, status_end = _der_element(response, start)
        if status_end == end:
            raise ValueError("no token")
        _, _, token_end = _der_element(response, status_end)
        if token_end != end:
            raise ValueError("trailing data")
    except ValueError as error:
        raise TimestampError(f"The TSA's response holds no well-formed token ({error}).") from None
    return response[status_end:end]


def _parse(token: bytes):
    """The parsed response around ``token`` and the TSTInfo fields read from it."""
    _check_token_framing(token)
    body = GRANTED_STATUS + bytes(token)
    wrapped = b"\x30" + _der_length(len(body)) + body
    try:
        response = decode_timestamp_response(wrapped)
        info = response.tst_info
        imprint = info.message_imprint
        fields = {
            "gen_time": info.gen_time.astimezone(UTC),
            "hash_oid": imprint.hash_algorithm,
            "digest": imprint.message,
            "serial": info.serial_number,
            "policy": info.policy,
            "nonce": info.nonce,
        }
    except BaseException as error:
        if not _parser_failure(error):
            raise
        raise TimestampError(
            f"The time-stamp token is not an RFC 3161 token: it does not parse ({error})."
        ) from None
    try:
        fields["name"] = info.name
    except BaseException as error:  # the TSA name is optional in a token
        if not _parser_failure(error):
            raise
        fields["name"] = None
    return response, fields


# --- trusted certificates ----------------------------------------------------------------------


def _is_time_stamping(certificate: x509.Certificate) -> bool:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        return False
    return ExtendedKeyUsageOID.TIME_STAMPING in usage.value


def _trusted(tsa_certificate_pem: bytes) -> tuple[list, list, x509.Certificate | None]:
    """Roots, intermediates and the pinned TSA certificate (if any) of a PEM file's text."""
    if isinstance(tsa_certificate_pem, str):
        tsa_certificate_pem = tsa_certificate_pem.encode()
    if not tsa_certificate_pem or not tsa_certificate_pem.strip():
        raise TimestampError("The trusted TSA certificate is empty.")
    try:
        certificates = x509.load_pem_x509_certificates(tsa_certificate_pem)
    except ValueError:
        raise TimestampError(
            "The trusted TSA certificate is not a PEM file of X.509 certificates."
        ) from None
    roots = [c for c in certificates if c.issuer == c.subject]
    if not roots:
        raise TimestampError(
            "The trusted TSA certificate file holds no root CA certificate: give the TSA's "
            "chain up to and including its self-signed root."
        )
    others = [c for c in certificates if c.issuer != c.subject]
    leaves = [c for c in others if _is_time_stamping(c)]
    pinned = leaves[0] if len(leaves) == 1 else None
    intermediates = [c for c in others if c is not pinned]
    return roots, intermediates, pinned


def _signer_certificate(response) -> x509.Certificate | None:
    signer_infos = list(response.signed_data.signer_infos)
    if len(signer_infos) != 1:
        return None
    signer = signer_infos[0]
    for der in response.signed_data.certificates:
        certificate = x509.load_der_x509_certificate(der)
        if (
            certificate.issuer == signer.issuer
            and certificate.serial_number == signer.serial_number
        ):
            return certificate
    return None


# --- verification ------------------------------------------------------------------------------


def verify_timestamp_token(token: bytes, data: bytes, tsa_certificate_pem: bytes) -> datetime:
    """genTime (aware, UTC) of ``token`` once it is shown to time-stamp SHA-256(``data``) and
    to be signed by the TSA that ``tsa_certificate_pem`` (its chain, root included) names.
    Raises TimestampError otherwise."""
    try:
        roots, intermediates, pinned = _trusted(tsa_certificate_pem)
    except (ValueError, TypeError) as error:  # a certificate whose fields do not parse
        raise TimestampError(f"The trusted TSA certificate could not be read ({error}).") from None
    response, fields = _parse(token)
    try:
        return _verify(response, fields, data, roots, intermediates, pinned)
    except BaseException as error:
        # A damaged certificate or signature may only fail to parse once it is read.
        if not _parser_failure(error) or isinstance(error, TimestampError):
            raise
        raise TimestampError(f"The time-stamp token could not be checked ({error}).") from None


def _verify(response, fields, data, roots, intermediates, pinned) -> datetime:
    gen_time, hash_oid, digest = fields["gen_time"], fields["hash_oid"], fields["digest"]
    if hash_oid != SHA256_OID:
        name = HASH_NAMES.get(hash_oid.dotted_string, hash_oid.dotted_string)
        raise TimestampError(f"The time-stamp token's message imprint uses {name}, not SHA-256.")
    expected = hashlib.sha256(data).digest()
    if digest != expected:
        raise TimestampError(
            "The time-stamp token is for other data: its message imprint "
            f"({digest.hex()[:16]}…) is not the SHA-256 of this data ({expected.hex()[:16]}…)."
        )
    signer = _signer_certificate(response)
    if signer is None:
        raise TimestampError(
            "The time-stamp token carries no certificate of its signer (it must be requested "
            "with certReq)."
        )
    if pinned is not None and signer != pinned:
        raise TimestampError(
            "The time-stamp token was signed by another TSA: its signer "
            f"({signer.subject.rfc4514_string()}) is not the trusted TSA certificate "
            f"({pinned.subject.rfc4514_string()})."
        )
    valid_from, valid_to = signer.not_valid_before_utc, signer.not_valid_after_utc
    if not valid_from <= gen_time <= valid_to:
        raise TimestampError(
            f"The TSA certificate ({signer.subject.rfc4514_string()}) was not valid at the "
            f"token's time {gen_time.isoformat()}: it is valid from {valid_from.isoformat()} "
            f"to {valid_to.isoformat()}."
        )
    builder = VerifierBuilder()
    for root in roots:
        builder = builder.add_root_certificate(root)
    for intermediate in intermediates:
        builder = builder.add_intermediate_certificate(intermediate)
    if pinned is not None:
        builder = builder.tsa_certificate(pinned)
    try:
        builder.build().verify(response, expected)
    except VerificationError as error:
        reason = str(error)
        if "verifying certificates" in reason:
            raise TimestampError(
                "The time-stamp token's signature does not verify against the trusted TSA "
                f"certificate: it was signed by another TSA, or altered ({reason})."
            ) from None
        raise TimestampError(f"The time-stamp token is not valid: {reason}") from None
    return gen_time


def token_summary(token: bytes) -> dict:
    """What a token says, for display; nothing here is verified. Raises TimestampError when
    the bytes are not a token."""
    _, fields = _parse(token)
    name = fields["name"]
    if isinstance(name, x509.DirectoryName):
        tsa_name = name.value.rfc4514_string()
    elif name is None:
        tsa_name = ""
    else:
        tsa_name = str(getattr(name, "value", name))
    hash_oid = fields["hash_oid"].dotted_string
    return {
        "gen_time": fields["gen_time"],
        "serial": fields["serial"],
        "tsa_name": tsa_name,
        "policy": fields["policy"].dotted_string if fields["policy"] else "",
        "hash_algorithm": HASH_NAMES.get(hash_oid, hash_oid),
        "message_imprint": fields["digest"].hex(),
        "nonce": fields["nonce"],
    }
