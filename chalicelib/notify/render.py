"""Digests and alerts as email: a plain-text part and an HTML part for each.

The HTML is built for mail clients, not browsers: tables for layout, every style inline, no
<style> or <script>, no images, no web fonts, system font stacks, a single 640px column that
shrinks on a phone. Bounce text (addresses, diagnostics, subjects, senders) is hostile input:
every value reaches the HTML through `_e` (html.escape with quotes) and every link is built from
our own base URL with urlencoded parameters, never taken from bounce data.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from chalicelib.classification.labels import reason_label
from chalicelib.notify.digest import MAX_INBOUND, StaffDigest, TenantDigest
from chalicelib.notify.model import Alert, DomainVolume, Severity

INK = "#111827"
MUTED = "#4b5563"
LINE = "#e5e7eb"
ACCENT = "#1d4ed8"
WARN = "#b45309"
CRITICAL = "#b91c1c"
FONT = "-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"
MAX_DIAGNOSTIC = 160


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def report_link(base: str, **params: str | int) -> str:
    """A deep link into the report page: the page reads its view from the URL hash
    (chalicelib/web/app.js readLink), so filters go after '#', never in the query."""
    query = urlencode({k: str(v) for k, v in params.items() if v not in ("", None)})
    return f"{base.split('#', 1)[0]}#{query}"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _pct(rate: float | None) -> str:
    if rate is None:
        return "n/a"
    percent = rate * 100
    return f"{percent:.2f}%" if percent < 1 else f"{percent:.1f}%"


def _clip(text: str, limit: int = MAX_DIAGNOSTIC) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _when(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%d %b %Y %H:%M")


def _period(since: datetime, until: datetime, zone: str) -> str:
    return f"{_when(since, zone)} to {_when(until, zone)} ({zone})"


# -- HTML building blocks --------------------------------------------------------------------


def _page(title: str, preheader: str, header: str, body: Iterable[str], footer: str) -> str:
    return "".join(
        [
            "<!DOCTYPE html>\n",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="color-scheme" content="light only">',
            f"<title>{_e(title)}</title></head>\n",
            f'<body style="margin:0;padding:0;background:#f3f4f6;color:{INK};">\n',
            # The preheader: the line mail clients show beside the subject in the inbox.
            f'<div style="display:none;max-height:0;overflow:hidden;">{_e(preheader)}</div>\n',
            '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
            'style="background:#f3f4f6;"><tr><td align="center" style="padding:24px 8px;">\n',
            '<table role="presentation" width="640" cellpadding="0" cellspacing="0" border="0" '
            f'style="width:100%;max-width:640px;background:#ffffff;border:1px solid {LINE};'
            f'border-radius:6px;font-family:{FONT};font-size:14px;line-height:1.45;color:{INK};">\n',
            header,
            *body,
            f'<tr><td style="padding:16px 24px 24px;border-top:1px solid {LINE};font-size:12px;'
            f'color:{MUTED};">{footer}</td></tr>\n',
            "</table>\n</td></tr></table>\n</body></html>\n",
        ]
    )


def _header(kicker: str, title: str, sub: str, colour: str = ACCENT) -> str:
    return (
        f'<tr><td style="padding:20px 24px 12px;border-top:4px solid {colour};'
        'border-radius:6px 6px 0 0;">'
        f'<div style="font-size:12px;letter-spacing:0.04em;text-transform:uppercase;'
        f'color:{MUTED};">{_e(kicker)}</div>'
        f'<h1 style="margin:4px 0 4px;font-size:22px;line-height:1.25;font-weight:700;">'
        f"{_e(title)}</h1>"
        f'<div style="font-size:13px;color:{MUTED};">{_e(sub)}</div></td></tr>\n'
    )


def _tiles(tiles: Sequence[tuple[str, str, str]]) -> str:
    """Key figures side by side: (figure, label, note)."""
    width = 100 // max(len(tiles), 1)
    cells = "".join(
        f'<td width="{width}%" valign="top" style="padding:12px;border:1px solid {LINE};'
        f'border-radius:4px;background:#f9fafb;">'
        f'<div style="font-size:24px;font-weight:700;line-height:1.1;">{_e(figure)}</div>'
        f'<div style="font-size:12px;color:{MUTED};">{_e(label)}</div>'
        + (f'<div style="font-size:12px;color:{MUTED};">{_e(note)}</div>' if note else "")
        + "</td>"
        for figure, label, note in tiles
    )
    return (
        '<tr><td style="padding:8px 24px 4px;"><table role="presentation" width="100%" '
        'cellpadding="0" cellspacing="6" border="0" style="border-collapse:separate;">'
        f"<tr>{cells}</tr></table></td></tr>\n"
    )


def _section(title: str, intro: str, rows: str, link: str = "", link_text: str = "") -> str:
    parts = [
        '<tr><td style="padding:16px 24px 4px;">',
        f'<h2 style="margin:0 0 4px;font-size:16px;font-weight:700;">{_e(title)}</h2>',
    ]
    if intro:
        parts.append(f'<p style="margin:0 0 8px;color:{MUTED};font-size:13px;">{_e(intro)}</p>')
    parts.append(rows)
    if link:
        parts.append(
            f'<p style="margin:8px 0 0;"><a href="{_e(link)}" style="color:{ACCENT};'
            f'font-weight:600;text-decoration:underline;">{_e(link_text)}</a></p>'
        )
    parts.append("</td></tr>\n")
    return "".join(parts)


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], align: Sequence[str] = ()) -> str:
    """A data table; cells arrive already escaped (they may hold small inline markup)."""
    if not rows:
        return ""
    aligns = list(align) + ["left"] * (len(head) - len(align))
    th = "".join(
        f'<th align="{a}" style="padding:6px 8px;border-bottom:2px solid {LINE};font-size:12px;'
        f'color:{MUTED};font-weight:600;text-align:{a};">{_e(h)}</th>'
        for h, a in zip(head, aligns, strict=True)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td align="{a}" valign="top" style="padding:6px 8px;border-bottom:1px solid {LINE};'
            f'text-align:{a};word-break:break-word;">{cell}</td>'
            for cell, a in zip(row, aligns, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    return (
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        f'style="border-collapse:collapse;font-size:13px;"><tr>{th}</tr>{body}</table>'
    )


def _nowrap(text: object) -> str:
    # Reason names are single words: never broken mid-word in a narrow column.
    return f'<span style="white-space:nowrap;">{_e(text)}</span>'


def _small(text: str) -> str:
    return f'<div style="font-size:12px;color:{MUTED};">{_e(text)}</div>'


def _mono(text: str) -> str:
    return f'<span style="font-family:Menlo,Consolas,monospace;font-size:12px;">{_e(text)}</span>'


def _rate_cell(rate: float | None, warn: float, critical: float) -> str:
    colour = CRITICAL if (rate or 0) >= critical else WARN if (rate or 0) >= warn else INK
    return f'<strong style="color:{colour};">{_e(_pct(rate))}</strong>'


def _plain_section(title: str, lines: Sequence[str], link: str = "") -> list[str]:
    out = [title, "-" * len(title), *lines]
    if link:
        out.append(f"Open in the report: {link}")
    out.append("")
    return out


# -- the tenant digest -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Links:
    """The report's links a tenant digest points at (every one built from our own base URL)."""

    report_url: str
    tenant: str
    day: str  # the period's first day: "new since" filters start there

    def to(self, **params: str | int) -> str:
        return report_link(self.report_url, tenant=self.tenant, **params)


