"""One detector module per MTA family; `registry.DETECTORS` is their explicit order.

Every module exposes `NAME` and `detect(ctx) -> list[Finding] | None`: None means "not mine",
a list (possibly empty) means the module recognised the message. Its docstring records the
MTA's quirks.
"""
