"""Docker cannot run here, so check that the compose file and image agree with the CLI and config."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
import yaml

from storage.config import Limits, NodeConfig, load_config
from ui.cli import build_parser

DOCKER = Path(__file__).resolve().parents[1] / "docker"
CONFIG_KEYS = {f.name for f in fields(NodeConfig)} | {f.name for f in fields(Limits)} | {"config"}


def _compose() -> dict[str, Any]:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


def _amity_services() -> dict[str, dict[str, Any]]:
    return {name: svc for name, svc in _compose()["services"].items() if svc.get("image") == "amity:latest"}


def _env_files() -> dict[str, str]:
    values = {}
    for line in (DOCKER / "amity.env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


def test_compose_runs_a_web_and_a_worker_process() -> None:
    commands = {name: svc["command"] for name, svc in _amity_services().items()}
    assert commands == {"web": ["amity", "serve", "--no-workers"], "worker": ["amity", "worker"]}


@pytest.mark.parametrize("service", ["web", "worker"])
def test_each_command_parses_with_the_real_cli(service: str) -> None:
    command = _amity_services()[service]["command"]
    assert command[0] == "amity"
    args = build_parser().parse_args(command[1:])
    assert args.command == command[1]


def test_every_amity_variable_is_a_config_key() -> None:
    names = set(_env_files())
    for svc in _amity_services().values():
        names |= set(svc.get("environment", {}))
    dockerfile = (DOCKER / "Dockerfile").read_text()
    names |= set(re.findall(r"\b(AMITY_[A-Z_]+)=", dockerfile))
    assert names, "no AMITY_ variables found"
    unknown = {n for n in names if n.startswith("AMITY_") and n[6:].lower() not in CONFIG_KEYS}
    assert unknown == set()


def test_the_environment_alone_makes_a_valid_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = {**_env_files(), "AMITY_DATABASE_URL": "postgresql://amity:amity@postgres/amity"}
    dockerfile = (DOCKER / "Dockerfile").read_text()
    env |= dict(re.findall(r"\b(AMITY_[A-Z_]+)=(\S+)", dockerfile))
    config = load_config(None, environ=env)
    assert config.database_url.startswith("postgresql+asyncpg://")
    assert config.listen_host == "0.0.0.0"


def test_the_image_runs_as_a_non_root_user() -> None:
    dockerfile = (DOCKER / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
