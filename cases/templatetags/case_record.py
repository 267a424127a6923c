"""Small formatting helpers of the record pages (durations as an agent reads them)."""
import datetime

from django import template

register = template.Library()


@register.filter
def duration_short(value) -> str:
    """A timedelta as "2d 3h", "3h 05m", "12m" or "40s"; negative values without the sign."""
    if value is None:
        return ""
    if not isinstance(value, datetime.timedelta):
        return str(value)
    seconds = abs(int(value.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"


@register.filter
def is_negative(value) -> bool:
    return isinstance(value, datetime.timedelta) and value < datetime.timedelta(0)


@register.filter
def filesize(value) -> str:
    """Bytes in B, KB or MB (1024-based, one decimal)."""
    try:
        size = int(value)
    except (TypeError, ValueError):
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


@register.filter
def code_label(value) -> str:
    """A state code as words ("awaiting_info" -> "Awaiting info"), where no label is at hand."""
    text = str(value or "").replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]
