"""Node config: TOML plus AMITY_* variables, and one clear error per wrong value."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.config import ConfigError, build_config, load_config, render_toml

GOOD = {"domain": "social.example.org", "database_url": "sqlite+aiosqlite:///amity.db",
        "secret_key": "k" * 40}


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_defaults_are_https_and_loopback(tmp_path: Path) -> None:
    config = build_config(GOOD, base_dir=tmp_path)
    assert config.scheme == "https" and config.base_url == "https://social.example.org"
    assert config.listen_host == "127.0.0.1" and config.allowed_private_hosts == ()


def test_relative_sqlite_path_is_relative_to_the_config_file(tmp_path: Path) -> None:
    config = build_config(GOOD, base_dir=tmp_path)
    assert config.database_url == f"sqlite+aiosqlite:///{tmp_path}/amity.db"
    assert config.media_dir == str(tmp_path / "media")


def test_postgres_urls_use_asyncpg(tmp_path: Path) -> None:
    config = build_config({**GOOD, "database_url": "postgresql://u:p@db/amity"})
    assert config.database_url == "postgresql+asyncpg://u:p@db/amity"


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "amity.toml", render_toml(GOOD))
    config = load_config(path, environ={"AMITY_DOMAIN": "other.example", "AMITY_LISTEN_PORT": "9000",
                                        "AMITY_JOB_LEASE_SECONDS": "7",
                                        "AMITY_ALLOWED_PRIVATE_HOSTS": "127.0.0.1, ::1/128"})
    assert (config.domain, config.listen_port, config.limits.job_lease_seconds) == (
        "other.example", 9000, 7)
    assert config.allowed_private_hosts == ("127.0.0.1", "::1/128")


def test_smtp_comes_from_its_table_or_amity_smtp_variables_and_hides_its_password(tmp_path: Path) -> None:
    assert build_config(GOOD).smtp.enabled is False  # no host: e-mail is off
    path = _write(tmp_path / "amity.toml", render_toml(GOOD) + '[smtp]\nhost = "mail.example.org"\n')
    config = load_config(path, environ={"AMITY_SMTP_PORT": "465", "AMITY_SMTP_SECURITY": "tls",
                                        "AMITY_SMTP_PASSWORD": "hunter2-secret"})
    assert (config.smtp.host, config.smtp.port, config.smtp.security) == ("mail.example.org", 465, "tls")
    assert config.smtp.enabled and config.mail_from == "notifications@social.example.org"
    assert "hunter2-secret" not in repr(config)


def test_environment_alone_is_enough_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                    ) -> None:
    monkeypatch.chdir(tmp_path)
    env = {f"AMITY_{k.upper()}": str(v) for k, v in GOOD.items()}
    assert load_config(None, environ=env).domain == "social.example.org"


@pytest.mark.parametrize(("change", "message"), [
    ({"domain": ""}, "domain is missing: set it in the config file or AMITY_DOMAIN"),
    ({"domain": "https://x.org/"}, "domain 'https://x.org/' is not a host[:port]"),
    ({"scheme": "ftp"}, "scheme 'ftp' must be one of: https, http"),
    ({"listen_port": "eighty"}, "listen_port 'eighty' is not a whole number"),
    ({"listen_port": 70000}, "listen_port 70000 must be between 1 and 65535"),
    ({"database_url": "mysql://x"}, "database_url must start with"),
    ({"secret_key": "short"}, "secret_key must be at least 32 characters"),
    ({"allowed_private_hosts": ["10.0.0.0/33"]}, "allowed_private_hosts: '10.0.0.0/33' is not a valid CIDR"),
    ({"colour": "blue"}, "unknown key 'colour'"),
    ({"limits": {"max_status_chars": 0}}, "limits.max_status_chars 0 must be between"),
    ({"limits": {"nope": 1}}, "limits: unknown key 'nope'"),
    ({"smtp": {"security": "ssl"}}, "smtp.security 'ssl' must be one of: starttls, tls, none"),
    ({"smtp": {"hostname": "x"}}, "smtp: unknown key 'hostname'"),
    ({"smtp": {"from_address": "nobody"}}, "smtp.from_address 'nobody' is not an e-mail address"),
    ({"smtp": "mail.example.org"}, "smtp must be a table"),
])
def test_a_wrong_value_names_itself(change: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build_config({**GOOD, **change})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_malformed_toml_is_reported_with_the_file_name(tmp_path: Path) -> None:
    path = _write(tmp_path / "amity.toml", 'domain = "x\n')
    with pytest.raises(ConfigError, match=r"amity.toml: not valid TOML"):
        load_config(path, environ={})


def test_a_missing_explicit_file_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="run `amity init`"):
        load_config(tmp_path / "absent.toml", environ={})


def test_render_toml_round_trips(tmp_path: Path) -> None:
    values = {**GOOD, "allowed_private_hosts": ["127.0.0.0/8", "localhost"], "listen_port": 8081,
              "domain": 'quote"d'.replace('"', "")}
    path = _write(tmp_path / "amity.toml", render_toml(values))
    config = load_config(path, environ={})
    assert config.allowed_private_hosts == ("127.0.0.0/8", "localhost")
    assert config.listen_port == 8081


def test_non_config_amity_variables_are_ignored_but_typos_are_not(tmp_path: Path) -> None:
    path = _write(tmp_path / "amity.toml", render_toml(GOOD))
    config = load_config(path, environ={"AMITY_DEBUG": "1", "AMITY_TEST_POSTGRES": "x"})
    assert config.domain == "social.example.org"
    with pytest.raises(ConfigError, match="unknown key 'domian'"):
        load_config(path, environ={"AMITY_DOMIAN": "typo.example"})