Section = tuple[str, list[str]]  # the HTML part and the plain-text lines of one digest section


def _trend(d: TenantDigest) -> str:
    share, previous = d.invalid.share, d.invalid.previous
    if share is None:
        return "contact count unknown"
    if previous is None:
        return "first figure"
    if abs(share - previous) < 0.00005:
        return f"unchanged since the last digest ({_pct(previous)})"
    direction = "up" if share > previous else "down"
    return f"{direction} from {_pct(previous)} at the last digest"


def _nothing_section(d: TenantDigest, links: _Links) -> Section | None:
    if not d.is_empty:
        return None
    return (
        _section(
            "Nothing bounced",
            "No new bounces, suppressions or sends over the alert levels in this period.",
            "",
        ),
        ["Nothing bounced in this period. Nothing to fix.", ""],
    )


def _blocklist_section(d: TenantDigest, links: _Links) -> Section | None:
    """Signs of being blocked: which receiving domains named which blocklist."""
    if not d.blocklisted:
        return None
    link = links.to(view="stats")
    title = "Signs of being blocked"
    intro = (
        "Receiving servers refused our mail because a blocklist lists our sending server. This "
        "is about our server, not the addresses: they are not marked invalid. Rebound's staff "
        "are alerted too."
    )
    rows = [[_e(b.domain), _e(f"our server is {b.listed}"), _e(b.addresses)] for b in d.blocklisted]
    html_part = _section(
        title,
        intro,
        _table(["receiving domain", "what it said", "addresses"], rows, ["left", "left", "right"]),
        link,
        "Open the statistics in the report",
    )
    text_part = _plain_section(
        title,
        [
            f"  {b.domain}: our server is {b.listed} ({b.addresses} "
            f"address{'' if b.addresses == 1 else 'es'} refused)"
            for b in d.blocklisted
        ],
        link,
    )
    return html_part, text_part


