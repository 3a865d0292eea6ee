"""Generic Windows SMTP servers of the SMTP32 lineage and the "MDaemon" family.

Quirks: "X-Mailer: <SMTP32 v...>" (Ipswitch, covered by imailserver) or "MDaemon" headers;
MDaemon writes "The following addresses were not valid" / "Message was not delivered" with
`--- Session Transcript ---` and the remote reply, and delivers warnings with subject
"Warning: Message delivery delayed".
"""

from __future__ import annotations

from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="smtp32",
    headers=("x-mdaemon-deliver-to", "x-mdremoteip"),
    markers=("--- session transcript ---", "mdaemon"),
    start=("session transcript", "were not valid"),
)

NAME = FAMILY.name
detect = FAMILY.detect
