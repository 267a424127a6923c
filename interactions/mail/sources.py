"""Where raw messages come from: IMAP (`imaplib`, standard library) and a maildir directory
(`mailbox.Maildir`). A source hands each raw message to `store(raw, source_key)`, which must
have stored *and committed* it when it returns; only then is the message marked on the server
(IMAP: \\Seen; maildir: moved from new/ to cur/). A crash between the two leaves the message
unmarked, and the next poll stores nothing twice (the key is unique per mailbox).

IMAP keys are `imap:<UIDVALIDITY>:<UID>`. With a cursor for the folder's current UIDVALIDITY the
poll asks for `UID <last+1>:*` (what arrived since, even if a person read it meanwhile);
without one (first poll, or the server renumbered the folder) it asks for UNSEEN messages.
Maildir keys are `maildir:<key>`. Both take at most `batch` messages per poll."""
import imaplib
import mailbox as mailbox_lib
import os
import re
from collections.abc import Callable

__all__ = ["SourceError", "imap_fetch", "maildir_fetch"]


class SourceError(Exception):
    """The source could not be read (connection, login, folder). Never carries the password."""


Store = Callable[[bytes, str], object]


def _check(typ, data, what: str) -> None:
    if typ != "OK":
        detail = b" ".join(d for d in (data or []) if isinstance(d, bytes)).decode("utf-8", "replace")
        raise SourceError(f"IMAP {what} failed: {detail or typ}")


def _quote_folder(folder: str) -> str:
    folder = folder or "INBOX"
    if re.fullmatch(r"[A-Za-z0-9._/-]+", folder):
        return folder
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _uidvalidity(conn) -> int:
    _, values = conn.response("UIDVALIDITY")
    for value in values or []:
        if value:
            return int(value)  # int() reads ASCII digits from bytes
    raise SourceError("The IMAP server did not report the folder's UIDVALIDITY.")


def _raw_of(data) -> bytes | None:
    for item in data or []:
        if isinstance(item, tuple) and len(item) >= 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def imap_fetch(
    *,
    host: str,
    port: int,
    ssl: bool,
    username: str,
    password: str,
    folder: str,
    cursor: tuple[int | None, int],
    store: Store,
    save_cursor: Callable[[int, int], object],
    batch: int,
    timeout: int = 60,
    unreadable: Callable[[str, str], object] | None = None,
) -> int:
    """Fetch new messages from one IMAP folder; returns how many were handed to `store`.
    `cursor` is (UIDVALIDITY, last UID) from the previous poll."""
    factory = imaplib.IMAP4_SSL if ssl else imaplib.IMAP4
    try:
        conn = factory(host, port, timeout=timeout)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise SourceError(f"Cannot connect to {host}:{port}: {exc}") from None
    try:
        try:
            conn.login(username, password)
        except imaplib.IMAP4.error as exc:
            raise SourceError(f"IMAP login as {username} failed: {exc}") from None
        typ, data = conn.select(_quote_folder(folder))
        _check(typ, data, f"SELECT {folder}")
        uidvalidity = _uidvalidity(conn)
        known_validity, last_uid = cursor
        last = last_uid if known_validity == uidvalidity else 0
        criteria = f"UID {last + 1}:*" if last else "UNSEEN"
        typ, data = conn.uid("SEARCH", None, criteria)
        _check(typ, data, "SEARCH")
        # "UID n:*" always matches the newest message, even below n: keep only the new ones.
        uids = sorted({int(u) for u in (data[0] or b"").split() if int(u) > last})[:batch]
        handled = 0
        for uid in uids:
            typ, data = conn.uid("FETCH", str(uid), "(BODY.PEEK[])")  # PEEK: not marked seen yet
            if typ != "OK" and unreadable is not None:
                # One message the server will not hand over must not stop the ones after it: it is
                # recorded (quarantined, with the server's answer) and stays unread on the server.
                detail = b" ".join(d for d in (data or []) if isinstance(d, bytes)).decode("utf-8", "replace")
                unreadable(f"imap:{uidvalidity}:{uid}", f"The IMAP server refused to hand over UID {uid}: "
                                                        f"{detail or typ}. It stays unread on the server.")
                save_cursor(uidvalidity, uid)
                handled += 1
                continue
            _check(typ, data, f"FETCH {uid}")
            raw = _raw_of(data)
            if raw is None:
                continue  # expunged meanwhile
            store(raw, f"imap:{uidvalidity}:{uid}")  # stored and committed
            conn.uid("STORE", str(uid), "+FLAGS", "(\\Seen)")
            save_cursor(uidvalidity, uid)
            handled += 1
        return handled
    except (OSError, imaplib.IMAP4.abort) as exc:
        raise SourceError(f"IMAP connection to {host} lost: {exc}") from None
    finally:
        try:
            conn.logout()
        except Exception:  # noqa: BLE001  (already closed)
            pass


def maildir_fetch(*, path: str, store: Store, batch: int) -> int:
    """Store the messages in the maildir's new/ and move each to cur/ (flag S) once stored.
    Read through `mailbox.Maildir`; the move is a rename, because Python 3.11's Maildir has no
    public call that moves a message without rewriting it (its bytes must stay as stored)."""
    if not path or not os.path.isdir(os.path.join(path, "new")):
        raise SourceError(f"{path or '(no path)'} is not a maildir (no new/ directory).")
    box = mailbox_lib.Maildir(path, factory=None, create=False)
    new_dir, cur_dir = os.path.join(path, "new"), os.path.join(path, "cur")
    handled, unread = 0, []
    for name in sorted(os.listdir(new_dir)):
        if name.startswith(".") or handled >= batch:
            continue
        key = name.split(":", 1)[0]
        try:
            raw = box.get_bytes(key)
        except KeyError:
            continue  # taken by another reader meanwhile
        except OSError as exc:  # unreadable file (permissions): the others are still read
            unread.append(f"{name}: {exc.strerror or exc}")
            continue
        store(raw, f"maildir:{key}")
        os.makedirs(cur_dir, exist_ok=True)
        os.replace(os.path.join(new_dir, name), os.path.join(cur_dir, f"{key}:2,S"))
        handled += 1
    if unread:
        raise SourceError(f"{len(unread)} message file(s) in new/ could not be read and were left there "
                          f"({handled} other(s) stored): " + "; ".join(unread[:5]))
    return handled