def _sends_section(d: TenantDigest, links: _Links) -> Section | None:
    """Sends whose hard-bounce rate reached the warn level."""
    if not d.sends:
        return None
    title = "Sends over the bounce-rate levels"
    rows = [
        [
            _mono(s.send_id),
            _e(s.source or "-"),
            _e(s.recipients),
            _e(s.hard),
            _rate_cell(s.hard_rate, d.warn_rate, d.critical_rate),
        ]
        for s in d.sends
    ]
    intro = (
        f"Hard bounces per recipient at or above {_pct(d.warn_rate)} (mail providers start "
        f"filtering) or {_pct(d.critical_rate)} (SES reviews the account). Clean the list "
        "before the next send."
    )
    head = ["send", "source", "recipients", "hard", "rate"]
    return (
        _section(title, intro, _table(head, rows, ["left", "left", "right", "right", "right"])),
        _plain_section(
            title,
            [
                f"  {s.send_id}  {s.source or '-'}  {s.hard} hard of {s.recipients}"
                f"  {_pct(s.hard_rate)}"
                for s in d.sends
            ],
        ),
    )


def _complaint_section(d: TenantDigest, links: _Links) -> Section | None:
    """Spam complaints: each recent send's rate and the tenant's rate (complaints never count
    as bounces; the complainers are suppressed by the tenant's policy)."""
    if not d.complaint_sends:
        return None
    t = d.complaints
    intro = (
        f"Recipients who reported our mail as spam. Gmail asks bulk senders to stay below "
        f"{_pct(d.complaint_warn)} and never reach {_pct(d.complaint_critical)}; Yahoo names the "
        f"same ceiling. Your rate over the last 30 days: {_pct(t.rate)} ({t.complaints} "
        f"complaints among {t.recipients} recipients of {t.sends} reported sends)."
    )
    rows = [
        [
            _mono(s.send_id),
            _e(s.source or "-"),
            _e(s.recipients if s.recipients is not None else "?"),
            _e(s.complaints),
            _rate_cell(s.complaint_rate, d.complaint_warn, d.complaint_critical),
        ]
        for s in d.complaint_sends
    ]
    link = links.to(category="complaint")
    html_part = _section(
        "Spam complaints",
        intro,
        _table(
            ["send", "source", "recipients", "complaints", "rate"],
            rows,
            ["left", "left", "right", "right", "right"],
        ),
        link,
        "See who complained",
    )
    text_part = _plain_section(
        "Spam complaints",
        [
            intro,
            *(
                f"  {s.send_id}  {s.source or '-'}  {s.complaints} of {s.recipients}"
                f"  {_pct(s.complaint_rate)}"
                for s in d.complaint_sends
            ),
        ],
        link,
    )
    return html_part, text_part


