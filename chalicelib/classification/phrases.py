"""Reason phrase tables: what mail servers write for each failure reason, as data.

Each row is (reason, regex fragments matched against the lower-cased diagnostic text). Rows are
tried in order and the first reason with a matching fragment wins, so the more specific reasons
(a DNSBL listing, an SPF failure, a full mailbox) come before the broad ones ("rejected",
"user unknown"). Fragments are short facts about what MTAs say, not copies of any parser.
"""

from __future__ import annotations

from chalicelib.classification.matcher import FirstMatch, Matcher
from chalicelib.classification.reasons import Reason

PHRASES: tuple[tuple[Reason, tuple[str, ...]], ...] = (
    # KDDI (au, ezweb.ne.jp) blanks the address out of its reply when the recipient's own
    # reception filter refused the message: "550 : User unknown".
    (Reason.FILTERED, (r"\b550 : user unknown",)),
    # Lotus Domino: "User x not listed in public Name & Address Book".
    (
        Reason.USER_UNKNOWN,
        (r"not listed in (?:the )?(?:public |domino )?(?:name|address|directory)",),
    ),
    # A mailbox closed for lack of use is the member's mailbox, not our server, even when the
    # server words it "blocked" ("mailbox has been blocked due to inactivity").
    (
        Reason.SUSPEND,
        (
            r"(?:mailbox|account) (?:has been |is |was )?(?:temporarily )?(?:blocked|locked"
            r"|disabled|closed) (?:due to|for|because of) (?:\w+ )?inactivity",
        ),
    ),
    # A list kept by the recipient (Outlook's and webmail's "blocked senders") refused our
    # sender: the member's own choice, not a blocklist naming our server.
    (
        Reason.FILTERED,
        (
            r"(?:user|personal|recipient'?s?|private)(?: \w+)? (?:black|block|deny) ?list",
            r"blocked senders? list",
        ),
    ),
    (
        Reason.NO_RELAYING,
        (
            r"relay(?:ing)? (?:access )?(?:denied|not permitted|not allowed|prohibited)",
            r"(?:not permitted|unable) to relay",
            # Amazon SES refuses to send for an identity (our sender) it has not verified.
            r"identities failed the check",
        ),
    ),
    # A DNS blocklist naming our server outranks everything else that the reply says.
    (
        Reason.BLOCKED,
        (
            r"spamhaus",
            r"spamcop",
            r"\bsorbs\b",
            r"barracuda(?:central)?\.",
            r"\blisted (?:at|in|on|by) \S*(?:bl|rbl|dnsbl|blacklist)",
        ),
    ),
    (
        Reason.SPAM_DETECTED,
        (
            r"spam classification",
            r"(?:classified|scored|detected|identified|marked|considered) as (?:\w+ )?"
            r"(?:spam|bulk)",
            # SpamAssassin is a content filter: what it blocks is the message, not our server.
            r"spamassassin",
            # The message's content judged, whatever verb the server uses ("blocked due to
            # suspicious content", "rejected because of unacceptable content").
            r"(?:suspicious|unacceptable|objectionable|inappropriate) content",
            r"looks like spam",
            r"spam (?:content|message|score)",
            r"message is spam",
            r"high (?:spam|probability of spam)",
            # Named as spam or as refused content, the message (not our server) is the cause:
            # "550 5.7.1 Message refused: content rejected as spam".
            r"(?:rejected|refused|blocked|denied) as (?:\w+ )?spam",
            r"content (?:rejected|refused)",
            # A filter that judged the message: "blocked by our spam filter" (never a blocklist
            # name: "blocked by Spamhaus" has no filter word after it).
            r"by (?:the |our |an? )?(?:anti-?spam|spam|content|junk mail)[ -]?"
            r"(?:filter|engine|check|scanner|software)",
            # What the message contains decided it, not who sent it.
            r"contains? (?:a |an )?(?:banned|prohibited|forbidden|blocked|blacklisted)"
            r" (?:word|phrase|content|link|url|domain)",
        ),
    ),
    (
        Reason.POLICY_VIOLATION,
        (
            r"for policy reasons",
            r"content presents a potential",
            r"policy (?:violation|rejection)",
        ),
    ),
    (
        Reason.NOT_COMPLIANT_RFC,
        (
            r"multiple addresses in from",
            r"rfc ?2?822 (?:compliant|violation|standard|format)",
            r"rfc ?5322",
            r"not (?:rfc )?compliant",
            r"duplicate (?:header|message-id)",
            r"multiple (?:from|to|subject|date) headers",
            r"missing (?:required )?(?:header|date|message-id)",
        ),
    ),
    # Our server's missing reverse DNS named as the cause outranks the sender words around it
    # ("not accepted from servers without a valid sender domain. Fix reverse DNS for ...").
    (
        Reason.REQUIRE_PTR,
        (
            r"reverse (?:dns|lookup|hostname|address)",
            r"\bptr\b",
            r"\brdns\b",
            r"cannot find your hostname",
            r"cannot resolve your (?:address|hostname)",
            r"no (?:reverse|ptr)",
        ),
    ),
    (
        Reason.REJECTED,
        (
            r"sender (?:address )?(?:was )?(?:rejected|refused|denied|blocked|not allowed"
            r"|verify failed)",
            r"sender verification",
            r"domain of sender",
            r"sender domain",
            r"invalid sender",
            r"unknown sender",
            r"your (?:email )?address has been rejected",
            r"not accepting mail from",
            r"does not accept mail from",
            r"return address",
        ),
    ),
    (
        Reason.SECURITY_ERROR,
        (
            r"unauthenticated senders?",
            r"smtp authentication",
            r"without authentication",
            r"delivery not authori[sz]ed",
        ),
    ),
    # Reputation named as the cause outranks the rate limit it led to.
    (
        Reason.BAD_REPUTATION,
        (r"due to (?:ip|sender|domain|the sending ip's) reputation",),
    ),
    (
        Reason.SYSTEM_FULL,
        (r"insufficient system (?:resources|storage)",),
    ),
    (
        Reason.TOO_MANY_CONN,
        (
            r"frequency limited",
            r"too many recipients(?! this| per| in)",
            r"too many (?:connections|concurrent|simultaneous|sessions|smtp sessions)",
            r"connection (?:limit|rate)",
        ),
    ),
    (
        Reason.SPEEDING,
        (
            r"too many (?:messages|emails|recipients|mails) .{0,30}(?:in|per|within|this)\b",
            r"receiving mail at a rate",
            r"(?:sending|delivery) rate",
            r"rate[- ]limit",
            r"throttl",
        ),
    ),
    (
        Reason.BAD_REPUTATION,
        (r"unexpected volume or user complaints",),
    ),
    (
        Reason.BLOCKED,
        (
            r"use the smtp server of your isp",
            r"my name was rejected",
            r"not accepting connections",
        ),
    ),
    (
        Reason.NOT_ACCEPT,
        (r"not accepting network messages",),
    ),
    (
        Reason.MAILER_ERROR,
        (r"mailer error",),
    ),
    (
        Reason.SYSTEM_ERROR,
        (r"transaction failed",),
    ),
    (
        Reason.HOST_UNKNOWN,
        (
            r"domain is not reachable",
            r"(?<![@\w.-])[a-z0-9-]+(?:\.[a-z0-9-]+)+\.? does not exist",
        ),
    ),
    (
        Reason.EXPIRED,
        (r"did not accept our requests to connect",),
    ),
    (
        Reason.VIRUS_DETECTED,
        (
            r"\bvirus",
            r"malware",
            r"infected",
            r"contains? a (?:known )?(?:virus|worm)",
        ),
    ),
    (
        Reason.BAD_REPUTATION,
        (
            r"(?:poor|bad|low) (?:\w+ )?reputation",
            r"reputation (?:is too low|of the sending)",
            r"ip reputation",
            r"sender reputation",
        ),
    ),
    (
        Reason.AUTH_FAILURE,
        (
            r"\bspf\b",
            r"\bdkim\b",
            r"\bdmarc\b",
            r"sender policy framework",
            r"is not designated",
            r"not authorized to send (?:email|mail) on behalf",
            r"authentication checks?",
            r"unauthenticated email",
            r"domain.{0,40}does not (?:designate|permit)",
        ),
    ),
    (
        Reason.REQUIRE_PTR,
        (
            r"hostname (?:does not|doesn't) resolve",
            r"ip name (?:lookup|possibly) ",
            r"unresolvable",
            r"client host .{0,40}(?:unknown|not found)",
        ),
    ),
    (
        Reason.FAILED_STARTTLS,
        (
            r"starttls (?:failed|is required|required)",
            r"must issue a starttls",
            r"tls (?:is )?required",
            r"requires? (?:a )?(?:tls|secure connection|encryption)",
            r"encryption (?:is )?required",
        ),
    ),
    (
        Reason.BLOCKED,
        (
            r"spamhaus",
            r"\bsorbs\b",
            r"barracuda",
            r"spamcop",
            r"\bdnsbl",
            r"\brbl\b",
            r"\bcbl\b",
            r"uceprotect",
            r"blacklist",
            r"black list",
            r"blocklist",
            r"block list",
            r"denylist",
            r"(?<!not )\blisted (?:at|in|on|by)\b",
            r"is (?:currently )?listed",
            r"your ip",
            r"ip address .{0,60}(?:blocked|rejected|denied|refused)",
            r"(?:blocked|rejected|refused|denied) .{0,40}\bip\b",
            r"client host .{0,40}(?:blocked|rejected|refused)",
            r"connection (?:refused|rejected|denied) .{0,20}(?:from|by|due)",
            r"not allowed to (?:send|connect)",
            r"banned",
            r"(?:host|ip|network|sender|connection) (?:is |was |has been )?blocked",
            r"\bblocked (?:by|using|due|because)",
            r"hostile",
            r"dynamic (?:ip|address)",
            r"dial-?up",
            r"residential",
            r"\bis not permitted to connect",
            r"refused to talk",
            r"service refused",
            r"message refused",
            r"\bas \d+\.\d+\.\d+\.\d+ (?:is|was)",
        ),
    ),
    (
        Reason.SPEEDING,
        (r"exceeded .{0,20}(?:limit of|quota of) .{0,20}messages",),
    ),
    (
        Reason.TOO_MANY_CONN,
        (r"too many (?:errors|hosts)",),
    ),
    (
        Reason.MAILBOX_FULL,
        (
            r"mail ?box (?:is |was )?(?:full|over ?quota|exceeded|size limit)",
            r"mailbox (?:has )?exceeded",
            r"full mailbox",
            r"mailbox full",
            r"box is full",
            r"inbox is full",
            r"account is full",
            r"over ?quota",
            r"quota (?:exceeded|full|violation)",
            r"exceed(?:s|ed)? (?:the |his |her |their )?(?:\w+ )?(?:storage|quota|disk)",
            r"(?:storage|disk) quota",
            r"insufficient (?:storage|disk space) .{0,20}(?:user|mailbox|recipient)",
            r"not enough (?:storage|space) .{0,30}mailbox",
            r"mail ?folder is full",
            r"too much mail",
            r"user(?:'s)? (?:mailbox|disk|space) .{0,20}(?:full|exceeded)",
            r"is over (?:the )?(?:allowed )?(?:quota|limit)",
            r"size limit .{0,20}mailbox",
            r"mailbox size",
        ),
    ),
    (
        Reason.MESG_TOO_BIG,
        (
            r"message (?:is )?too (?:large|big)",
            r"message size exceeds",
            r"size (?:exceeds|exceeded) .{0,30}(?:limit|maximum)",
            r"message (?:length|size) (?:exceeds|is greater)",
            r"exceeds (?:the )?(?:maximum )?(?:message )?size",
            r"(?:message|mail) size limit",
            r"too big",
        ),
    ),
    (
        Reason.EXCEED_LIMIT,
        (r"exceeds? .{0,30}recipient'?s? (?:size )?limit",),
    ),
    (
        Reason.NO_RELAYING,
        (
            r"relay(?:ing)? (?:access )?(?:denied|not permitted|not allowed|prohibited)",
            r"not permitted to relay",
            r"unable to relay",
            r"relaying (?:is )?(?:denied|not)",
            r"we do not relay",
            r"no relaying",
            r"not (?:a )?(?:gateway|relay)",
            r"relay not",
            r"(?:is not|isn't) in my list of allowed rcpthosts",
            r"rcpthosts",
        ),
    ),
    (
        Reason.SECURITY_ERROR,
        (
            r"authentication (?:is )?required",
            r"authenticat(?:e|ion) (?:failed|failure)",
            r"not authenticated",
            r"you don't authenticate",
            r"relay access denied",
            r"must (?:be )?authenticat",
            r"sender address has null",
            r"access denied",
        ),
    ),
    (
        Reason.SUSPEND,
        (
            r"account (?:has been |is |was |(?:is )?currently )?"
            r"(?:disabled|suspended|deactivated|inactive|frozen"
            r"|locked|expired|closed|blocked)",
            r"mailbox (?:has been |is |was |(?:is )?currently )?"
            r"(?:disabled|suspended|deactivated|inactive|frozen"
            r"|locked|closed)",
            r"(?:disabled|suspended|deactivated|inactive|closed|locked) (?:account|mailbox|user)",
            r"user (?:has been |is )?(?:disabled|suspended|deactivated|inactive)",
            r"address (?:has been |is )?(?:disabled|suspended|deactivated)",
            r"temporarily (?:disabled|deactivated|suspended)",
            r"is not active",
            r"not currently active",
            r"extended inactivity",
            r"has been frozen",
        ),
    ),
    (
        Reason.HAS_MOVED,
        (
            # RFC 5321 sections 3.4 and 4.2.2: 551 "User not local; please try <forward-path>".
            r"user not local",
            r"has moved",
            r"user has changed",
            r"address has changed",
            r"no longer (?:at|with) ",
        ),
    ),
    (
        Reason.HOST_UNKNOWN,
        (
            r"host (?:or domain name )?(?:not found|unknown)",
            r"unknown host",
            r"domain (?:name )?(?:not found|does not exist|doesn't exist|unknown"
            r"|is not resolvable)",
            r"no such (?:domain|host)",
            r"unrout(?:e)?able (?:mail )?(?:address|domain)",
            r"name or service not known",
            r"nxdomain",
            r"host not found",
            r"non-existent (?:host|domain)",
            r"unknown domain",
            r"invalid domain",
            r"domain (?:is )?invalid",
            r"dns (?:error|lookup failed).{0,60}(?:domain|host)",
            r"mx (?:lookup|record).{0,30}(?:fail|not|no)",
            r"no mx (?:or a |record)",
            r"unknown mail domain",
            r"recipient (?:address )?domain .{0,30}(?:not|invalid)",
        ),
    ),
    (
        Reason.USER_UNKNOWN,
        (
            r"user (?:unknown|not found|not known|not exist|doesn't exist|does not exist|invalid)",
            r"unknown (?:user|recipient|local[- ]part|mailbox|address|account)",
            r"no such (?:user|mailbox|recipient|account|person|address|local user)",
            r"(?:recipient|addressee|mailbox|account|address|user) (?:\S+ )?(?:is )?unknown",
            r"(?:recipient|mailbox|account|address|user|addressee)(?: name)?"
            r" (?:does not|doesn't|did not) exist",
            r"does not exist",
            r"doesn't exist",
            r"not exist",
            r"(?:recipient|mailbox|user|account|address) (?:was )?not found",
            r"invalid (?:recipient|mailbox|user|address|account)",
            r"(?:recipient|mailbox|address) (?:is )?invalid",
            r"no mailbox",
            r"mailbox (?:is )?(?:unavailable|not available)",
            r"no account",
            r"not (?:a )?valid (?:recipient|mailbox|user|address)",
            r"is not a (?:known|valid) ",
            r"bad destination mailbox",
            r"unknown or illegal alias",
            r"not our customer",
            r"no valid recipients",
            r"no one at this address",
            r"recipientnotfound",
            r"recipnotfound",
            r"not listed in",
            r"mailbox unknown",
            r"doesn't have a \S+ account",
            r"unable to find",
            r"user doesn't",
            r"destination addresses? (?:were|was) unknown",
        ),
    ),
    (
        Reason.SPAM_DETECTED,
        (
            r"\bspam",
            r"junk ?mail",
            r"unsolicited",
            r"bulk (?:e-?)?mail",
            r"content (?:rejected|filter)",
            r"message (?:content|body) .{0,20}(?:rejected|not accepted)",
            r"suspicious",
            r"phishing",
            r"scam",
        ),
    ),
    (
        Reason.CONTENT_ERROR,
        (
            r"content error",
            r"illegal (?:character|header|attachment)",
            r"invalid (?:header|mime|content)",
            r"malformed (?:message|header|mime)",
            r"attachment",
            r"file type",
        ),
    ),
    (
        Reason.REJECTED,
        (
            r"sender (?:address )?(?:rejected|refused|denied|blocked|not allowed|verify failed)",
            r"(?:envelope|mail) from",
            r"sender (?:is )?(?:invalid|unknown)",
            r"refused .{0,20}sender",
            r"\b5\.1\.[78]\b",
        ),
    ),
    (
        Reason.FILTERED,
        (
            r"filtered",
            r"header check",
            r"recipient (?:refused|denied|rejected)",
            r"refused (?:by|due to) (?:recipient|user)",
            r"user refuses",
            r"rejected by (?:the |this )?(?:recipient|user)",
            r"not accepting (?:any )?(?:mail|messages)",
            r"user rules",
            r"recipient preferences",
            r"does not (?:wish|want) to receive",
        ),
    ),
    (
        Reason.POLICY_VIOLATION,
        (
            r"polic(?:y|ies)",
            r"violat",
            r"prohibited",
            r"not permitted",
            r"not allowed",
        ),
    ),
    (
        Reason.NOT_ACCEPT,
        (
            r"does not accept mail",
            r"accepts no mail",
            r"null mx",
            r"not accept(?:ing)? mail",
        ),
    ),
    # Greylisting defers a sender it has not seen before (postgrey answers "Greylisted, see
    # http://postgrey...", milter-greylist "Greylisting in action, please come back later"); a
    # report that quotes it means our server's retries ran out, never that the address is bad.
    (
        Reason.EXPIRED,
        (r"greylist",),
    ),
    (
        Reason.EXPIRED,
        (
            r"expired",
            r"retry (?:time|timeout) (?:exceeded|expired)",
            r"queue (?:time|too long|lifetime)",
            r"(?:could not be|wasn't|was not|has not been) delivered (?:within|for|in)",
            r"delivery time",
            r"giving up",
            r"timed? ?out.{0,30}(?:queue|delivery)",
            r"no delivery .{0,20}(?:for|within)",
            r"too long in (?:the )?queue",
        ),
    ),
    (
        Reason.SYSTEM_FULL,
        (
            r"insufficient system storage",
            r"system (?:is )?full",
            r"disk (?:is )?full",
            r"out of (?:disk|storage)",
            r"no space left",
        ),
    ),
    (
        Reason.NETWORK_ERROR,
        (
            r"connection (?:timed out|refused|reset|lost|closed|dropped)",
            r"timed out",
            r"network (?:is )?unreachable",
            r"no route to host",
            r"lost connection",
            r"could not connect",
            r"unable to connect",
            r"(?:can't|cannot|couldn't|could not) (?:connect|open connection)",
            r"conversation with .{0,60}(?:timed|failed)",
            r"name server",
            r"dns (?:error|failure|problem|lookup)",
            r"malformed or unexpected",
            r"mail loop",
            r"loops? back",
            r"too many hops",
            r"hop count",
            r"loop detected",
            r"routing loop",
            r"temporary (?:dns|lookup) failure",
            r"name lookup failure",
            r"host (?:is )?unreachable",
        ),
    ),
    (
        Reason.MAILER_ERROR,
        (
            r"unknown mailer",
            r"\bx-unix\b",
            r"command (?:failed|died)",
            r"exited with",
            r"\bpipe\b",
            r"procmail",
            r"program(?! files)",
        ),
    ),
    (
        Reason.SYNTAX_ERROR,
        (
            r"syntax error",
            r"command (?:not )?(?:unrecognized|recognized)",
            r"bad sequence",
            r"line too long",
        ),
    ),
    (
        Reason.SYSTEM_ERROR,
        (
            r"system (?:error|problem|failure)",
            r"internal (?:server )?error",
            r"server error",
            r"configuration error",
            r"temporar(?:y|ily) (?:failure|unavailable|error|problem)",
            r"service (?:not |un)available",
            r"i/o error",
            r"local error",
            r"resources? (?:temporarily )?unavailable",
        ),
    ),
    (
        Reason.USER_UNKNOWN,
        (
            r"(?:address|recipient|mailbox) (?:\S+ )?rejected",
            r"recipient not",
            r"no such",
        ),
    ),
)


# The rows, ready to match: the first row with a pattern in the text, found without testing
# every literal of every row (see `matcher.FirstMatch`).
_FIRST = FirstMatch([patterns for _, patterns in PHRASES])


# Our sending server or domain is named as listed/blocked: the service raises an alert.
# (A Matcher, not one regex: the plain names are tested with `in`, the rest only when their
# anchor occurs; this runs on every failure.)
BLACKLISTED = Matcher(
    (
        r"spamhaus|\bsorbs\b|barracuda|spamcop|\bdnsbl|\brbl\b|\bcbl\b|uceprotect|blacklist"
        r"|black list|blocklist|block list|denylist|(?<!not )\blisted (?:at|in|on|by)\b"
        r"|is (?:currently )?listed"
        r"|(?:poor|bad|low) (?:\w+ )?reputation|ip reputation|sender reputation",
    )
)


def match_reason(text: str) -> Reason | None:
    """The first reason whose phrases occur in the lower-cased text."""
    row = _FIRST.first(text)
    return None if row is None else PHRASES[row][0]
