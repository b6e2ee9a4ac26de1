"""Delivery: queueing an activity for its inboxes and the `federation.deliver` job that sends it
(`job.py`), what a process keeps for it, per-host admission included (`state.py`), and the
other servers' health (`hosts.py`)."""

DELIVERY_KIND = "federation.deliver"
DELIVERY_QUEUE = "deliveries"
