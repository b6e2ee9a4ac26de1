"""The model of what other servers send, applied to rows: posts, reactions, media, polls.

Handlers decide whom to believe; these modules turn already-trusted AS2 objects into rows,
in the caller's transaction, idempotently (`statuses`, `tags`, `media`, `polls`, `reactions`).
"""
