"""Address re-check (issue 14): is an address worth sending to, judged by DNS alone.

Pure core: syntax.py (RFC 5321/5322 mailbox, IDNA), lists.py (role and disposable lists in
data/), typos.py (big providers' domains), verdicts.py (rules and plain words), model.py (the
answer contract). Services over ports.py: service.py (one call of up to 1,000 addresses),
cache.py (per run and across runs, by TTL), nightly.py (the resumable nightly run). Adapters
live in chalicelib/net/. Rebound never probes mail servers: see docs/recheck.md.
"""
