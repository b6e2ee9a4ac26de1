"""The lock in requirements/ agrees with pyproject.toml on every Python Amity supports."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PYTHONS = ("3.11.0", "3.11.9", "3.12.7", "3.13.1")


def _pins(name: str, python: str) -> dict[str, Version]:
    """The pinned versions that the lock `name` installs on `python` (markers evaluated)."""
    pins: dict[str, Version] = {}
    for raw in (ROOT / "requirements" / name).read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        requirement, _, marker = line.partition(";")
        if marker.strip() and not Marker(marker).evaluate(_environment(python)):
            continue
        project, _, version = requirement.strip().partition("==")
        assert version, f"{name}: {raw!r} is not pinned with =="
        pins[canonicalize_name(project.split("[")[0])] = Version(version)
    return pins


def _environment(python: str) -> dict[str, str]:
    return {"python_full_version": python, "python_version": ".".join(python.split(".")[:2]),
            "sys_platform": "linux", "platform_system": "Linux", "implementation_name": "cpython",
            "platform_python_implementation": "CPython", "os_name": "posix", "platform_machine": "x86_64"}


def _declared(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = project["dependencies"] + (project["optional-dependencies"][extra] if extra else [])
    return [Requirement(text) for text in listed]


@pytest.mark.parametrize("python", PYTHONS)
@pytest.mark.parametrize(("lock", "extra"), [("runtime.txt", None), ("test.txt", "test")])
def test_every_declared_dependency_is_pinned_within_its_range(lock: str, extra: str | None,
                                                              python: str) -> None:
    pins = _pins(lock, python)
    for requirement in _declared(extra):
        if requirement.marker and not requirement.marker.evaluate(_environment(python)):
            continue
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in requirements/{lock} for {python}: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), \
            f"requirements/{lock} pins {name} {pins[name]}, outside {requirement.specifier}: run `make lock`"


@pytest.mark.parametrize("python", PYTHONS)
def test_the_test_lock_installs_the_runtime_versions(python: str) -> None:
    runtime, test = _pins("runtime.txt", python), _pins("test.txt", python)
    assert {name: test.get(name) for name in runtime} == runtime


def test_aiohttp_has_the_request_body_gzip_bomb_fix() -> None:
    """CVE-2025-69223: aiohttp before 3.13.3 inflates a compressed request body without a bound."""
    assert _pins("runtime.txt", "3.11.0")["aiohttp"] >= Version("3.13.3")
    aiohttp = next(r for r in _declared(None) if r.name == "aiohttp")
    assert not aiohttp.specifier.contains("3.13.2")
