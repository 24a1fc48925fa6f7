"""The ledger's Ed25519 signing key.

Taken from ``settings.LEDGER_SIGNING_KEY`` (a PEM string) or the PEM file named by
``settings.LEDGER_SIGNING_KEY_FILE``. Outside production, when neither is set, a key is
generated once into ``DATA_DIR/ledger-signing-key.pem`` (readable by the owner only).
"""

import os
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .verify_bundle import key_fingerprint

DEV_KEY_NAME = "ledger-signing-key.pem"


def _development_key_file():
    path = Path(settings.DATA_DIR) / DEV_KEY_NAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:  # O_EXCL: two processes starting at once end up with the same key
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as key_file:
                key_file.write(pem)
    return path


@cache
def _load(pem):
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("LEDGER_SIGNING_KEY must be an Ed25519 private key")
    return key


def private_key():
    pem = getattr(settings, "LEDGER_SIGNING_KEY", None)
    if pem:
        return _load(pem.encode() if isinstance(pem, str) else pem)
    path = getattr(settings, "LEDGER_SIGNING_KEY_FILE", None)
    if not path:
        if getattr(settings, "PRODUCTION", False):
            raise ImproperlyConfigured(
                "Set LEDGER_SIGNING_KEY or LEDGER_SIGNING_KEY_FILE: the ledger cannot sign "
                "checkpoints without a key."
            )
        path = _development_key_file()
    try:
        return _load(Path(path).read_bytes())
    except OSError as error:
        raise ImproperlyConfigured(f"Cannot read LEDGER_SIGNING_KEY_FILE: {error}") from error


def public_key():
    return private_key().public_key()


def public_key_pem():
    return (
        public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def fingerprint():
    return key_fingerprint(public_key())


def sign(message):
    return private_key().sign(message).hex()
