"""One detector module per MTA family; `registry.DETECTORS` is their explicit order.

Every module exposes `NAME` and `detect(ctx) -> list[Finding] | None`: None means "not mine",
a list (possibly empty) means the module recognised the message. Most modules are data: a
`family.Family` with the MTA's fingerprints (header names, X-Mailer, sender and subject
wordings, report markers), where its failure list starts, its boilerplate and its own wordings
per reason (phrase table); `detect = FAMILY.detect` then reads the report with the shared
free-text scan. Modules whose MTA needs more (Gmail's quoted reply, PowerMTA's bounce category,
AOL's bare screen names, SES's JSON notifications) add a few lines of their own. Each module's
docstring records that MTA's quirks. Adding an MTA: one module, one line in the registry, its
fixtures under tests/data/mail and its expectation table.
"""
