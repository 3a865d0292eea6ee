"""Role accounts and disposable domains, from the maintained lists vendored in data/.

- data/disposable_domains.txt: the disposable-email-domains blocklist (CC0-1.0 upstream, MIT
  as the PyPI package 0.0.293), 10,181 domains. A subdomain of a listed domain counts too
  (`x.mailinator.com`): such services hand out whole subtrees.
- data/role_local_parts.txt: mixmaxhq/role-based-email-addresses 3.1.0 (MIT), 1,018 local
  parts. Compared without case, and without a `+tag` suffix (`info+news`).

Each file's header names its source, version and licence; the LICENSE files beside them keep
the notices. Loaded once per process on first use (about 10 ms).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
DISPOSABLE_FILE = DATA / "disposable_domains.txt"
ROLE_FILE = DATA / "role_local_parts.txt"


def _read_list(path: Path) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


@cache
def disposable_domains() -> frozenset[str]:
    return _read_list(DISPOSABLE_FILE)


@cache
def role_local_parts() -> frozenset[str]:
    return _read_list(ROLE_FILE)


def is_disposable(domain: str) -> bool:
    """`domain` in A-labels, lowercase; true for a listed domain or any name below one."""
    listed = disposable_domains()
    labels = domain.split(".")
    return any(".".join(labels[i:]) in listed for i in range(len(labels) - 1))


def is_role(local: str) -> bool:
    """A local part that names a position or group (info@, sales@, noreply@)."""
    name = local.strip('"').lower()
    roles = role_local_parts()
    if name in roles:
        return True
    base = name.split("+", 1)[0]
    return base in roles
