"""RFC 3463 enhanced status codes and SMTP reply codes as reason evidence.

Owns two tables: what a specific status code says on its own (used when the diagnostic text
matches no phrase, or to break ties), and the status to report when a bounce carries none (the
`x.0.9xx` pseudo-codes, so results compare row by row with Sisimai's output).
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason

# RFC 3463 subject.detail -> reason. Codes whose meaning depends on the text (x.7.1, x.0.0,
# x.5.0) are absent on purpose.
STATUS_REASON: dict[str, Reason] = {
    "1.1": Reason.USER_UNKNOWN,
    "1.0": Reason.USER_UNKNOWN,
    "1.2": Reason.HOST_UNKNOWN,
    "1.3": Reason.USER_UNKNOWN,
    "1.4": Reason.USER_UNKNOWN,
    "1.6": Reason.HAS_MOVED,
    "1.7": Reason.REJECTED,
    "1.8": Reason.REJECTED,
    "1.10": Reason.NOT_ACCEPT,
    "2.0": Reason.FILTERED,
    "2.1": Reason.SUSPEND,
    "2.2": Reason.MAILBOX_FULL,
    "2.3": Reason.EXCEED_LIMIT,
    "2.4": Reason.SYSTEM_ERROR,
    "3.0": Reason.SYSTEM_ERROR,
    "3.1": Reason.SYSTEM_FULL,
    "3.2": Reason.NOT_ACCEPT,
    "3.3": Reason.SYSTEM_ERROR,
    "3.4": Reason.MESG_TOO_BIG,
    "3.5": Reason.SYSTEM_ERROR,
    "4.0": Reason.NETWORK_ERROR,
    "4.1": Reason.NETWORK_ERROR,
    "4.2": Reason.NETWORK_ERROR,
    "4.3": Reason.SYSTEM_ERROR,
    "4.4": Reason.HOST_UNKNOWN,
    "4.5": Reason.NETWORK_ERROR,
    "4.6": Reason.NETWORK_ERROR,
    "4.7": Reason.EXPIRED,
    "5.0": Reason.SYNTAX_ERROR,
    "5.1": Reason.SYNTAX_ERROR,
    "5.2": Reason.SYNTAX_ERROR,
    "5.3": Reason.SYNTAX_ERROR,
    "5.4": Reason.SYNTAX_ERROR,
    "6.0": Reason.CONTENT_ERROR,
    "6.1": Reason.CONTENT_ERROR,
    "7.25": Reason.REQUIRE_PTR,
    "7.26": Reason.AUTH_FAILURE,
    "7.27": Reason.NOT_ACCEPT,
    "7.23": Reason.AUTH_FAILURE,
    "7.24": Reason.AUTH_FAILURE,
    "7.20": Reason.AUTH_FAILURE,
    "7.7": Reason.POLICY_VIOLATION,
    "7.9": Reason.POLICY_VIOLATION,
    "7.0": Reason.SECURITY_ERROR,
    "7.8": Reason.SECURITY_ERROR,
    "7.13": Reason.SUSPEND,
    "7.606": Reason.BLOCKED,
    "7.509": Reason.AUTH_FAILURE,
    "7.515": Reason.AUTH_FAILURE,
    "4.316": Reason.EXPIRED,
    "4.312": Reason.NETWORK_ERROR,
}

# The status to report when the message carries none: x.0.9xx pseudo-codes by reason.
PSEUDO_STATUS: dict[Reason, str] = {
    Reason.UNDEFINED: "0.900",
    Reason.REQUIRE_PTR: "0.901",
    Reason.SYNTAX_ERROR: "0.902",
    Reason.NO_RELAYING: "0.909",
    Reason.FILTERED: "0.910",
    Reason.USER_UNKNOWN: "0.911",
    Reason.HOST_UNKNOWN: "0.912",
    Reason.REJECTED: "0.918",
    Reason.SUSPEND: "0.921",
    Reason.MAILBOX_FULL: "0.922",
    Reason.SYSTEM_ERROR: "0.930",
    Reason.NOT_ACCEPT: "0.932",
    Reason.MESG_TOO_BIG: "0.934",
    Reason.NETWORK_ERROR: "0.944",
    Reason.EXPIRED: "0.947",
    Reason.BLOCKED: "0.971",
    Reason.FAILED_STARTTLS: "0.976",
    Reason.SECURITY_ERROR: "0.970",
    Reason.SPAM_DETECTED: "0.980",
    Reason.VIRUS_DETECTED: "0.981",
    Reason.POLICY_VIOLATION: "0.972",
    Reason.AUTH_FAILURE: "0.974",
    Reason.MAILER_ERROR: "0.960",
    Reason.TOO_MANY_CONN: "0.920",
    Reason.SPEEDING: "0.920",
    Reason.CONTENT_ERROR: "0.960",
    Reason.SYSTEM_FULL: "0.940",
    Reason.HAS_MOVED: "0.916",
    Reason.EXCEED_LIMIT: "0.923",
    Reason.BAD_REPUTATION: "0.975",
    Reason.NOT_COMPLIANT_RFC: "0.960",
    Reason.ON_HOLD: "0.901",
}


def reason_of_status(status: str | None) -> Reason | None:
    """What a specific enhanced status code says by itself, or None when it is vague."""
    if not status:
        return None
    klass, _, rest = status.partition(".")
    if klass == "2":
        return Reason.DELIVERED
    found = STATUS_REASON.get(rest)
    if found is None and rest.startswith("1."):
        # Vendor details under x.1 (Office 365's 5.1.351 "unknown recipient") are address faults.
        return Reason.USER_UNKNOWN
    return found


def pseudo_status(reason: Reason, temporary: bool) -> str | None:
    code = PSEUDO_STATUS.get(reason)
    if code is None:
        return None
    return ("4." if temporary else "5.") + code
