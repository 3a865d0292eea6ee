"""MX Logic (McAfee SaaS Email Protection).

Quirks: From MAILER-DAEMON@<n>.mxlogic.net; the text copies Exim's "This message was created
automatically by mail delivery software." and "The following address failed:" with `<user@host>:
550 unknown user`, or qmail's layout in older reports; X-MXL-Hash headers on the original.
"""

from __future__ import annotations

from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="mxlogic",
    senders=("mxlogic",),
    markers=("mxlogic.net", "mxl_mta"),
    start=("following address failed", "following address(es) failed"),
)

NAME = FAMILY.name
detect = FAMILY.detect
