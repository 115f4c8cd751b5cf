"""Encryption at rest for account numbers: Fernet with a key derived from the site's secret key."""

from __future__ import annotations

import base64
from functools import cache

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# Another purpose (e.g. webhook secrets) derives its own key with its own info string.
_ACCOUNT_INFO = b"returndesk refund account v1"


@cache
def _fernet(secret_key: str, info: bytes) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt_account(secret_key: str, plain: str) -> str:
    return _fernet(secret_key, _ACCOUNT_INFO).encrypt(plain.encode()).decode("ascii")


def decrypt_account(secret_key: str, token: str) -> str:
    """The account number; raises cryptography.fernet.InvalidToken if the key changed."""
    return _fernet(secret_key, _ACCOUNT_INFO).decrypt(token.encode("ascii")).decode()