def _rising_section(d: TenantDigest, links: _Links) -> Section | None:
    """Addresses that keep bouncing: the first to fix."""
    if not d.rising:
        return None
    title, link = "Rising: fix these first", links.to(sort="rising")
    rows = [
        [
            _mono(c.address) + _small(_clip(c.diagnostic)),
            _nowrap(reason_label(c.reason)),
            _e(n),
            _e(c.bounce_count),
        ]
        for c, n in d.rising
    ]
    table = _table(
        ["address", "reason", "last 7 days", "total"], rows, ["left", "left", "right", "right"]
    )
    return (
        _section(
            title,
            "Addresses that bounced again and again in the last 7 days.",
            table,
            link,
            "Open the rising list in the report",
        ),
        _plain_section(
            title,
            [
                f"  {c.address}  {reason_label(c.reason)}  {n} in 7 days, {c.bounce_count} in all"
                for c, n in d.rising
            ],
            link,
        ),
    )


def _suppressed_section(d: TenantDigest, links: _Links) -> Section | None:
    """Addresses the sending system skips from now on."""
    if not d.suppressed:
        return None
    title, link = "Became suppressed", links.to(state="suppressed", last_from=links.day)
    rows = [
        [_mono(c.address), _nowrap(reason_label(c.reason)), _e(f"{c.last_bounce_at:%Y-%m-%d}")]
        for c in d.suppressed
    ]
    more = d.suppressed_total - len(d.suppressed)
    intro = (
        "The sending system skips these addresses from now on. Ask the members for a "
        "current address, then update the contact."
        + (f" {more} more in the report." if more > 0 else "")
    )
    return (
        _section(
            title,
            intro,
            _table(["address", "reason", "last bounce"], rows),
            link,
            "Open the suppressed addresses in the report",
        ),
        _plain_section(
            title,
            [f"  {c.address}  {reason_label(c.reason)}" for c in d.suppressed]
            + ([f"  ... and {more} more"] if more > 0 else []),
            link,
        ),
    )


def _new_section(d: TenantDigest, links: _Links) -> Section | None:
    """Addresses that bounced in the period, most bounces first."""
    if not d.new:
        return None
    title, link = "New bounces", links.to(last_from=links.day, sort="last_bounce")
    rows = [
        [
            _mono(c.address) + _small(_clip(c.diagnostic)),
            _nowrap(reason_label(c.reason)),
            _e(f"last bounced {c.last_bounce_at:%Y-%m-%d}, {c.bounce_count}×"),
        ]
        for c in d.new
    ]
    more = d.new_total - len(d.new)
    intro = "Addresses that bounced since the last digest, most bounces first." + (
        f" {more} more in the report." if more > 0 else ""
    )
    return (
        _section(
            title,
            intro,
            _table(["address", "reason", "when"], rows),
            link,
            "Open the new bounces in the report",
        ),
        _plain_section(
            title,
            [
                f"  {c.address}  {reason_label(c.reason)}  last bounced "
                f"{c.last_bounce_at:%Y-%m-%d}, {c.bounce_count} time(s)"
                for c in d.new
            ]
            + ([f"  ... and {more} more"] if more > 0 else []),
            link,
        ),
    )


