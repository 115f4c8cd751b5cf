"""Encryption at rest (account numbers, sign-in codes in the outbox, staff TOTP secrets): Fernet
with a key derived from the site's secret key, one per purpose."""

from __future__ import annotations

import base64
from functools import cache

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# Each purpose derives its own key with its own info string.
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


_SIGN_IN_CODE_INFO = b"returndesk sign-in code v1"


def seal_code(secret_key: str, code: str) -> str:
    """A one-time code as the outbox carries it to the SMS job: never in clear at rest."""
    return _fernet(secret_key, _SIGN_IN_CODE_INFO).encrypt(code.encode()).decode("ascii")


def open_code(secret_key: str, token: str) -> str:
    return _fernet(secret_key, _SIGN_IN_CODE_INFO).decrypt(token.encode("ascii")).decode()


_TOTP_INFO = b"returndesk staff totp secret v1"


def seal_totp_secret(secret_key: str, secret: str) -> str:
    return _fernet(secret_key, _TOTP_INFO).encrypt(secret.encode()).decode("ascii")


def open_totp_secret(secret_key: str, token: str) -> str:
    return _fernet(secret_key, _TOTP_INFO).decrypt(token.encode("ascii")).decode()


_WEBHOOK_INFO = b"returndesk webhook signing secret v1"


def seal_webhook_secret(secret_key: str, secret: str) -> str:
    return _fernet(secret_key, _WEBHOOK_INFO).encrypt(secret.encode()).decode("ascii")


def open_webhook_secret(secret_key: str, token: str) -> str:
    return _fernet(secret_key, _WEBHOOK_INFO).decrypt(token.encode("ascii")).decode()


_SHOWN_ONCE_INFO = b"returndesk key shown once v1"


def seal_shown_once(secret_key: str, value: str) -> str:
    """A new API key or signing secret on its short way to the one page that shows it."""
    return _fernet(secret_key, _SHOWN_ONCE_INFO).encrypt(value.encode()).decode("ascii")


def open_shown_once(secret_key: str, token: str) -> str:
    return _fernet(secret_key, _SHOWN_ONCE_INFO).decrypt(token.encode("ascii")).decode()
