"""Pictures of a lifecycle, drawn from its data: Mermaid text for the docs and a self-contained SVG
(our own layout, no library, no script) for the docs and the admin.

Every label is escaped here (`django.utils.html.escape`), so the admin may show the SVG as is."""
import math
from collections import defaultdict

from django.utils.html import escape

from cases.models import Lifecycle, LifecycleState, LifecycleTransition

CATEGORY_FILL = {
    "new": "#e3f2fd",
    "open": "#e8f5e9",
    "awaiting": "#fff8e1",
    "resolved": "#ede7f6",
    "closed": "#eceff1",
    "cancelled": "#fbe9e7",
}
BOX_W, BOX_H = 170, 52
COL_STEP, ROW_STEP = 290, 230
MARGIN_X, MARGIN_TOP = 90, 150
COLUMNS = 4


def _parts(lifecycle: Lifecycle) -> tuple[list[LifecycleState], list[LifecycleTransition]]:
    states = list(lifecycle.states.order_by("order", "id"))
    transitions = list(lifecycle.transitions.select_related("source", "target").order_by("order", "id"))
    return states, transitions


def transition_label(transition: LifecycleTransition) -> str:
    return f"{transition.action} ({transition.actor})"


# --- Mermaid --------------------------------------------------------------------------------------
def _mermaid_id(code: str) -> str:
    return "s_" + "".join(c if c.isalnum() else "_" for c in code)


def _mermaid_text(text: str) -> str:
    """Mermaid entity codes for the characters its grammar or a Markdown renderer would read."""
    text = " ".join(str(text).split())
    return "".join(f"#{ord(c)};" if c in ':;#<>"&{}' else c for c in text)


def lifecycle_mermaid(lifecycle: Lifecycle) -> str:
    states, transitions = _parts(lifecycle)
    lines = ["stateDiagram-v2"]
    for state in states:
        lines.append(f"    {_mermaid_id(state.code)}: {_mermaid_text(state.label)}")
    for state in states:
        if state.is_initial:
            lines.append(f"    [*] --> {_mermaid_id(state.code)}")
    for t in transitions:
        lines.append(
            f"    {_mermaid_id(t.source.code)} --> {_mermaid_id(t.target.code)}: {_mermaid_text(transition_label(t))}"
        )
    return "\n".join(lines) + "\n"


# --- SVG ------------------------------------------------------------------------------------------
def _box_exit(cx: float, cy: float, tx: float, ty: float, pad: float = 0) -> tuple[float, float]:
    """Where the ray from the box centre (cx, cy) towards (tx, ty) leaves the box."""
    dx, dy = tx - cx, ty - cy
    if dx == 0 and dy == 0:
        return cx, cy
    hw, hh = BOX_W / 2 + pad, BOX_H / 2 + pad
    scale = min(hw / abs(dx) if dx else math.inf, hh / abs(dy) if dy else math.inf)
    return cx + dx * scale, cy + dy * scale


def _rect_around(c: tuple[float, float], hw: float, hh: float) -> tuple[float, float, float, float]:
    return c[0] - hw, c[1] - hh, c[0] + hw, c[1] + hh


def _inside(x: float, y: float, r: tuple[float, float, float, float]) -> bool:
    return r[0] <= x <= r[2] and r[1] <= y <= r[3]


def _overlap(a, b) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _bezier(p0, c, p1, t: float) -> tuple[float, float]:
    u = 1 - t
    return u * u * p0[0] + 2 * u * t * c[0] + t * t * p1[0], u * u * p0[1] + 2 * u * t * c[1] + t * t * p1[1]


def _route(sx, sy, tx, ty, others):
    """A quadratic curve from box to box, bent to its left (so A->B and B->A stay apart), bent
    further or to the other side when that keeps it clear of the boxes in between."""
    dx, dy = tx - sx, ty - sy
    dist = math.hypot(dx, dy)
    nx, ny = dy / dist, -dx / dist
    base = 24 + 0.12 * dist
    best = None
    for i, bend in enumerate((base, base * 2, -base * 1.5, base * 3, -base * 2.5, base * 4)):
        cx, cy = (sx + tx) / 2 + nx * bend, (sy + ty) / 2 + ny * bend
        x0, y0 = _box_exit(sx, sy, cx, cy)
        x1, y1 = _box_exit(tx, ty, cx, cy, pad=2)
        hits = sum(
            1 for k in range(1, 20) for r in others if _inside(*_bezier((x0, y0), (cx, cy), (x1, y1), k / 20), r)
        )
        score = hits * 1000 + i
        if best is None or score < best[0]:
            best = (score, (x0, y0, cx, cy, x1, y1))
    return best[1]


