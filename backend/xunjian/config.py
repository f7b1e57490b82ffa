"""Settings from the environment. Built by `Settings.from_env()` and passed in; never cached at import."""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from .errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent.parent


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    database_url: str | None = None
    s3_endpoint: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_bucket: str = "xunjian-photos"
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    demo_password: str = "xunjian-demo-2026"
    host: str = "127.0.0.1"
    port: int = 8000
    # Inspectors work offline for hours: the idle window is long, the absolute lifetime bounded.
    session_idle_minutes: int = 12 * 60
    session_max_hours: int = 7 * 24
    cookie_secure: bool = False
    login_max_failures: int = 5
    login_max_failures_per_client: int = 20
    login_window_seconds: int = 15 * 60
    # argon2 work (login, password change or reset, new user): at most this many at once, each holding
    # argon2_memory_kib; up to login_queue more wait at most login_queue_seconds, beyond that 503.
    login_concurrency: int = field(default_factory=lambda: os.cpu_count() or 1)
    login_queue: int = 64
    login_queue_seconds: int = 10
    # Reverse proxies whose X-Forwarded-For is believed (addresses or CIDRs); none by default.
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    photo_max_bytes: int = 15 * 1024 * 1024
    photo_max_pixels: int = 50_000_000
    # Signs the app's own expiring URLs (local photo store). Unset: generated once and kept in the data dir.
    secret_key: str = ""
    checkin_far_meters: int = 500
    # The key of personal data at rest (patrols/crypto.py): 32 bytes in base64. Unset on SQLite, the embedded default:
    # generated once into the data dir (mode 0600), never into the database; PostgreSQL deployments must set it.
    # The previous key while a rotation is under way (read only).
    pii_key: str = field(default="", repr=False)
    pii_key_old: str = field(default="", repr=False)
    # Site kinds whose inspections need at least two inspectors on submission (an inspection of a plan task always
    # does; a manager's self-inspection never). XUNJIAN_TWO_INSPECTORS_KINDS: a comma list, "none" for no kind.
    # Eldercare institutions by default, as the issue asks (the PWA's runner names the co-inspector and asks for one
    # before submission; GET /api/me tells it these kinds).
    two_inspectors_kinds: tuple[str, ...] = ("eldercare",)
    # 天地图's browser key: the risk map's online base layer. Unset: the map fetches nothing from outside.
    tianditu_key: str = ""
    # An inspector proposes extending a major hazard's deadline by at most this many days beyond its first deadline.
    major_extension_days: int = 30
    # Days after which encounter photos and free text linked to no person record and no open case are purged.
    patrol_retention_days: int = 90
    # Days after a person record's last encounter (its creation when it has none) after which the record and every
    # encounter linked to it are deleted, kept only as counts (PIPL 第十九条、第四十七条). Two years by default.
    person_retention_days: int = 730
    # The housekeeping job: inbox messages older than this are deleted, read or unread.
    notification_retention_days: int = 180
    # The housekeeping job: rating history, tier snapshots, job runs, finished webhook deliveries and the escalation
    # steps of subjects closed longer ago than this are deleted.
    history_retention_days: int = 730
    run_scheduler: bool = False
    log_level: str = "INFO"
    pwa_dir: Path = REPO_DIR / "pwa"
    schemas_dir: Path = REPO_DIR / "schemas"
    db_pool_size: int = 20
    argon2_memory_kib: int = 65536
    argon2_time_cost: int = 3
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "xunjian.sqlite3"

    @property
    def photo_dir(self) -> Path:
        return self.data_dir / "photos"

    @property
    def is_postgres(self) -> bool:
        return bool(self.database_url) and self.database_url.startswith(("postgres://", "postgresql://"))

    @property
    def uses_s3(self) -> bool:
        return bool(self.s3_endpoint)

    def signing_key(self) -> bytes:
        """XUNJIAN_SECRET_KEY, or a random key created on first use and persisted in the data dir (mode 0600)."""
        if self.secret_key:
            return self.secret_key.encode()
        return self._data_dir_secret("secret_key", lambda: secrets.token_urlsafe(48)).encode()

    def pii_keys(self) -> tuple[bytes, bytes | None]:
        """(current, previous) personal-data keys. ConfigError when one is malformed, or missing on PostgreSQL (each
        app instance would invent its own key, and none could read another's records)."""
        from .patrols.crypto import new_key, parse_key

        raw = self.pii_key
        if not raw:
            if self.is_postgres:
                raise ConfigError("XUNJIAN_PII_KEY must be set on PostgreSQL (32 bytes in base64, e.g. from "
                                  "`xunjian pii new-key`): it encrypts the personal data of people met on patrols")
            raw = self._data_dir_secret("pii_key", new_key)
        try:
            current = parse_key(raw, "XUNJIAN_PII_KEY" if self.pii_key else str(self.data_dir / "pii_key"))
            old = parse_key(self.pii_key_old, "XUNJIAN_PII_KEY_OLD") if self.pii_key_old else None
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        return current, old

    def _data_dir_secret(self, name: str, make) -> str:
        """A secret created on first use in the data dir (mode 0600), or the one already there."""
        path = self.data_dir / name
        try:
            return path.read_text().strip()
        except FileNotFoundError:
            pass
        self.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            return path.read_text().strip()
        value = make()
        with os.fdopen(fd, "w") as f:
            f.write(value)
        return value

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        values: dict = {}
        ints = {
            "session_idle_minutes", "session_max_hours", "login_max_failures", "login_max_failures_per_client",
            "login_window_seconds", "photo_max_bytes", "photo_max_pixels", "checkin_far_meters", "port",
            "db_pool_size", "argon2_memory_kib", "argon2_time_cost", "patrol_retention_days", "person_retention_days",
            "notification_retention_days", "history_retention_days", "login_concurrency", "login_queue",
            "login_queue_seconds", "major_extension_days",
        }
        bools = {"s3_secure", "cookie_secure", "run_scheduler"}
        paths = {"data_dir", "pwa_dir", "schemas_dir"}
        for name in cls.__dataclass_fields__:
            if name == "extra":
                continue
            raw = env.get(f"XUNJIAN_{name.upper()}")
            if raw is None or raw == "":
                continue
            try:
                if name in ints:
                    values[name] = int(raw)
                elif name in bools:
                    values[name] = _bool(raw)
                elif name in paths:
                    values[name] = Path(raw)
                elif name == "trusted_proxies":
                    values[name] = parse_networks(raw)
                elif name == "two_inspectors_kinds":
                    values[name] = parse_kinds(raw)
                else:
                    values[name] = raw
            except ValueError as exc:
                raise ConfigError(f"XUNJIAN_{name.upper()}={raw!r} is not valid: {exc}") from exc
        values["extra"] = {k: v for k, v in env.items() if k.startswith("XUNJIAN_")}
        settings = cls(**values)
        if settings.database_url and not (
            settings.is_postgres or settings.database_url.startswith("sqlite:")
        ):
            raise ConfigError("XUNJIAN_DATABASE_URL must start with postgresql:// or sqlite:///")
        for name in ("patrol_retention_days", "person_retention_days", "notification_retention_days",
                     "history_retention_days"):
            # Zero or less would purge everything the job touches on its next run.
            if getattr(settings, name) < 1:
                raise ConfigError(f"XUNJIAN_{name.upper()}={getattr(settings, name)} is not valid: at least 1 day")
        for name, least in (("login_concurrency", 1), ("login_queue", 0), ("login_queue_seconds", 1),
                            ("major_extension_days", 1)):
            if getattr(settings, name) < least:
                raise ConfigError(f"XUNJIAN_{name.upper()}={getattr(settings, name)} is not valid: at least {least}")
        return settings


def parse_kinds(raw: str) -> tuple[str, ...]:
    """A comma list of site kinds; "none" is the empty list (an empty variable means the default)."""
    kinds = tuple(sorted({part.strip() for part in raw.split(",") if part.strip()}))
    if kinds == ("none",):
        return ()
    from .sites.rules import KINDS

    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ValueError(f"unknown site kinds {unknown}; known: {sorted(KINDS)}")
    return kinds


def parse_networks(raw: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Comma-separated addresses or CIDRs (IPv4 or IPv6); a bare address is a network of one."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in raw.split(",") if part.strip())
