"""Fixtures for interop tests: a real Fedify peer (Node) on a loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.interop.fedify_peer import FedifyPeer
from tests.interop.peer_process import PeerProcess


@pytest.fixture(scope="session")
def fedify_peer_process() -> Iterator[PeerProcess]:
    """One `node peer.mjs` for the whole session (startup is a few seconds: RSA-4096 keygen)."""
    process = PeerProcess.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
async def fedify_peer(fedify_peer_process: PeerProcess) -> AsyncIterator[FedifyPeer]:
    """The shared peer, reset before each test; its Fedify log is printed when a test fails."""
    if not fedify_peer_process.running:
        pytest.fail(f"the Fedify peer has exited:\n{fedify_peer_process.stderr_tail()}")
    peer = await FedifyPeer.connect(fedify_peer_process)
    try:
        await peer.reset()
        yield peer
        # Captured output is only shown for failing tests: Fedify's reasons for a 401 and such.
        print("--- Fedify peer log (last 80 lines) ---")
        print("\n".join((await peer.fedify_log())[-80:]))
        print("--- peer stderr ---")
        print(fedify_peer_process.stderr_tail(4000))
    finally:
        await peer.close()