def _label_spot(p0, c, p1, w: float, h: float, taken) -> tuple[float, float]:
    """The point along the curve where the label covers the least of the boxes and labels."""
    best = None
    for t in (0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74):
        x, y = _bezier(p0, c, p1, t)
        cost = sum(_overlap(_rect_around((x, y), w / 2, h / 2), r) for r in taken)
        if best is None or cost < best[0]:
            best = (cost, (x, y))
        if cost == 0:
            break
    return best[1]


def _text_width(text: str, size: float) -> float:
    return len(text) * size * 0.56


def lifecycle_svg(lifecycle: Lifecycle) -> str:
    states, transitions = _parts(lifecycle)
    columns = max(1, min(COLUMNS, len(states)))
    rows = max(1, math.ceil(len(states) / columns))
    centre = {}
    for i, state in enumerate(states):
        row, col = divmod(i, columns)
        centre[state.pk] = (MARGIN_X + BOX_W / 2 + col * COL_STEP, MARGIN_TOP + BOX_H / 2 + row * ROW_STEP)
    width = MARGIN_X * 2 + BOX_W + (columns - 1) * COL_STEP
    height = MARGIN_TOP + BOX_H + (rows - 1) * ROW_STEP + 130

    # One arrow per (source, target); its label lists every action on it.
    edges: dict[tuple[int, int], list[str]] = defaultdict(list)
    for t in transitions:
        label = transition_label(t)
        if label not in edges[(t.source_id, t.target_id)]:
            edges[(t.source_id, t.target_id)].append(label)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="Helvetica, Arial, sans-serif" role="img" '
        f'aria-label="{escape(lifecycle.name)} lifecycle">',
        "<defs>"
        '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#455a64"/></marker>'
        "</defs>",
        f'<rect x="0" y="0" width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
        f'<text x="{MARGIN_X}" y="36" font-size="20" font-weight="bold" fill="#263238">'
        f"{escape(lifecycle.name)} lifecycle</text>",
        f'<text x="{MARGIN_X}" y="58" font-size="12" fill="#607d8b">'
        f"{escape(lifecycle.code)} · {len(states)} states · {len(transitions)} transitions</text>",
    ]
    arrows, labels = [], []
    obstacles = [_rect_around(c, BOX_W / 2 + 6, BOX_H / 2 + 6) for c in centre.values()]
    routed = []  # (texts, curve points); every arrow first, so labels can keep off arrowheads
    for (source_id, target_id), texts in edges.items():
        if source_id not in centre or target_id not in centre:
            continue
        (sx, sy), (tx, ty) = centre[source_id], centre[target_id]
        if source_id == target_id:  # a loop above the box
            x0, y0, x1 = sx - 30, sy - BOX_H / 2, sx + 30
            arrows.append(
                f'<path d="M{x0:.1f},{y0:.1f} C{x0:.1f},{y0 - 60:.1f} {x1:.1f},{y0 - 60:.1f} {x1:.1f},{y0:.1f}" '
                'fill="none" stroke="#455a64" stroke-width="1.4" marker-end="url(#arrow)"/>'
            )
            routed.append((texts, ((x0, y0 - 45), (sx, y0 - 45), (x1, y0 - 45))))
            continue
        others = [r for pk, r in zip(centre, obstacles) if pk not in (source_id, target_id)]
        x0, y0, cx, cy, x1, y1 = _route(sx, sy, tx, ty, others)
        arrows.append(
            f'<path d="M{x0:.1f},{y0:.1f} Q{cx:.1f},{cy:.1f} {x1:.1f},{y1:.1f}" fill="none" '
            'stroke="#455a64" stroke-width="1.4" marker-end="url(#arrow)"/>'
        )
        routed.append((texts, ((x0, y0), (cx, cy), (x1, y1))))
    placed = obstacles + [_rect_around(points[2], 12, 12) for _, points in routed]
    xs, ys = [0.0, width], [0.0, height]
    for texts, points in routed:
        size, line_h = 11, 14
        box_w = max(_text_width(t, size) for t in texts) + 10
        box_h = line_h * len(texts) + 6
        mx, my = _label_spot(*points, box_w, box_h, placed)
        top = my - box_h / 2
        placed.append(_rect_around((mx, my), box_w / 2 + 3, box_h / 2 + 3))
        curve = [_bezier(*points, k / 16) for k in range(17)]
        xs += [p[0] for p in curve] + [mx - box_w / 2, mx + box_w / 2]
        ys += [p[1] for p in curve] + [top, top + box_h]
        labels.append(
            f'<rect x="{mx - box_w / 2:.1f}" y="{top:.1f}" width="{box_w:.1f}" height="{box_h:.1f}" rx="4" '
            'fill="#ffffff" fill-opacity="0.92" stroke="#cfd8dc" stroke-width="0.8"/>'
        )
        for i, text in enumerate(texts):
            labels.append(
                f'<text x="{mx:.1f}" y="{top + 3 + line_h * (i + 0.8):.1f}" font-size="{size}" '
                f'text-anchor="middle" fill="#37474f">{escape(text)}</text>'
            )
    # Grow the canvas to hold the curves and their labels.
    left, top_edge = min(xs) - 10, min(ys) - 10
    right, bottom = max(xs) + 10, max(ys) + 10
    out[0] = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{right - left:.0f}" height="{bottom - top_edge:.0f}" '
        f'viewBox="{left:.0f} {top_edge:.0f} {right - left:.0f} {bottom - top_edge:.0f}" '
        f'font-family="Helvetica, Arial, sans-serif" role="img" aria-label="{escape(lifecycle.name)} lifecycle">'
    )
    out[2] = (
        f'<rect x="{left:.0f}" y="{top_edge:.0f}" width="{right - left:.0f}" height="{bottom - top_edge:.0f}" '
        'fill="#ffffff"/>'
    )
    boxes = []
    for state in states:
        cx, cy = centre[state.pk]
        x, y = cx - BOX_W / 2, cy - BOX_H / 2
        stroke = 'stroke="#1565c0" stroke-width="2.5"' if state.is_initial else 'stroke="#78909c" stroke-width="1.2"'
        boxes.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{BOX_W}" height="{BOX_H}" rx="14" '
            f'fill="{CATEGORY_FILL.get(state.category, "#ffffff")}" {stroke}/>'
        )
        boxes.append(
            f'<text x="{cx:.1f}" y="{cy - 2:.1f}" font-size="14" font-weight="bold" text-anchor="middle" '
            f'fill="#263238">{escape(state.label)}</text>'
        )
        boxes.append(
            f'<text x="{cx:.1f}" y="{cy + 15:.1f}" font-size="10.5" text-anchor="middle" fill="#607d8b">'
            f"{escape(state.code)} · {escape(state.get_category_display())}"
            f"{' · initial' if state.is_initial else ''}</text>"
        )
    out += arrows + boxes + labels
    out.append("</svg>")
    return "\n".join(out) + "\n"