def _reasons_section(d: TenantDigest, links: _Links) -> Section | None:
    """Each reason with what it means and what to do, linked to its filtered list."""
    if not d.reasons:
        return None
    title = "Why they bounced, and what to do"

    def reason_link(reason: str) -> str:
        return links.to(reason=reason, last_from=links.day)

    rows = [
        [
            f'<a href="{_e(reason_link(str(r.reason)))}" style="color:{ACCENT};">'
            f"{_nowrap(reason_label(r.reason))}</a>",
            _e(r.addresses),
            _e(r.explanation),
        ]
        for r in d.reasons
    ]
    head = ["reason", "addresses", "what it means and what to do"]
    lines = []
    for r in d.reasons:
        lines += [
            f"  {reason_label(r.reason)} ({r.addresses}): {r.explanation}",
            f"    {reason_link(str(r.reason))}",
        ]
    return (
        _section(title, "", _table(head, rows, ["left", "right"])),
        _plain_section(title, lines),
    )


def _domains_section(d: TenantDigest, links: _Links) -> Section | None:
    """Recipient domains by bounce rate (or by bounces until the MMS reports send sizes)."""
    if not d.domains:
        return None
    title = "Recipient domains by bounce rate"

    def domain(v: DomainVolume) -> str:
        return (
            f'<a href="{_e(links.to(domain=v.domain))}" style="color:{ACCENT};">{_e(v.domain)}</a>'
        )

    if d.domains_have_rates:
        head = ["domain", "recipients", "bounces", "rate"]
        rows = [
            [
                domain(v),
                _e(v.recipients),
                _e(v.bounces),
                _rate_cell(v.rate, d.warn_rate, d.critical_rate),
            ]
            for v in d.domains
        ]
        intro = "Bounces per recipient over the sends the MMS reported, highest first."
        plain = [
            f"  {v.domain}  {v.bounces} of {v.recipients}  {_pct(v.rate)}  "
            f"{links.to(domain=v.domain)}"
            for v in d.domains
        ]
    else:
        head = ["domain", "bounces", "hard"]
        rows = [[domain(v), _e(v.bounces), _e(v.hard)] for v in d.domains]
        intro = "Rates appear once the MMS reports send sizes; until then, most bounces first."
        plain = [
            f"  {v.domain}  {v.bounces} bounces, {v.hard} hard  {links.to(domain=v.domain)}"
            for v in d.domains
        ]
    table = _table(head, rows, ["left"] + ["right"] * (len(head) - 1))
    return (
        _section(title, intro, table, links.to(view="stats"), "Open the statistics"),
        _plain_section(title, [intro, *plain]),
    )


def _rechecks_section(d: TenantDigest, links: _Links) -> Section | None:
    """Addresses whose nightly DNS re-check changed its verdict (invalid ones first)."""
    if not d.rechecks_total:
        return None
    title = "Re-checked addresses that changed"
    more = d.rechecks_total - len(d.rechecks)
    intro = (
        f"{d.rechecks_total} suppressed or marked-good addresses got a new verdict from the "
        "nightly re-check (DNS only: the domain, its mail servers, disposable and role "
        "addresses)." + (f" The first {len(d.rechecks)} are listed." if more > 0 else "")
    )
    head = ["Address", "Now", "Before", "Why"]
    rows = [
        [_e(r.address), _e(r.verdict), _e(r.previous or "not checked"), _e(r.explanation)]
        for r in d.rechecks
    ]
    plain = [
        f"  {r.address}  {r.previous or 'not checked'} -> {r.verdict}: {r.explanation}"
        for r in d.rechecks
    ]
    return _section(title, intro, _table(head, rows)), _plain_section(title, [intro, *plain])


_TENANT_SECTIONS: tuple[Callable[[TenantDigest, _Links], Section | None], ...] = (
    _nothing_section,
    _blocklist_section,
    _sends_section,
    _complaint_section,
    _rising_section,
    _suppressed_section,
    _new_section,
    _reasons_section,
    _domains_section,
    _rechecks_section,
)


