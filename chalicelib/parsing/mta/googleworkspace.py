"""Google Workspace (G Suite) for a custom domain, when Google reports on mail sent through it.

Quirks: the same "** Message not delivered **" / "** Address not found **" layout as Gmail
(its server reply after "The response was:"), but From mailer-daemon@googlemail.com with
the message sent from a custom domain, and failures of Google's own sending policies: "'Send
mail as' ... misconfigured" (our sender alias), "Your message was blocked ... Google Workspace
admin" and "the group you tried to contact ... may not exist". No X-Failed-Recipients in some
forms: the recipient is only in the DSN part or the heading sentence.
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing import addresses
from chalicelib.parsing.context import Context
from chalicelib.parsing.findings import Finding
from chalicelib.parsing.mta.family import Family
from chalicelib.parsing.mta.gmail import server_reply

FAMILY = Family(
    name="googleworkspace",
    markers=("** message not delivered **", "google workspace", "g suite"),
    start=("** message not delivered **", "** address not found **"),
    phrases=(
        (Reason.REJECTED, r"send mail as|customfromdenied|smtp server does not advertise auth"),
        (Reason.POLICY_VIOLATION, r"blocked by your (?:google workspace )?admin"),
    ),
)

NAME = FAMILY.name


def detect(ctx: Context) -> list[Finding] | None:
    if not FAMILY.recognises(ctx):
        return None
    reply = server_reply(ctx.body)
    found = FAMILY.read(ctx)
    if not found:
        # The alias failures name nobody in the text: the original's recipients are ours.
        to = ctx.original_headers.get("to", "")
        found = [Finding(address=a) for a in addresses.find_all(to) if addresses.is_candidate(a)]
    heading = ctx.body.strip().split("\n\n", 2)
    own = FAMILY.reason_in(" ".join(heading[:2]) + " " + reply)
    out: list[Finding] = []
    for finding in found:
        quoted = finding.with_(diagnostic=reply or finding.diagnostic)
        out.append(quoted.with_(reason_hint=own.value) if own is not None else FAMILY.tidy(quoted))
    return out
