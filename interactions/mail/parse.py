"""One raw message (bytes) to what the services need, with the standard library's `email`
package, and fallbacks wherever real mail breaks the rules.

- The structure is read with the compat32 policy (several times faster than the modern one, and
  linear where the modern one is quadratic) and checked against `ParseLimits` (parts, nesting,
  the length of one header) before any part is decoded: past a bound the message is `fatal`
  (quarantined unread). At most `max_attachments` files are decoded; the others are `unread`.
- Headers are decoded by the modern policy (`header_fetch_parse`) when short enough, else by
  `decode_header`; everything read passes through `safety.safe_text`/`safe_line` (no NUL, no
  lone surrogate reaches a row).
- Text: the text/plain part of the message (the first one outside attachments), else its HTML
  made text (interactions.mail.html). Charsets: the declared one (ISO-8859-1 read as its
  superset Windows-1252, as browsers do), then UTF-8, then Windows-1252, then Latin-1 (which
  decodes any byte), so a wrong or unknown charset never loses a message.
- Attachments: every non-body leaf part, inline images (`cid:`) included.
- Faults that make the content untrustworthy (a multipart without its boundary, base64 that does
  not decode) are returned in `fatal`: the service quarantines the message with that reason.
- Auto-replies and bounces are recognised from their headers (RFC 3834 Auto-Submitted,
  X-Autoreply, X-Auto-Response-Suppress, Precedence), the report content type (DSN, MDN) and
  the sender (MAILER-DAEMON), so they are never answered.
"""
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.errors import (
    CloseBoundaryNotFoundDefect,
    InvalidBase64CharactersDefect,
    InvalidBase64LengthDefect,
    InvalidBase64PaddingDefect,
    MultipartInvariantViolationDefect,
    StartBoundaryNotFoundDefect,
)
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import collapse_rfc2231_value, getaddresses, parseaddr

from interactions.mail.html import html_to_text
from interactions.mail.safety import ParseLimits, header_block, safe_line, safe_text

_BOUNDARY_DEFECTS = (StartBoundaryNotFoundDefect, CloseBoundaryNotFoundDefect, MultipartInvariantViolationDefect)
_BASE64_DEFECTS = (InvalidBase64CharactersDefect, InvalidBase64PaddingDefect, InvalidBase64LengthDefect)
_MSGID = re.compile(r"<([^<>\s]+)>")
_CHARSET_ALIASES = {"iso-8859-1": "windows-1252", "latin1": "windows-1252", "latin-1": "windows-1252",
                    "us-ascii": "ascii", "ks_c_5601-1987": "cp949", "x-sjis": "shift_jis", "unicode-1-1-utf-7": "utf-7"}
_AUTO_SUBJECT = re.compile(r"^\s*(automatic reply|auto(matic)?[- ]?reply|out of (the )?office|abwesenheitsnotiz|réponse automatique)\s*:", re.I)
_BOUNCE_SENDERS = ("mailer-daemon", "postmaster")


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes
    inline: bool = False
    content_id: str = ""


def attachment_summary(attachments: list[Attachment]) -> list[dict]:
    """Name, type, size and inline flag of each file: what pages list without the raw bytes."""
    return [
        {"name": a.filename, "content_type": a.content_type, "size": len(a.data), "inline": a.inline}
        for a in attachments
    ]


@dataclass
class ParsedMail:
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_address: str = ""
    from_name: str = ""
    to: list[str] = field(default_factory=list)
    text: str = ""  # the whole body as text (quotes not yet stripped)
    attachments: list[Attachment] = field(default_factory=list)
    auto_reason: str = ""  # why it is an auto-reply or bounce, "" for a person's mail
    fatal: str = ""  # why it cannot be trusted: quarantine
    unread: list[str] = field(default_factory=list)  # files not read: over the limit of files per message
    notes: list[str] = field(default_factory=list)  # charset fallbacks and the like

    @property
    def thread_ids(self) -> list[str]:
        """The Message-IDs it answers, nearest first."""
        seen, ids = set(), []
        for mid in self.in_reply_to + list(reversed(self.references)):
            if mid not in seen:
                seen.add(mid)
                ids.append(mid)
        return ids