def render_tenant_digest(d: TenantDigest, report_url: str) -> RenderedMail:
    """The digest is a sequence of optional sections, in reading order, after the figures."""
    who = d.name or d.tenant
    period = _period(d.since, d.until, d.timezone)
    links = _Links(report_url, d.tenant, d.since.date().isoformat())
    subject = (
        f"Rebound digest for {who}: {d.new_total} new bounced address"
        f"{'' if d.new_total == 1 else 'es'}, {d.suppressed_total} suppressed"
    )
    share_text = _pct(d.invalid.share) if d.invalid.share is not None else "n/a"
    trend = _trend(d)

    text: list[str] = [
        f"Rebound bounce digest for {who}",
        period,
        "",
        f"New bounced addresses: {d.new_total} ({d.new_hard} hard)",
        f"Became suppressed (the MMS skips them now): {d.suppressed_total}",
        f"Invalid share of contacts: {share_text} ({d.invalid.invalid} invalid"
        + (f" of {d.invalid.contacts} contacts" if d.invalid.contacts else "")
        + f"; {trend})",
        "",
    ]
    body: list[str] = [
        _tiles(
            [
                (str(d.new_total), "new bounced addresses", f"{d.new_hard} hard"),
                (str(d.suppressed_total), "became suppressed", "the MMS skips them"),
                (share_text, "invalid share of contacts", trend),
            ]
        )
    ]
    for section in _TENANT_SECTIONS:
        if (part := section(d, links)) is not None:
            body.append(part[0])
            text += part[1]
    text += [f"The whole report: {links.to()}", "", _FOOTER_TEXT.format(tenant=d.tenant)]
    html_text = _page(
        subject,
        f"{d.new_total} new, {d.suppressed_total} suppressed, invalid share {share_text}",
        _header(f"Rebound bounce digest · {who}", f"{d.new_total} new bounced addresses", period),
        body,
        _footer(links.to()),
    )
    return RenderedMail(subject, "\n".join(text).rstrip() + "\n", html_text)


_FOOTER_TEXT = (
    "Sent by Rebound from a no-reply address: replies are not read. Change when this digest "
    "comes and who gets it in the report page, under Settings."
)


def _footer(link: str) -> str:
    return (
        f'<a href="{_e(link)}" style="color:{ACCENT};">Open the whole report</a><br>'
        "Sent by Rebound from a no-reply address: replies are not read. The schedule and the "
        "recipients are the tenant's notification settings."
    )


# -- the staff-wide digest -------------------------------------------------------------------


