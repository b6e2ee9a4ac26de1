"""One module per activity type. A handler is `async (ctx: Incoming, activity) -> None`.

Handlers fetch what they need first (no transaction open), then write everything in
`ctx.transaction()`, which also marks the item processed. They raise typed errors
(`storage.errors`) for activities that cannot be applied; `inbox.process` records those.
"""