def message_ids(value: str) -> list[str]:
    """`<a@b> <c@d>` -> ["a@b", "c@d"] (lower-cased domain part kept as sent; ids compare exactly;
    control characters end an id)."""
    return [mid[:255] for mid in _MSGID.findall(safe_line(value or ""))]


def decode_bytes(data: bytes, charset: str | None, notes: list[str] | None = None) -> str:
    """Bytes to text, trying the declared charset, then UTF-8, Windows-1252 and Latin-1."""
    declared = (charset or "").strip().strip('"').lower()
    tries = []
    if declared:
        tries.append(_CHARSET_ALIASES.get(declared, declared))
    tries += ["utf-8", "windows-1252", "latin-1"]
    for i, name in enumerate(tries):
        try:
            text = data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
        if i > 0 and declared and notes is not None:
            notes.append(f"declared charset {declared!r} did not decode; read as {name}")
        return text
    return data.decode("latin-1", errors="replace")  # unreachable: latin-1 decodes every byte




# --- headers ---------------------------------------------------------------------------------------
class _Headers:
    """The headers of a message or part of the compat32 tree, decoded on demand: by the modern
    policy (RFC 2047 words, address display names) when the value is within the header limit, by
    `decode_header` otherwise or when the policy fails (its parser recurses on nested comments
    and is quadratic on long values). Every value comes back as safe text."""

    def __init__(self, part: Message, limit: int):
        self.part, self.limit = part, limit

    def raw(self, name: str) -> str | None:
        lower = name.lower()
        for key, value in self.part.raw_items():
            if key.lower() == lower:
                return str(value)
        return None

    def present(self, name: str) -> bool:
        return self.raw(name) is not None

    def get(self, name: str) -> str:
        raw = self.raw(name)
        if raw is None:
            return ""
        if len(raw) <= self.limit:
            try:
                return safe_text(str(policy.default.header_fetch_parse(name, raw))).strip()
            except Exception:  # noqa: BLE001  (a header the policy cannot parse: decoded by hand)
                pass
        value = raw[: self.limit]
        try:
            return safe_text(str(make_header(decode_header(value)))).strip()
        except Exception:  # noqa: BLE001
            return safe_text(value).strip()


def _param(part: Message, name: str) -> str:
    try:
        value = part.get_param(name)
    except Exception:  # noqa: BLE001
        return ""
    if isinstance(value, tuple):  # RFC 2231 (charset, language, value)
        value = collapse_rfc2231_value(value)
    return str(value or "")


# --- bounds ----------------------------------------------------------------------------------------
def _over_bounds(tree: Message, limits: ParseLimits) -> str:
    """Why the message is too costly to read (parts, nesting, one header's length), or ""."""
    stack, parts = [(tree, 0)], 0
    while stack:
        part, depth = stack.pop()
        parts += 1
        if parts > limits.max_parts:
            return f"it has more than {limits.max_parts:,} MIME parts (INBOUND_MAIL_MAX_PARTS)"
        if depth > limits.max_depth:
            return f"its MIME parts are nested more than {limits.max_depth} levels deep (INBOUND_MAIL_MAX_DEPTH)"
        for key, value in part.raw_items():
            if len(str(value)) > limits.max_header_bytes:
                return (f"a {safe_line(key, 60)} header of {len(str(value)):,} characters, over the limit of "
                        f"{limits.max_header_bytes:,} (INBOUND_MAIL_MAX_HEADER_BYTES)")
        payload = part.get_payload()
        if isinstance(payload, list):
            stack.extend((sub, depth + 1) for sub in reversed(payload) if isinstance(sub, Message))
    return ""