def render_staff_digest(d: StaffDigest, report_url: str) -> RenderedMail:
    period = _period(d.since, d.until, "UTC")
    busy = [t for t in d.tenants if t.new or t.worst_send or t.invalid_share]
    new_total = sum(t.new for t in d.tenants)
    subject = (
        f"Rebound staff digest: {new_total} new bounced addresses, "
        f"{d.quarantined_total} quarantined, {d.unparsed_total} unparsed"
    )
    text = ["Rebound staff digest (all tenants)", period, ""]
    body = [
        _tiles(
            [
                (
                    str(sum(t.new for t in d.tenants)),
                    "new bounced addresses",
                    f"{len(busy)} tenants",
                ),
                (_count(d.quarantined_total), "quarantined", "tag missing, expired or forged"),
                (_count(d.unparsed_total), "unparsed", "the parser could not read them"),
            ]
        )
    ]
    if busy:
        rows = []
        plain = []
        for t in busy[:15]:
            send = t.worst_send
            rows.append(
                [
                    f'<a href="{_e(report_link(report_url, tenant=t.tenant))}" '
                    f'style="color:{ACCENT};">{_e(t.tenant)}</a>'
                    + (_small("our server is " + ", ".join(t.listed)) if t.listed else ""),
                    _e(t.new),
                    _e(t.hard),
                    _e(_pct(t.invalid_share)),
                    (
                        _e(f"{_pct(send.hard_rate)} ({send.send_id})")
                        if send is not None
                        else _e("n/a")
                    ),
                ]
            )
            plain.append(
                f"  {t.tenant}  {t.new} new ({t.hard} hard)  invalid {_pct(t.invalid_share)}"
                + (f"  worst send {send.send_id} {_pct(send.hard_rate)}" if send else "")
                + (f"  our server is {', '.join(t.listed)}" if t.listed else "")
                + f"  {report_link(report_url, tenant=t.tenant)}"
            )
        body.append(
            _section(
                "Tenants with the worst rates",
                "Worst send hard-bounce rate or invalid share of contacts first.",
                _table(
                    ["tenant", "new", "hard", "invalid share", "worst send"],
                    rows,
                    ["left", "right", "right", "right", "right"],
                ),
            )
        )
        text += _plain_section("Tenants with the worst rates", plain)
    for title, records, total, what in (
        ("Quarantine", d.quarantined, d.quarantined_total, "the Staff view of the report page"),
        ("Unparsed mail", d.unparsed, d.unparsed_total, "the Staff view of the report page"),
    ):
        if not total:
            continue
        rows = [
            [
                _e(f"{r.received_at:%Y-%m-%d %H:%M}"),
                _e(_clip(r.problem, 80)) + _small(_clip(r.subject, 80)),
                _mono(_clip(r.sender, 60)),
            ]
            for r in records
        ]
        body.append(
            _section(
                f"{title}: {_count(total)} since the last digest",
                f"Kept, never counted. All of them: {what}.",
                _table(["received", "problem", "from"], rows),
            )
        )
        text += _plain_section(
            f"{title}: {_count(total)} since the last digest",
            [
                f"  {r.received_at:%Y-%m-%d %H:%M}  {_clip(r.problem, 80)}  {_clip(r.sender, 60)}"
                for r in records
            ]
            + [f"  All of them: {what}."],
        )
    if d.is_empty:
        text += ["Nothing new in any tenant, no quarantined or unparsed mail.", ""]
    text += ["Sent by Rebound from a no-reply address: replies are not read."]
    html_text = _page(
        subject,
        f"{d.quarantined_total} quarantined, {d.unparsed_total} unparsed",
        _header("Rebound staff digest · all tenants", "Customer service overview", period),
        body,
        _footer(report_link(report_url)),
    )
    return RenderedMail(subject, "\n".join(text).rstrip() + "\n", html_text)


def _count(n: int) -> str:
    return f"{n}+" if n >= MAX_INBOUND else str(n)


# -- alerts ----------------------------------------------------------------------------------


def render_alert(alert: Alert) -> RenderedMail:
    colour = CRITICAL if alert.severity is Severity.CRITICAL else WARN
    label = "CRITICAL" if alert.severity is Severity.CRITICAL else "Warning"
    subject = f"[Rebound {label}] {alert.title}"
    text = [subject, "", *alert.lines, ""]
    if alert.link:
        text.append(f"Open: {alert.link}")
    text += [
        "",
        f"Alert {alert.kind} for {alert.scope}, raised {alert.raised_at:%Y-%m-%d %H:%M} UTC. "
        "Repeats of the same condition are held back for "
        f"{int(alert.cooldown.total_seconds() // 3600)} h.",
    ]
    paragraphs = "".join(f'<p style="margin:0 0 8px;">{_e(line)}</p>' for line in alert.lines)
    link = (
        f'<p style="margin:12px 0 0;"><a href="{_e(alert.link)}" style="color:{ACCENT};'
        f'font-weight:600;">Open in the report</a></p>'
        if alert.link
        else ""
    )
    body = [f'<tr><td style="padding:8px 24px 8px;">{paragraphs}{link}</td></tr>\n']
    html_text = _page(
        subject,
        alert.lines[0] if alert.lines else alert.title,
        _header(f"Rebound alert · {label}", alert.title, f"{alert.scope} · {alert.kind}", colour),
        body,
        _e(text[-1]),
    )
    return RenderedMail(subject, "\n".join(text).rstrip() + "\n", html_text)
