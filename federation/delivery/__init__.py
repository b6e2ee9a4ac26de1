"""Delivery: queueing an activity for its inboxes (`enqueue.py`), the `federation.deliver` job
that sends it (`job.py`), what a process keeps for it (`state.py`), per-host admission
(`slots.py`) and the other servers' health (`hosts.py`)."""

DELIVERY_KIND = "federation.deliver"
DELIVERY_QUEUE = "deliveries"
