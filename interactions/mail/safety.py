"""What keeps one bad message from hurting: text a database accepts, and bounds on the work one
message may cost (issue 14).

- `safe_text` / `safe_line`: PostgreSQL refuses NUL in text and JSON, and no database driver
  encodes a lone surrogate (which `email` produces for undecodable header bytes): both are
  removed (NUL and the other C0 controls but tab and newlines) or replaced (U+FFFD). Everything
  read from a message passes through one of them before it reaches a row.
- `ParseLimits`: MIME parts, nesting depth, the length of one header, files read per message.
  Each is checked while walking the cheap compat32 tree, before anything expensive is decoded.
- `content_fingerprint`: what makes two deliveries "the same message" for deduplication (the
  body and the author's headers, not the trace headers a second delivery adds).
"""
import hashlib
import re
from dataclasses import dataclass
from email import policy
from email.parser import BytesHeaderParser

__all__ = ["ParseLimits", "safe_text", "safe_line", "content_fingerprint", "header_block"]

_SURROGATES = re.compile(r"[\ud800-\udfff]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_CONTROLS = re.compile(r"[\x00-\x1f\x7f]+")


def safe_text(value: str | None) -> str:
    """Text any database stores: no NUL or other control characters (tab and newlines kept), no
    lone surrogates (replaced by U+FFFD)."""
    if not value:
        return ""
    return _CONTROLS.sub("", _SURROGATES.sub("\ufffd", str(value)))


def safe_line(value: str | None, limit: int | None = None) -> str:
    """One line of safe text (a subject, a name, an address): controls and line breaks become one
    space; cut at `limit` characters."""
    if not value:
        return ""
    text = _LINE_CONTROLS.sub(" ", _SURROGATES.sub("\ufffd", str(value))).strip()
    return text[:limit] if limit is not None else text


@dataclass(frozen=True)
class ParseLimits:
    max_parts: int = 5000
    max_depth: int = 20
    max_header_bytes: int = 16 * 1024
    max_attachments: int = 20

    @classmethod
    def configured(cls) -> "ParseLimits":
        """The limits of the settings (INBOUND_MAIL_MAX_*); the defaults outside Django."""
        try:
            from django.conf import settings

            return cls(
                max_parts=settings.INBOUND_MAIL_MAX_PARTS, max_depth=settings.INBOUND_MAIL_MAX_DEPTH,
                max_header_bytes=settings.INBOUND_MAIL_MAX_HEADER_BYTES,
                max_attachments=settings.INBOUND_MAIL_MAX_ATTACHMENTS,
            )
        except Exception:  # noqa: BLE001  (no Django settings: the defaults)
            return cls()


def header_block(raw: bytes) -> tuple[bytes, bytes]:
    """(headers, body) of a raw message, split at the first empty line."""
    for lead in (b"\r\n", b"\n"):
        if raw.startswith(lead):
            return b"", raw[len(lead):]
    found = [(raw.find(sep), sep) for sep in (b"\r\n\r\n", b"\n\n") if raw.find(sep) != -1]
    if not found:
        return raw, b""
    at, sep = min(found)
    return raw[:at], raw[at + len(sep):]


_AUTHOR_HEADERS = ("From", "To", "Cc", "Subject", "Date", "In-Reply-To", "References")


def content_fingerprint(raw: bytes) -> str:
    """A digest of what the author wrote: the body (line endings and trailing blanks aside) and
    the author's headers. A second delivery of one message (other Received, Delivered-To or
    Return-Path lines) has the same fingerprint; a different message reusing its Message-ID
    does not."""
    head, body = header_block(bytes(raw))
    digest = hashlib.sha256()
    try:
        msg = BytesHeaderParser(policy=policy.compat32).parsebytes(head + b"\r\n\r\n")
        for name in _AUTHOR_HEADERS:
            digest.update(name.encode() + b":" + " ".join(str(v) for v in msg.get_all(name, [])).encode(
                "utf-8", "surrogateescape") + b"\n")
    except Exception:  # noqa: BLE001  (unreadable headers: compare them as bytes)
        digest.update(head)
    lines = body.replace(b"\r\n", b"\n").rstrip().split(b"\n")
    digest.update(b"\n".join(line.rstrip() for line in lines))
    return digest.hexdigest()
