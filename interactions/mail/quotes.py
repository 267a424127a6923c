"""Quoted history out of a reply, so a case comment holds what the customer wrote now.

Cut at the first of these (the rest is history):
- an Outlook header block: "From: ..." followed within four lines by "Sent:" or "Date:" (also the
  underscore rule Outlook puts above it), and the German and French variants;
- "-----Original Message-----";
- Gmail / Apple Mail "On <date>, <someone> wrote:" (also broken over two lines) and the usual
  French and German forms;
- a signature separator "-- " (RFC 3676), and "Sent from my iPhone"-style footers.
Lines starting with ">" are quoted text and are dropped wherever they are.
A forwarded message (subject "Fwd:"/"FW:", or a "---------- Forwarded message ---------" /
"Begin forwarded message:" marker) is not history: it is what the customer is sending us, so the
text is kept whole.
If cutting leaves nothing, the whole text is kept: better a comment with history than none."""
import re

_ORIGINAL = re.compile(r"^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine)\s*-{2,}\s*$", re.I)
_ON_WROTE = re.compile(r"^\s*(on\s.+\swrote:|le\s.+\sa écrit\s?:|am\s.+\sschrieb\s.+:)\s*$", re.I)
_ON_START = re.compile(r"^\s*(on|le|am)\s.+", re.I)
_WROTE_END = re.compile(r"(wrote:|a écrit\s?:|schrieb.*:)\s*$", re.I)
_FROM = re.compile(r"^\s*\**(from|von|de)\s*:\**\s.+", re.I)
_SENT = re.compile(r"^\s*\**(sent|date|gesendet|envoyé|datum)\s*:\**\s.+", re.I)
_RULE = re.compile(r"^\s*_{8,}\s*$")
_SIGNATURE = re.compile(r"^--\s?$")
_MOBILE = re.compile(r"^\s*(sent from my \w+|sent from (outlook|mail) for \w+|get outlook for \w+)", re.I)


def _cut_index(lines: list[str]) -> int | None:
    for i, line in enumerate(lines):
        if _ORIGINAL.match(line) or _ON_WROTE.match(line) or _SIGNATURE.match(line):
            return i
        if _MOBILE.match(line):
            return i
        if _ON_START.match(line) and i + 1 < len(lines) and _WROTE_END.search(lines[i + 1]) and len(line) < 200:
            return i
        if _FROM.match(line) and any(_SENT.match(nxt) for nxt in lines[i + 1 : i + 5]):
            return i - 1 if i > 0 and _RULE.match(lines[i - 1]) else i
        if _RULE.match(line) and i + 1 < len(lines) and _FROM.match(lines[i + 1]):
            return i
    return None


_FORWARD_MARK = re.compile(r"^\s*(-{2,}\s*forwarded message\s*-{2,}|begin forwarded message:)", re.I | re.M)
_FORWARD_SUBJECT = re.compile(r"^\s*(fwd?|fw|wg|tr)\s*:", re.I)


def is_forward(subject: str, text: str) -> bool:
    """Forwarded by subject, or a forward marker before any reply history."""
    if _FORWARD_SUBJECT.match(subject or ""):
        return True
    lines = (text or "").replace("\r\n", "\n").split("\n")
    cut = _cut_index(lines)
    return any(_FORWARD_MARK.match(line) for line in (lines if cut is None else lines[:cut]))


def strip_quoted(text: str, *, subject: str = "") -> str:
    """The new part of a reply (see the module's doc)."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if _FORWARD_SUBJECT.match(subject or "") or any(_FORWARD_MARK.match(line) for line in lines[: _cut_index(lines)]):
        return re.sub(r"\n{3,}", "\n\n", text).strip()
    cut = _cut_index(lines)
    kept = lines[:cut] if cut is not None else lines
    kept = [line for line in kept if not line.lstrip().startswith(">")]
    result = "\n".join(kept).strip()
    result = re.sub(r"\n{3,}", "\n\n", result)
    return result or text.strip()