def lifecycle_markdown(lifecycles: list[Lifecycle]) -> str:
    """docs/lifecycles.md: one Mermaid diagram and one table of transitions per lifecycle."""

    def cell(text) -> str:
        return escape(str(text)).replace("|", "&#124;").replace("\n", " ")

    parts = [
        "# Case lifecycles\n",
        "Generated by `manage.py graph_lifecycles` from the lifecycles in the database; do not edit by hand.",
        "Admins change lifecycles in the admin (Cases › Lifecycles); regenerate this page afterwards.\n",
    ]
    for lifecycle in lifecycles:
        states, transitions = _parts(lifecycle)
        parts.append(f"## {cell(lifecycle.name)} (`{lifecycle.code}`)\n")
        if lifecycle.description:
            parts.append(f"{cell(lifecycle.description)}\n")
        if lifecycle.is_default:
            parts.append("The default lifecycle (case types without their own use it).\n")
        parts.append(f"![{cell(lifecycle.name)}](lifecycles/{lifecycle.code}.svg)\n")
        parts.append("```mermaid\n" + lifecycle_mermaid(lifecycle) + "```\n")
        parts.append("| state | label | category | initial |\n|---|---|---|---|")
        for s in states:
            parts.append(f"| `{s.code}` | {cell(s.label)} | {s.category} | {'yes' if s.is_initial else ''} |")
        parts.append("")
        parts.append("| action | label | from | to | actor | requires |\n|---|---|---|---|---|---|")
        for t in transitions:
            required = ", ".join(t.required_fields or [])
            parts.append(
                f"| `{t.action}` | {cell(t.label)} | `{t.source.code}` | `{t.target.code}` | {t.actor} | {cell(required)} |"
            )
        parts.append("")
    return "\n".join(parts)
