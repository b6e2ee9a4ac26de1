"""Plain `async def f(session, ...)` read and write helpers shared by the upper layers."""
