"""Node configuration: one frozen object, read from `amity.toml` and `AMITY_<KEY>` variables.

The node config is what an operator fixes before starting a process (domain, database,
listen address, secrets). Values that admins change while the node runs live in the
database instead (see `storage/settings.py`).
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from storage.domain_names import InvalidDomain, normalize_domain

DEFAULT_CONFIG_PATH = "amity.toml"
DEVELOPMENT_CONFIG_PATH = "data/amity.toml"  # the development node that `make run` initialises
ENV_PREFIX = "AMITY_"
# AMITY_* variables that are not node config: the config path, debugging, the test suite's own.
_NOT_CONFIG_ENV = ("AMITY_CONFIG", "AMITY_DEBUG", "AMITY_TEST_")


class ConfigError(Exception):
    """A node config value is missing or wrong; the message names it and says what to do."""


@dataclass(frozen=True)
class Limits:
    """Hard limits enforced by the server (reported truthfully to clients)."""

    max_request_bytes: int = 1_048_576  # inbox and API bodies other than uploads
    max_upload_bytes: int = 41_943_040  # media uploads (40 MiB, as Mastodon's video cap)
    max_image_bytes: int = 16_777_216  # an image upload or cached remote image (16 MiB, as Mastodon)
    max_image_pixels: int = 40_000_000  # width x height, checked from the header before decoding
    max_media_description_chars: int = 1500  # alt text
    max_media_attachments: int = 4  # per local status
    # Video and audio uploads (transcoded with ffmpeg); Mastodon's frame size and rate limits.
    max_video_pixels: int = 8_294_400  # width x height of a frame (3840x2160)
    max_video_frame_rate: int = 120
    max_video_seconds: int = 300
    max_audio_seconds: int = 3600
    media_transcode_seconds: int = 120  # one conversion; kept under the job's deadline (lease)
    max_fetch_bytes: int = 2_097_152  # one remote document fetched by the node
    max_status_chars: int = 5000
    poll_max_options: int = 4  # Mastodon's limits for polls, reported to apps
    poll_max_option_chars: int = 50
    poll_min_expiration: int = 300  # seconds (5 minutes)
    poll_max_expiration: int = 2_592_000  # seconds (30 days)
    # Scheduled posts, as Mastodon: at least this far ahead (seconds), at most so many waiting
    # per member, and at most so many due on one day.
    min_schedule_seconds: int = 300
    max_scheduled_statuses: int = 300
    max_scheduled_statuses_per_day: int = 25
    job_lease_seconds: int = 300  # how long a claimed job is hidden from other workers
    job_batch_size: int = 100  # jobs claimed per statement
    worker_concurrency: int = 100  # jobs run at once per worker process (>= job_batch_size)
    password_checks_at_once: int = 2  # scrypt hashes per web process at once (16 MiB, ~50 ms each)
    password_checks_queued: int = 32  # sign-ins waiting for one; more get 503 with Retry-After
    # Outbound fetches: one deadline (seconds) for all of a request: connection, answer, body, redirects.
    fetch_deadline_seconds: int = 20  # a remote document, page or media file
    key_fetch_deadline_seconds: int = 5  # a fetch made while verifying an inbound signature
    # Fetches made while verifying inbound signatures (keys and their owners), per process.
    verify_fetch_connections: int = 16  # their own connections, apart from deliveries and other fetches
    verify_fetches_per_origin: int = 4  # at once, per remote host
    verify_fetches_per_origin_per_minute: int = 60  # per remote host; more are refused (429)
    failed_key_memory_seconds: int = 60  # a key that could not be fetched is not fetched again for this long
    # A suspended local account's data is deleted (and its Delete sent) this long after the
    # suspension; unsuspending before then restores everything (30 days, as Mastodon).
    suspension_grace_seconds: int = 2_592_000
    # An admin's keyword pattern (`amity policy`) may run this long on one post; past it, it
    # counts as no match and is logged.
    policy_pattern_ms: int = 50


SMTP_SECURITY = ("starttls", "tls", "none")


@dataclass(frozen=True)
class Smtp:
    """Where the node sends e-mail (confirmations, password resets). No host: e-mail is off."""

    host: str = ""
    port: int = 587
    username: str = ""
    password: str = field(default="", repr=False)  # never printed with the config
    from_address: str = ""  # default: notifications@<domain>
    security: str = "starttls"  # starttls (port 587), tls (port 465), none (local relay only)
    timeout_seconds: int = 30

    @property
    def enabled(self) -> bool:
        return bool(self.host)


@dataclass(frozen=True)
class NodeConfig:
    domain: str
    database_url: str
    secret_key: str
    scheme: str = "https"
    listen_host: str = "127.0.0.1"
    listen_port: int = 8080
    media_dir: str = "media"
    allowed_private_hosts: tuple[str, ...] = ()
    # Reverse proxies whose X-Forwarded-For is believed (CIDRs). Empty: none, not even loopback.
    trusted_proxies: tuple[str, ...] = ()
    log_level: str = "info"
    log_format: str = "json"  # "json" or "text"
    # API key for the instance setting `translation_url` (a secret: never logged or shown).
    translation_api_key: str = field(default="", repr=False)
    limits: Limits = field(default_factory=Limits)
    smtp: Smtp = field(default_factory=Smtp)

    @property
    def mail_from(self) -> str:
        return self.smtp.from_address or f"notifications@{self.domain.split(':')[0]}"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.domain}"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


_REQUIRED = ("domain", "database_url", "secret_key")
_LIMIT_KEYS = {f.name for f in fields(Limits)}
_SMTP_KEYS = {f.name for f in fields(Smtp)}


def load_config(path: str | os.PathLike[str] | None = None,
                environ: Mapping[str, str] | None = None) -> NodeConfig:
    """Read the node config from a TOML file (if present) and the environment.

    `path=None` means `$AMITY_CONFIG`, else `./amity.toml`, else `./data/amity.toml` (so the
    CLI finds `make run`'s node from the repository root). A missing file is allowed only when
    the environment supplies every required key.
    """
    environ = os.environ if environ is None else environ
    explicit = path is not None or "AMITY_CONFIG" in environ
    config_path = Path(path or environ.get("AMITY_CONFIG") or found_config_path())
    raw: dict[str, Any] = {}
    if config_path.exists():
        raw = _read_toml(config_path)
    elif explicit:
        raise ConfigError(f"config file {config_path} not found: run `amity init` or pass --config")
    raw = _apply_environment(raw, environ)
    base_dir = config_path.resolve().parent if config_path.exists() else Path.cwd()
    source = str(config_path) if config_path.exists() else (
        f"no {DEFAULT_CONFIG_PATH} or {DEVELOPMENT_CONFIG_PATH} here (pass --config or set AMITY_CONFIG)")
    return build_config(raw, base_dir=base_dir, source=source)


def found_config_path() -> Path:
    """The config file used when none is named: ./amity.toml, or the development node's."""
    for candidate in (DEFAULT_CONFIG_PATH, DEVELOPMENT_CONFIG_PATH):
        if Path(candidate).exists():
            return Path(candidate)
    return Path(DEFAULT_CONFIG_PATH)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None


def _apply_environment(raw: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    merged = dict(raw)
    limits = dict(merged.get("limits", {}))
    smtp = dict(merged.get("smtp", {}))
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name.startswith(_NOT_CONFIG_ENV):
            continue
        key = name[len(ENV_PREFIX):].lower()
        if key in _LIMIT_KEYS:
            limits[key] = value
        elif key.startswith("smtp_") and key[len("smtp_"):] in _SMTP_KEYS:  # AMITY_SMTP_HOST, ...
            smtp[key[len("smtp_"):]] = value
        elif key in ("allowed_private_hosts", "trusted_proxies"):
            merged[key] = [h.strip() for h in value.split(",") if h.strip()]
        else:
            merged[key] = value
    if limits:
        merged["limits"] = limits
    if smtp:
        merged["smtp"] = smtp
    return merged


def build_config(raw: Mapping[str, Any], *, base_dir: Path | None = None,
                 source: str = "config") -> NodeConfig:
    """Validate raw values into a NodeConfig; every error names the key at fault."""
    known = {f.name for f in fields(NodeConfig)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"{source}: unknown key {unknown[0]!r} (known keys: {', '.join(sorted(known))})")
    for key in _REQUIRED:
        if not raw.get(key):
            env = ENV_PREFIX + key.upper()
            raise ConfigError(f"{source}: {key} is missing: set it in the config file or {env}")
    values: dict[str, Any] = {}
    values["scheme"] = _choice("scheme", str(raw.get("scheme", "https")), ("https", "http"))
    values["domain"] = _domain(str(raw["domain"]), values["scheme"])
    values["database_url"] = _database_url(str(raw["database_url"]), base_dir)
    values["secret_key"] = _secret(str(raw["secret_key"]))
    values["listen_host"] = str(raw.get("listen_host", "127.0.0.1"))
    values["listen_port"] = _int("listen_port", raw.get("listen_port", 8080), 1, 65535)
    media = Path(str(raw.get("media_dir", "media")))
    values["media_dir"] = str(media if media.is_absolute() or base_dir is None else base_dir / media)
    values["allowed_private_hosts"] = _private_hosts(raw.get("allowed_private_hosts", ()))
    values["trusted_proxies"] = _networks(raw.get("trusted_proxies", ()))
    values["log_level"] = _choice("log_level", str(raw.get("log_level", "info")).lower(),
                                  ("debug", "info", "warning", "error"))
    values["log_format"] = _choice("log_format", str(raw.get("log_format", "json")), ("json", "text"))
    values["translation_api_key"] = str(raw.get("translation_api_key", ""))
    values["limits"] = _limits(raw.get("limits", {}))
    values["smtp"] = _smtp(raw.get("smtp", {}))
    return NodeConfig(**values)


def _domain(value: str, scheme: str) -> str:
    """The canonical spelling (`Social.Example.org.:443` is `social.example.org`), as every
    domain is compared."""
    try:
        return normalize_domain(value.strip(), scheme=scheme)
    except InvalidDomain:
        raise ConfigError(f"domain {value!r} is not a host[:port] such as social.example.org") from None


def _choice(key: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(f"{key} {value!r} must be one of: {', '.join(allowed)}")
    return value


def _int(key: str, value: Any, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key} {value!r} is not a whole number") from None
    if not low <= number <= high:
        raise ConfigError(f"{key} {number} must be between {low} and {high}")
    return number


def _database_url(value: str, base_dir: Path | None) -> str:
    if value.startswith(("sqlite:", "sqlite+aiosqlite:")):
        path = value.split(":///", 1)[1] if ":///" in value else ""
        if not path:
            raise ConfigError(f"database_url {value!r}: write sqlite+aiosqlite:///path/to/amity.db")
        if path != ":memory:" and not Path(path).is_absolute() and base_dir is not None:
            path = str(base_dir / path)
        return f"sqlite+aiosqlite:///{path}"
    if value.startswith(("postgresql:", "postgres:", "postgresql+asyncpg:")):
        rest = value.split("://", 1)[1] if "://" in value else ""
        if not rest:
            raise ConfigError(f"database_url {value!r}: write postgresql://user:password@host/dbname")
        return f"postgresql+asyncpg://{rest}"
    raise ConfigError("database_url must start with sqlite+aiosqlite:/// or postgresql://")


def _secret(value: str) -> str:
    if len(value) < 32:
        raise ConfigError("secret_key must be at least 32 characters: `amity init` writes a random one")
    return value


def _private_hosts(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    hosts = []
    for item in value:
        text = str(item).strip().lower()
        if "/" in text:
            try:
                ipaddress.ip_network(text, strict=False)
            except ValueError:
                raise ConfigError(f"allowed_private_hosts: {item!r} is not a valid CIDR") from None
        hosts.append(text)
    return tuple(hosts)


def _networks(value: Any) -> tuple[str, ...]:
    """trusted_proxies: addresses or CIDRs, kept in their normal form (10.0.0.0/8, ::1/128)."""
    if isinstance(value, str):
        value = [value]
    networks = []
    for item in value:
        try:
            networks.append(str(ipaddress.ip_network(str(item).strip(), strict=False)))
        except ValueError:
            raise ConfigError(f"trusted_proxies: {item!r} is not an IP address or CIDR "
                              "such as 10.0.0.0/8") from None
    return tuple(networks)


def _limits(value: Any) -> Limits:
    if not isinstance(value, Mapping):
        raise ConfigError("limits must be a table, e.g. [limits] max_request_bytes = 1048576")
    unknown = sorted(set(value) - _LIMIT_KEYS)
    if unknown:
        raise ConfigError(f"limits: unknown key {unknown[0]!r}")
    limits = Limits(**{k: _int(f"limits.{k}", v, 1, 2**40) for k, v in value.items()})
    if limits.poll_max_options < 2:
        raise ConfigError("limits.poll_max_options must be at least 2: a poll has two options or more")
    if limits.poll_min_expiration > limits.poll_max_expiration:
        raise ConfigError("limits.poll_min_expiration must not exceed limits.poll_max_expiration")
    return limits


def _smtp(value: Any) -> Smtp:
    if not isinstance(value, Mapping):
        raise ConfigError('smtp must be a table, e.g. [smtp] host = "mail.example.org"')
    unknown = sorted(set(value) - _SMTP_KEYS)
    if unknown:
        raise ConfigError(f"smtp: unknown key {unknown[0]!r} (known keys: {', '.join(sorted(_SMTP_KEYS))})")
    from_address = str(value.get("from_address", "")).strip()
    if from_address and "@" not in from_address:
        raise ConfigError(f"smtp.from_address {from_address!r} is not an e-mail address")
    return Smtp(
        host=str(value.get("host", "")).strip(),
        port=_int("smtp.port", value.get("port", 587), 1, 65535),
        username=str(value.get("username", "")),
        password=str(value.get("password", "")),
        from_address=from_address,
        security=_choice("smtp.security", str(value.get("security", "starttls")), SMTP_SECURITY),
        timeout_seconds=_int("smtp.timeout_seconds", value.get("timeout_seconds", 30), 1, 600),
    )


def render_toml(values: Mapping[str, Any]) -> str:
    """Write a minimal TOML file for `amity init` (flat keys, strings, ints, string lists)."""
    lines = ["# Amity node config. Values here can be overridden by AMITY_<KEY> variables.",
             "# Admin-editable instance settings live in the database: `amity settings`."]
    for key, value in values.items():
        lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
