"""Fixtures for tests/inbox/apply: the per-module databases of tests/actors (rows, no app)."""

from tests.actors.conftest import author, engine, module_db, services

__all__ = ["author", "engine", "module_db", "services"]