# --- parts -----------------------------------------------------------------------------------------
def _is_attachment(part: Message) -> bool:
    """Body text is a text part that is not an attachment and has no file name; everything else
    (files, inline images, forwarded messages) is kept as an attachment."""
    if (part.get_content_disposition() or "") == "attachment":
        return True
    try:
        named = bool(part.get_filename())
    except Exception:  # noqa: BLE001
        named = False
    return not (part.get_content_maintype() == "text" and not named)


def _leaves(tree: Message):
    """The leaf parts in order (iteratively: no recursion limit to hit); an attached message
    (message/rfc822) is one leaf, not walked."""
    stack = [tree]
    while stack:
        part = stack.pop()
        payload = part.get_payload()
        if part.get_content_type() == "message/rfc822" or not isinstance(payload, list):
            yield part
        else:
            stack.extend(sub for sub in reversed(payload) if isinstance(sub, Message))


def _payload(part: Message, fatal: list[str]) -> bytes:
    if part.get_content_type() == "message/rfc822":
        try:
            inner = part.get_payload(0)
            return inner.as_bytes(policy=policy.compat32)
        except Exception:  # noqa: BLE001
            return str(part.get_payload()).encode("utf-8", "replace")
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001  (an undecodable transfer encoding)
        fatal.append(f"a {part.get_content_type()} part cannot be decoded")
        return b""
    if any(isinstance(d, _BASE64_DEFECTS) for d in part.defects):
        fatal.append(f"a {part.get_content_type()} part has base64 that does not decode")
    return data if isinstance(data, bytes) else b""


def _text_of(part: Message, notes: list[str], fatal: list[str]) -> str:
    return decode_bytes(_payload(part, fatal), _param(part, "charset"), notes)


def _filename(part: Message, index: int) -> str:
    try:
        name = part.get_filename()
        if name and "=?" in name:  # an RFC 2047 encoded word where RFC 2231 belongs (common)
            name = str(make_header(decode_header(name)))
    except Exception:  # noqa: BLE001
        name = None
    name = safe_line(name, 255)
    if name:
        return name
    ext = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "text/plain": ".txt",
           "application/pdf": ".pdf", "message/rfc822": ".eml"}.get(part.get_content_type(), ".bin")
    return f"part-{index}{ext}"


def _auto_reason(msg: Message, head: _Headers, from_address: str, subject: str) -> str:
    auto = head.get("Auto-Submitted").lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if head.present(name):
            return f"{name} header"
    suppress = head.get("X-Auto-Response-Suppress").lower()
    if suppress and any(v in suppress for v in ("all", "oof", "autoreply")):
        return f"X-Auto-Response-Suppress: {suppress}"
    precedence = head.get("Precedence").lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    if msg.get_content_type() == "multipart/report":
        report = safe_line(_param(msg, "report-type"), 60).lower()
        return f"a {report or 'delivery'} report (multipart/report)"
    local = from_address.split("@", 1)[0].lower()
    if local in _BOUNCE_SENDERS or local.startswith("mailer-daemon"):
        return f"sent by {from_address}"
    if head.get("Return-Path") == "<>":
        return "empty Return-Path (a bounce)"
    if _AUTO_SUBJECT.match(subject):
        return "subject of an automatic reply"
    return ""


# --- the message -----------------------------------------------------------------------------------
def _envelope(out: ParsedMail, head: _Headers) -> None:
    out.message_id = next(iter(message_ids(head.get("Message-ID"))), "")
    out.in_reply_to = message_ids(head.get("In-Reply-To"))
    out.references = message_ids(head.get("References"))
    out.subject = " ".join(head.get("Subject").split())
    try:
        name, address = parseaddr(head.get("From"))
    except Exception:  # noqa: BLE001
        name, address = "", ""
    out.from_name, out.from_address = safe_line(name), safe_line(address).lower()
    try:
        out.to = [safe_line(a).lower() for _, a in getaddresses([head.get("To"), head.get("Cc")]) if a]
    except Exception:  # noqa: BLE001
        out.to = []


