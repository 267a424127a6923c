"""One raw message (bytes) to what the services need, with the standard library's `email`
package (`policy.default`), and fallbacks wherever real mail breaks the rules.

- Headers are decoded by the modern policy; a header it cannot parse is read raw (compat32).
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
from email.utils import getaddresses, parseaddr

from interactions.mail.html import html_to_text

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
    """`<a@b> <c@d>` -> ["a@b", "c@d"] (lower-cased domain part kept as sent; ids compare exactly)."""
    return _MSGID.findall(value or "")


def _header(msg: Message, name: str) -> str:
    """A header as text: the modern policy's decoding, else the raw value decoded by hand."""
    try:
        value = msg.get(name)
        return "" if value is None else str(value).strip()
    except Exception:  # noqa: BLE001  (a header the policy cannot parse)
        raw = msg.get_all(name, failobj=[])
        if not raw:
            return ""
        try:
            return str(make_header(decode_header(str(raw[0])))).strip()
        except Exception:  # noqa: BLE001
            return str(raw[0]).strip()


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


def _leaves(part: Message):
    """The leaf parts in order; an attached message (message/rfc822) is one leaf, not walked."""
    if part.get_content_type() == "message/rfc822":
        yield part
    elif part.is_multipart():
        for sub in part.iter_parts():
            yield from _leaves(sub)
    else:
        yield part


def _payload(part: Message, fatal: list[str]) -> bytes:
    if part.get_content_type() == "message/rfc822":
        try:
            return part.get_payload(0).as_bytes(policy=policy.compat32)
        except Exception:  # noqa: BLE001
            return str(part.get_payload()).encode("utf-8", "replace")
    data = part.get_payload(decode=True)
    if any(isinstance(d, _BASE64_DEFECTS) for d in part.defects):
        fatal.append(f"a {part.get_content_type()} part has base64 that does not decode")
    return data or b""


def _text_of(part: Message, notes: list[str], fatal: list[str]) -> str:
    return decode_bytes(_payload(part, fatal), part.get_param("charset"), notes)


def _filename(part: Message, index: int) -> str:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001
        name = None
    if name:
        return name
    ext = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "text/plain": ".txt",
           "application/pdf": ".pdf", "message/rfc822": ".eml"}.get(part.get_content_type(), ".bin")
    return f"part-{index}{ext}"


def _auto_reason(msg: Message, from_address: str, subject: str) -> str:
    auto = _header(msg, "Auto-Submitted").lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if msg.get(name) is not None:
            return f"{name} header"
    suppress = _header(msg, "X-Auto-Response-Suppress").lower()
    if suppress and any(v in suppress for v in ("all", "oof", "autoreply")):
        return f"X-Auto-Response-Suppress: {suppress}"
    precedence = _header(msg, "Precedence").lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    if msg.get_content_type() == "multipart/report":
        report = (msg.get_param("report-type") or "").lower()
        return f"a {report or 'delivery'} report (multipart/report)"
    local = from_address.split("@", 1)[0].lower()
    if local in _BOUNCE_SENDERS or local.startswith("mailer-daemon"):
        return f"sent by {from_address}"
    if _header(msg, "Return-Path") == "<>":
        return "empty Return-Path (a bounce)"
    if _AUTO_SUBJECT.match(subject):
        return "subject of an automatic reply"
    return ""


def parse_message(raw: bytes) -> ParsedMail:
    """Parse one raw message. Never raises for a bad message: what cannot be read is in `fatal`."""
    try:
        msg = message_from_bytes(raw, policy=policy.default)
    except Exception as exc:  # noqa: BLE001
        return ParsedMail(fatal=f"not a readable message ({type(exc).__name__}: {exc})")
    out = ParsedMail()
    fatal: list[str] = []
    out.message_id = next(iter(message_ids(_header(msg, "Message-ID"))), "")
    out.in_reply_to = message_ids(_header(msg, "In-Reply-To"))
    out.references = message_ids(_header(msg, "References"))
    out.subject = " ".join(_header(msg, "Subject").split())
    name, address = parseaddr(_header(msg, "From"))
    out.from_name, out.from_address = name.strip(), address.strip().lower()
    try:
        out.to = [a.lower() for _, a in getaddresses([_header(msg, "To"), _header(msg, "Cc")]) if a]
    except Exception:  # noqa: BLE001
        out.to = []
    out.auto_reason = _auto_reason(msg, out.from_address, out.subject)

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
        if not _is_attachment(part) and ctype == "text/plain" and plain is None:
            plain = _text_of(part, out.notes, fatal)
            continue
        if not _is_attachment(part) and ctype == "text/html" and html is None:
            html = _text_of(part, out.notes, fatal)
            continue
        if not _is_attachment(part):
            continue  # a second alternative body
        data = _payload(part, fatal)
        cid = message_ids(_header(part, "Content-ID"))
        out.attachments.append(Attachment(
            filename=_filename(part, index), content_type=ctype, data=data,
            inline=(part.get_content_disposition() or "") == "inline" or bool(cid),
            content_id=cid[0] if cid else "",
        ))
    if plain is not None and plain.strip():
        out.text = plain
    elif html is not None:
        out.text = html_to_text(html)
    else:
        out.text = plain or ""
    out.fatal = "; ".join(dict.fromkeys(fatal))
    return out
