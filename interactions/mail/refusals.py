"""Files of a message that were not attached, as a message records them and a work note counts
them (issue 14: one note saying how many and why, never one per file, and never a row of 2,000
entries)."""

__all__ = ["MAX_ERRORS_LISTED", "unread_refusals", "kept_errors", "refusal_summary"]

MAX_ERRORS_LISTED = 50


def unread_refusals(names: list[str], limit: int) -> list[dict]:
    """The files past the limit of files per message (never decoded), as refusals."""
    reason = f"over the limit of {limit} files per message (INBOUND_MAIL_MAX_ATTACHMENTS): not read"
    return [{"name": name, "reason": reason} for name in names]


def kept_errors(errors: list[dict]) -> list[dict]:
    """What a message records of its refused files: each, up to MAX_ERRORS_LISTED, then one line
    counting the rest."""
    if len(errors) <= MAX_ERRORS_LISTED:
        return errors
    rest = len(errors) - MAX_ERRORS_LISTED
    return errors[:MAX_ERRORS_LISTED] + [{"name": f"({rest} more)", "reason": "refused for the reasons above"}]


def refusal_summary(errors: list[dict]) -> str:
    """"1980 over the limit of …; 1 File type … not allowed": how many files were refused, and why,
    the commonest reason first (at most ten reasons named)."""
    counts: dict[str, int] = {}
    for row in errors:
        counts[row["reason"]] = counts.get(row["reason"], 0) + 1
    ordered = sorted(counts.items(), key=lambda item: -item[1])
    text = "; ".join(f"{n} {reason}" for reason, n in ordered[:10])
    return text + (f"; {len(ordered) - 10} other reasons" if len(ordered) > 10 else "")