def envelope(raw: bytes, limits: ParseLimits | None = None) -> ParsedMail:
    """Only the headers (Message-ID, sender, subject, thread ids): cheap, reads no body, never
    raises. What the poller stores before anything parses the message."""
    limits = limits or ParseLimits.configured()
    out = ParsedMail()
    try:
        head, _ = header_block(bytes(raw))
        msg = BytesHeaderParser(policy=policy.compat32).parsebytes(head + b"\r\n\r\n")
        _envelope(out, _Headers(msg, limits.max_header_bytes))
    except Exception:  # noqa: BLE001  (headers beyond reading: stored without them)
        return ParsedMail()
    return out


def parse_message(raw: bytes, limits: ParseLimits | None = None) -> ParsedMail:
    """Parse one raw message. Never raises for a bad message: what cannot be read is in `fatal`.
    The work is bounded (`ParseLimits`): the structure is read with the cheap compat32 policy
    and checked before any part is decoded; only the first `max_attachments` files are decoded,
    the names of the others are in `unread`."""
    limits = limits or ParseLimits.configured()
    try:
        return _parse(bytes(raw), limits)
    except Exception as exc:  # noqa: BLE001  (RecursionError and the like: never a crash)
        out = envelope(raw, limits)
        out.fatal = f"not a readable message ({type(exc).__name__})"
        out.attachments, out.unread, out.text = [], [], ""
        return out


def _parse(raw: bytes, limits: ParseLimits) -> ParsedMail:
    try:
        msg = message_from_bytes(raw, policy=policy.compat32)
    except Exception as exc:  # noqa: BLE001
        out = envelope(raw, limits)
        out.fatal = f"not a readable message ({type(exc).__name__})"
        return out
    head = _Headers(msg, limits.max_header_bytes)
    out = ParsedMail()
    _envelope(out, head)
    over = _over_bounds(msg, limits)
    if over:
        out.fatal = f"too costly to read: {over}"
        return out
    out.auto_reason = _auto_reason(msg, head, out.from_address, out.subject)
    fatal: list[str] = []
    for part in msg.walk():
        if any(isinstance(d, _BOUNDARY_DEFECTS) for d in part.defects):
            fatal.append(f"broken MIME structure ({part.get_content_type()}: boundary not found)")
    plain, html = None, None
    index = 0
    for part in _leaves(msg):
        index += 1
        ctype = part.get_content_type()
        if part.get_content_maintype() == "message" and ctype != "message/rfc822":
            continue  # delivery-status and the like: metadata of a report
        attachment = _is_attachment(part)
        if not attachment and ctype == "text/plain" and plain is None:
            plain = _text_of(part, out.notes, fatal)
            continue
        if not attachment and ctype == "text/html" and html is None:
            html = _text_of(part, out.notes, fatal)
            continue
        if not attachment:
            continue  # a second alternative body
        if len(out.attachments) >= limits.max_attachments:
            out.unread.append(_filename(part, index))  # not decoded: over the limit of files per message
            continue
        data = _payload(part, fatal)
        part_head = _Headers(part, limits.max_header_bytes)
        cid = message_ids(part_head.get("Content-ID"))
        out.attachments.append(Attachment(
            filename=_filename(part, index), content_type=safe_line(ctype, 100), data=data,
            inline=(part.get_content_disposition() or "") == "inline" or bool(cid),
            content_id=safe_line(cid[0], 255) if cid else "",
        ))
    if plain is not None and plain.strip():
        out.text = plain
    elif html is not None:
        out.text = html_to_text(html)
    else:
        out.text = plain or ""
    out.text = safe_text(out.text)
    out.notes = [safe_line(note, 300) for note in out.notes]
    out.fatal = "; ".join(dict.fromkeys(fatal))
    return out
