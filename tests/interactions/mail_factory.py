"""Malformed and hostile mail, generated (no binary fixtures): the shapes of issue 14's corpus.
Each function returns the raw bytes of one message."""
import random

CRLF = b"\r\n"


def _h(**headers) -> bytes:
    return b"".join(f"{k.replace('_', '-')}: {v}".encode("utf-8", "surrogateescape") + CRLF for k, v in headers.items())


def plain(sender: str, *, subject: str = "Printer jams again", message_id: str | None = None, body: str = "It jams.",
          in_reply_to: str | None = None) -> bytes:
    headers = {"From": f"Dana <{sender}>", "To": "support@casedesk.localhost", "Subject": subject}
    if message_id:
        headers["Message-ID"] = f"<{message_id}>"
    if in_reply_to:
        headers["In-Reply-To"] = f"<{in_reply_to}>"
    return _h(**headers) + b"Content-Type: text/plain; charset=utf-8" + CRLF + CRLF + body.encode() + CRLF


def nul_message(sender: str, where: str) -> bytes:
    """A NUL byte in the Subject, From's display name, Message-ID or body."""
    subject = b"Printer\x00 jams" if where == "subject" else b"Printer jams"
    name = b"Da\x00na" if where == "from_name" else b"Dana"
    mid = b"<nul\x00id@acme.example>" if where == "message_id" else b"<nul-" + where.encode() + b"@acme.example>"
    body = b"It jams\x00 again." if where == "body" else b"It jams again."
    return (b"From: " + name + b" <" + sender.encode() + b">\r\nTo: support@casedesk.localhost\r\nSubject: " + subject
            + b"\r\nMessage-ID: " + mid + b"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + CRLF)


def many_parts(sender: str, files: int, *, subject: str = "Logs", message_id: str | None = None,
               in_reply_to: str | None = None) -> bytes:
    """A text body and `files` small text attachments (about 100 bytes each)."""
    head = {"From": f"Dana <{sender}>", "To": "support@casedesk.localhost", "Subject": subject, "MIME-Version": "1.0"}
    if message_id:
        head["Message-ID"] = f"<{message_id}>"
    if in_reply_to:
        head["In-Reply-To"] = f"<{in_reply_to}>"
    parts = [b"--b\r\nContent-Type: text/plain\r\n\r\nSee the logs.\r\n"]
    parts += [
        b"--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=log%d.txt\r\n\r\nline %d\r\n" % (i, i)
        for i in range(files)
    ]
    return (_h(**head) + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + b"".join(parts) + b"--b--\r\n")


def nested(depth: int, sender: str = "dana@acme.example") -> bytes:
    body, ctype = b"deep\r\n", b"text/plain"
    for i in range(depth):
        body = b"--n%d\r\nContent-Type: %s\r\n\r\n%s\r\n--n%d--\r\n" % (i, ctype, body, i)
        ctype = b"multipart/mixed; boundary=n%d" % i
    return b"From: " + sender.encode() + b"\r\nSubject: Deep\r\nContent-Type: " + ctype + b"\r\n\r\n" + body


def huge_header(name: str, size: int, sender: str = "dana@acme.example") -> bytes:
    value = b"x " * (size // 2)
    headers = {"From": sender.encode(), "Subject": b"Huge"}
    headers[name] = value
    return b"".join(k.encode() + b": " + v + CRLF for k, v in headers.items()) + CRLF + b"body\r\n"


def huge_part_params(size: int, sender: str = "dana@acme.example") -> bytes:
    params = b"; ".join(b"p%d=v" % i for i in range(size // 8))
    return (b"From: " + sender.encode() + b"\r\nSubject: Params\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
            b"--b\r\nContent-Type: text/plain; " + params + b"\r\n\r\nhello\r\n--b--\r\n")


def corpus(sender: str, *, oversize: int) -> list[tuple[str, bytes]]:
    """The malformed-mail corpus of issue 14: (name, raw) pairs, each bad message followed by a
    good one from a known sender, so a blocked poll shows as good mail left unread."""
    rng = random.Random(14)
    good = iter(range(10**6))
    bad: list[tuple[str, bytes]] = [
        ("empty", b""),
        ("garbage", rng.randbytes(4000)),
        ("garbage_text", b"\xff\xfe not a mail at all \x00\x01\x02" * 50),
        ("no_headers", b"\r\nJust a body, no headers at all.\r\n"),
        ("headers_only", b"From: " + sender.encode() + b"\r\nSubject: Only headers"),
        ("no_sender", b"Subject: Nobody wrote this\r\n\r\nhello\r\n"),
        ("broken_boundary", b"From: " + sender.encode() + b"\r\nSubject: Broken\r\nContent-Type: multipart/mixed; "
                            b"boundary=missing\r\n\r\n--other\r\nContent-Type: text/plain\r\n\r\nhello\r\n"),
        ("no_boundary_param", b"From: " + sender.encode() + b"\r\nSubject: No boundary\r\nContent-Type: "
                              b"multipart/mixed\r\n\r\nhello\r\n"),
        ("bad_base64", b"From: " + sender.encode() + b"\r\nSubject: Bad base64\r\nContent-Type: multipart/mixed; "
                       b"boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: "
                       b"application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n"
                       b"Content-Transfer-Encoding: base64\r\n\r\n@@@not*base64!!!=\r\n--b--\r\n"),
        ("unknown_charset", b"From: " + sender.encode() + b"\r\nSubject: =?x-klingon?Q?Qapla=E9?=\r\n"
                            b"Content-Type: text/plain; charset=x-klingon\r\n\r\nQapla\xe9 \xff\xfe\r\n"),
        ("wrong_charset", b"From: " + sender.encode() + b"\r\nSubject: Caf\xe9\r\nContent-Type: text/plain; "
                          b"charset=utf-8\r\n\r\nCaf\xe9 cr\xe8me\r\n"),
        ("rfc2231_charset", b"From: " + sender.encode() + b"\r\nSubject: RFC 2231\r\nContent-Type: text/plain; "
                            b"charset*=utf-8''utf-8\r\n\r\nhello\r\n"),
        ("invalid_utf8_headers", b"From: \xff\xfe <" + sender.encode() + b">\r\nSubject: \xed\xa0\x80 surrogate "
                                 b"\xc3\x28\r\n\r\nbody \xed\xa0\x80\r\n"),
        ("nul_subject", nul_message(sender, "subject")),
        ("nul_from_name", nul_message(sender, "from_name")),
        ("nul_message_id", nul_message(sender, "message_id")),
        ("nul_body", nul_message(sender, "body")),
        ("nul_filename", b"From: " + sender.encode() + b"\r\nSubject: NUL file\r\nContent-Type: multipart/mixed; "
                         b"boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: "
                         b"text/plain\r\nContent-Disposition: attachment; filename=\"a\x00b\x01.txt\"\r\n\r\n"
                         b"data\x00data\r\n--b--\r\n"),
        ("nul_encoded_word", b"From: =?utf-8?B?RGEAbmE=?= <" + sender.encode() + b">\r\nSubject: =?utf-8?Q?a=00b?=\r\n"
                             b"\r\nhello\r\n"),
        ("huge_subject", huge_header("Subject", 100_000, sender)),
        ("huge_references", huge_header("References", 200_000, sender)),
        ("many_headers", b"".join(b"X-Filler-%d: v\r\n" % i for i in range(3000)) + b"From: " + sender.encode()
                         + b"\r\nSubject: Many headers\r\n\r\nhello\r\n"),
        ("nested_comments_from", b"From: " + b"(a" * 3000 + b" <" + sender.encode() + b">\r\nSubject: Comments\r\n"
                                 b"\r\nhello\r\n"),
        ("huge_part_params", huge_part_params(50_000, sender)),
        ("deep_nesting", nested(40, sender)),
        ("very_deep_nesting", nested(1500, sender)),
        ("thousands_of_parts", many_parts(sender, 2000, subject="Two thousand files")),
        ("too_many_parts", many_parts(sender, 6000, subject="Six thousand files")),
        ("duplicate_id_a", plain(sender, subject="Duplicate A", message_id="dup@corpus.example")),
        ("duplicate_id_b", plain(sender, subject="Duplicate B", message_id="dup@corpus.example", body="Other")),
        ("redelivery", b"Received: from relay2; Mon, 7 Dec 2026 10:00:01 +0000\r\n"
                       + plain(sender, subject="Duplicate A", message_id="dup@corpus.example")),
        ("oversize", plain(sender, subject="Oversize", body="x" * oversize)),
        ("unknown_sender_nul", plain("stranger@nowhere.example", subject="Who\x00 am I")),
        ("auto_reply_nul", b"Auto-Submitted: auto-replied\r\n" + plain(sender, subject="Out of office\x00")),
    ]
    out = []
    for name, raw in bad:
        out.append((name, raw))
        out.append((f"good_after_{name}", plain(sender, subject=f"Good after {name}",
                                                 message_id=f"good-{next(good)}@corpus.example")))
    return out
