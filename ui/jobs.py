"""The job kinds this node runs: every layer's handlers, registered in one place."""

from __future__ import annotations

from storage.probe import PROBE_KIND, run_probe
from storage.worker import Registry


def build_registry() -> Registry:
    registry = Registry()
    registry.register(PROBE_KIND, run_probe)
    return registry
