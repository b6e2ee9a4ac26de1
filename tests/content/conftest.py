"""tests/content uses the actors fixtures (one database per module and engine, services)."""

from tests.actors.conftest import author, engine, module_db, services

__all__ = ["author", "engine", "module_db", "services"]
