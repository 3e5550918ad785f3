"""Charts drawn on the server as accessible SVG: no script, no CDN, nothing fetched (the CSP holds).

Three kinds serve every report of the community:

- :func:`bar_chart` — one horizontal bar per labelled row, grouped (a bar per mark), stacked
  (the marks end to end) or against a track (a share of the row's maximum);
- :func:`histogram` — vertical columns in groups along an axis (weeks, bands of points);
- :func:`line_chart` — a line per series across the axis, with gaps and threshold lines.

Each returns a :class:`Chart`: ``{{ chart }}`` in a template draws it — a legend when one is given,
then an ``<svg role="img">`` named by its ``<title>`` and ``<desc>``, a tooltip on every bar and point,
the numbers written next to them — and ``chart["points"]``, ``chart["rows"]``… give its geometry.
Every page puts a table with the same numbers beside its chart, for screen readers and for people
who would rather read.

The caller gives the colours of its marks (hex, from the palette below); text, grid and axis carry
their colour as attributes, which the operations desk's stylesheet (``.chart__*`` in admin.css)
overrides for its dark theme. Numbers are written without localisation (SVG wants "12.5").
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from math import ceil
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

#: The community's palette (static/css/site.css), for marks: told apart by lightness too.
BRAND, ACCENT, DANGER, LIGHT_BLUE, GREY = "#0f4c81", "#b45309", "#b42318", "#5b9bd5", "#98a2b3"
#: Text, quiet text, grid lines, axis, the track behind a share.
INK, MUTED, GRID, AXIS, TRACK = "#1d2939", "#475467", "#d0d5dd", "#667085", "#eaecf0"

#: Vertical charts: the axis column on the left, the room for value labels on top, the axis labels below.
LEFT, RIGHT, TOP = 48, 16, 24
#: Horizontal bars: the room after a bar for its number.
TEXT_ROOM = 60
#: Text sizes relative to the chart's own (``font_size``): gridline labels, then dates and line labels.
TICK, SMALL = "0.92em", "0.83em"

Number = int | float | Decimal


@dataclass(frozen=True)
class Mark:
    """A bar, a segment or a point: its value (None: nothing drawn), its tooltip, the text written
    next to it (None: none) and its colour (brand blue by default; a point, its line's)."""

    value: Number | None
    title: str
    text: str | None = None
    colour: str | None = None


@dataclass(frozen=True)
class Row:
    """A row of :func:`bar_chart`: its label, its marks, the text after them (a stacked row's total)."""

    label: str
    marks: Sequence[Mark]
    text: str | None = None
    strong: bool = False


@dataclass(frozen=True)
class Group:
    """A group of columns of :func:`histogram`, labelled under the axis (two lines at most)."""

    label: str
    marks: Sequence[Mark]
    sublabel: str = ""


@dataclass(frozen=True)
class Series:
    """A line of :func:`line_chart`: one mark per place on the axis, None where it has no value (a gap)."""

    label: str
    colour: str
    points: Sequence[Mark | None]


@dataclass(frozen=True)
class Threshold:
    """A dashed line across a line chart at ``value`` (an elimination line…), labelled at its right end."""

    value: Number
    label: str
    colour: str


@dataclass(frozen=True)
class Chart:
    """A drawn chart: ``{{ chart }}`` renders it; ``chart[key]`` reads its geometry (tests, tables)."""

    html: SafeString
    geometry: Mapping[str, Any]

    def __html__(self) -> SafeString:
        return self.html

    def __str__(self) -> str:
        return self.html

    def __getitem__(self, key: str) -> Any:
        return self.geometry[key]


@dataclass(frozen=True)
class Axis:
    """The value axis: from 0 up to ``maximum``, gridlines at ``ticks`` labelled by ``label`` ("{}%")."""

    maximum: Number
    ticks: Sequence[Number] = ()
    label: str = "{}"

    @classmethod
    def counting(cls, largest: int) -> "Axis":
        """Counts (cases, residents): up to the largest (at least 1), about four whole-number gridlines."""
        top = max(int(largest), 1)
        return cls(top, tuple(range(0, top + 1, max(1, ceil(top / 4)))))


# --- The three kinds -------------------------------------------------------------------------------------


def bar_chart(
    rows: Sequence[Row],
    *,
    chart_id: str,
    css_class: str,
    title: str,
    desc: str,
    axis: Axis,
    stacked: bool = False,
    track: bool = False,
    width: int = 640,
    label_width: int = 170,
    bar_height: int = 16,
    legend: Sequence[tuple[str, str]] = (),
) -> Chart:
    """Horizontal bars, one row per label: each mark a bar of its own (grouped), or end to end
    (``stacked``), scaled so that the axis maximum fills the bar area; ``track`` draws the full area
    behind each bar (a share of a maximum). The axis ticks are vertical gridlines."""
    area = width - label_width - TEXT_ROOM
    scale = area / float(axis.maximum or 1)
    top = 30 if axis.ticks else 8
    parts: list[str] = []
    drawn_rows = []
    y = top
    for row in rows:
        lanes = 1 if stacked else max(len(row.marks), 1)
        row_height = lanes * bar_height + (lanes - 1) * 2
        parts.append(_text(0, y + row_height / 2, row.label, dy="0.35em", font_weight="700" if row.strong else None))
        x, drawn_marks = float(label_width), []
        for index, mark in enumerate(row.marks):
            lane_y = y if stacked else y + index * (bar_height + 2)
            length = 0.0 if mark.value is None else float(mark.value) * scale
            start = x if stacked else float(label_width)
            if track:
                parts.append(_tag("rect", x=label_width, y=lane_y, width=area, height=bar_height, fill=TRACK))
            if length:
                parts.append(_tag("rect", _title(mark.title), x=start, y=lane_y, width=length, height=bar_height,
                                  fill=mark.colour or BRAND))
            if mark.text is not None:
                parts.append(_text(start + length + 6, lane_y + bar_height / 2, mark.text, dy="0.35em"))
            drawn_marks.append({"x": round(start, 1), "y": lane_y, "width": round(length, 1), "value": mark.value,
                                "text": mark.text})
            if stacked:
                x += length
        if row.text is not None:
            parts.append(_text(x + 6, y + row_height / 2, row.text, dy="0.35em"))
        drawn_rows.append({"label": row.label, "y": y, "marks": drawn_marks})
        y += row_height + 12
    height = y - 4
    grid = []
    drawn_ticks = []
    for value in axis.ticks:
        tick_x, label = label_width + float(value) * scale, axis.label.format(value)
        grid.append(_tag("line", x1=tick_x, y1=20, x2=tick_x, y2=height - 8, stroke=GRID, css="chart__grid"))
        grid.append(_text(tick_x, 14, label, text_anchor="middle", css="chart__tick", fill=MUTED))
        drawn_ticks.append({"x": round(tick_x, 1), "label": label})
    geometry = {"width": width, "height": height, "rows": drawn_rows, "ticks": drawn_ticks}
    return _chart(chart_id, css_class, title, desc, width, height, [*grid, *parts], legend, geometry)


def histogram(
    groups: Sequence[Group],
    *,
    chart_id: str,
    css_class: str,
    title: str,
    desc: str,
    axis: Axis,
    bar_width: int = 22,
    group_gap: int = 18,
    plot_height: int = 200,
    legend: Sequence[tuple[str, str]] = (),
) -> Chart:
    """Vertical columns: per group one column per mark, side by side, scaled so that the axis maximum
    reaches the top; a mark's text above its column; the axis ticks are horizontal gridlines."""
    per_group = max((len(group.marks) for group in groups), default=1)
    group_width = per_group * bar_width + group_gap
    frame = _Frame(len(groups), group_width, plot_height, axis, two_line_labels=any(g.sublabel for g in groups))
    parts = frame.grid()
    drawn = []
    for index, group in enumerate(groups):
        start = LEFT + group_gap / 2 + index * group_width
        for position, mark in enumerate(group.marks):
            x = start + position * bar_width
            y = frame.y(mark.value or 0)
            column = frame.base - y
            parts.append(_tag("rect", _title(mark.title), x=x + 1, y=y, width=bar_width - 2, height=column,
                              fill=mark.colour or BRAND))
            if mark.text is not None:
                parts.append(_text(x + bar_width / 2, y - 4, mark.text, text_anchor="middle"))
            drawn.append({"x": round(x + 1, 1), "y": y, "height": round(column, 1), "value": mark.value,
                          "text": mark.text})
        parts.extend(frame.label(index, group.label, group.sublabel))
    parts.append(frame.baseline())
    geometry = {"width": frame.width, "height": frame.height, "bars": drawn, "ticks": frame.ticks}
    return _chart(chart_id, css_class, title, desc, frame.width, frame.height, parts, legend, geometry)


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    chart_id: str,
    css_class: str,
    title: str,
    desc: str,
    axis: Axis,
    sublabels: Sequence[str] = (),
    thresholds: Sequence[Threshold] = (),
    step: float = 72,
    plot_height: int = 200,
    legend: Sequence[tuple[str, str]] = (),
    font_size: int = 12,
) -> Chart:
    """A line per series through its points (one place per label, ``step`` apart), broken where a
    point is None; each point a dot with its tooltip and its text; ``thresholds`` as dashed lines.
    ``font_size``: smaller for a small chart with many places (the text scales with it)."""
    # Threshold labels stand right of the plot, never over a point, and apart even when the lines are close.
    frame = _Frame(len(labels), step, plot_height, axis, two_line_labels=bool(sublabels),
                   right=RIGHT + (TEXT_ROOM if thresholds else 0))
    parts = frame.grid()
    lines = []
    top_first = sorted(range(len(thresholds)), key=lambda index: -float(thresholds[index].value))
    placed = separated([frame.y(thresholds[index].value) for index in top_first], gap=font_size + 2)
    label_ys = dict(zip(top_first, placed, strict=True))
    for index, threshold in enumerate(thresholds):
        label_y = label_ys[index]
        y = frame.y(threshold.value)
        parts.append(_tag("line", x1=LEFT, y1=y, x2=frame.right, y2=y, stroke=threshold.colour,
                          stroke_width="1.2", stroke_dasharray="4 3"))
        parts.append(_text(frame.right + 4, label_y, threshold.label, dy="0.35em", text_anchor="start",
                           font_size=SMALL, fill=threshold.colour, css=None))
        lines.append({"y": y, "label_y": label_y, "label": threshold.label, "value": threshold.value})
    for index, label in enumerate(labels):
        parts.extend(frame.label(index, label, sublabels[index] if index < len(sublabels) else ""))
    parts.append(frame.baseline())
    drawn_series, all_points = [], []
    for line in series:
        segments: list[list[str]] = [[]]
        dots, points = [], []
        for index, mark in enumerate(line.points):
            if mark is None or mark.value is None:
                segments.append([])
                continue
            x, y = frame.centre(index), frame.y(mark.value)
            segments[-1].append(f"{_number(x)},{_number(y)}")
            colour = mark.colour or line.colour
            dots.append(_tag("circle", _title(mark.title), cx=x, cy=y, r=4.5, fill=colour))
            if mark.text is not None:
                dots.append(_text(x, y, mark.text, dy="-9", text_anchor="middle", fill=colour, font_weight="600",
                                  css=None))
            points.append({"x": round(x, 1), "y": y, "value": mark.value, "text": mark.text})
        for segment in segments:
            if len(segment) > 1:
                parts.append(_tag("polyline", points=" ".join(segment), fill="none", stroke=line.colour,
                                  stroke_width="2"))
        parts.extend(dots)
        drawn_series.append({"label": line.label, "points": points})
        all_points.extend(points)
    geometry = {"width": frame.width, "height": frame.height, "lines": lines, "series": drawn_series,
                "points": all_points, "ticks": frame.ticks}
    return _chart(chart_id, css_class, title, desc, frame.width, frame.height, parts, legend, geometry, font_size)


def separated(ys: Sequence[float], *, gap: float) -> list[float]:
    """Label positions for lines at ``ys`` (top first): each moved down as little as needed to stand at least
    ``gap`` below the one before, so that two close lines (elimination 60, warning 70) keep readable labels."""
    placed: list[float] = []
    for y in ys:
        placed.append(max(y, placed[-1] + gap) if placed else y)
    return placed


# --- Drawing ---------------------------------------------------------------------------------------------


class _Frame:
    """The plot of a vertical chart: ``places`` slots of ``slot`` px along x, the ``axis`` up y."""

    def __init__(self, places: int, slot: float, plot_height: int, axis: Axis, *, two_line_labels: bool,
                 right: int = RIGHT):
        self.slot, self.plot_height, self.axis = slot, plot_height, axis
        self.maximum = float(axis.maximum or 1)
        self.width = int(LEFT + max(places, 1) * slot + right)
        self.right = self.width - right
        self.base = TOP + plot_height
        self.height = self.base + (44 if two_line_labels else 28)
        self.ticks: list[dict[str, Any]] = []

    def y(self, value: Number) -> float:
        return round(self.base - float(value) / self.maximum * self.plot_height, 1)

    def centre(self, index: int) -> float:
        return LEFT + (index + 0.5) * self.slot

    def grid(self) -> list[str]:
        parts = []
        for value in self.axis.ticks:
            y, label = self.y(value), self.axis.label.format(value)
            parts.append(_tag("line", x1=LEFT, y1=y, x2=self.right, y2=y, stroke=GRID, css="chart__grid"))
            parts.append(_text(LEFT - 6, y, label, dy="4", text_anchor="end", css="chart__tick", fill=MUTED,
                               font_size=TICK))
            self.ticks.append({"y": y, "label": label})
        return parts

    def baseline(self) -> str:
        return _tag("line", x1=LEFT, y1=self.base, x2=self.right, y2=self.base, stroke=AXIS, css="chart__axis")

    def label(self, index: int, label: str, sublabel: str) -> list[str]:
        x = self.centre(index)
        parts = [_text(x, self.base + 16, label, text_anchor="middle")]
        if sublabel:
            parts.append(_text(x, self.base + 30, sublabel, text_anchor="middle", css="chart__tick", fill=MUTED,
                               font_size=SMALL))
        return parts


def _chart(chart_id: str, css_class: str, title: str, desc: str, width: int, height: float, parts: list[str],
           legend: Sequence[tuple[str, str]], geometry: dict[str, Any], font_size: int = 12) -> Chart:
    svg = _tag(
        "svg",
        _tag("title", escape(title), id=f"{chart_id}-title") + _tag("desc", escape(desc), id=f"{chart_id}-desc")
        + "".join(parts),
        css=css_class, role="img", aria_labelledby=f"{chart_id}-title {chart_id}-desc", width=width, height=height,
        viewBox=f"0 0 {width} {_number(height)}", font_size=font_size, xmlns="http://www.w3.org/2000/svg",
    )
    return Chart(mark_safe(_legend(legend) + svg), geometry)  # noqa: S308 - every text escaped in _tag/_text


def _legend(items: Sequence[tuple[str, str]]) -> str:
    """The series' colours and names above the chart (hidden from screen readers: the table names them)."""
    if not items:
        return ""
    swatch = '<svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="{}"/></svg>'
    entries = "".join(f"<li>{swatch.format(escape(colour))} {escape(label)}</li>" for label, colour in items)
    return f'<ul class="chart-legend" aria-hidden="true">{entries}</ul>'


def _title(text: str) -> str:
    """A mark's tooltip (and its name for assistive technology)."""
    return _tag("title", escape(text))


def _text(x: float, y: float, text: str, *, css: str | None = "chart__text", fill: str = INK, **attributes: Any) -> str:
    return _tag("text", escape(text), x=x, y=y, css=css, fill=fill, **attributes)


def _tag(name: str, content: str = "", *, css: str | None = None, **attributes: Any) -> str:
    """An element; attribute names in snake_case become kebab-case (``stroke_width`` → stroke-width)."""
    if css:
        attributes = {"class": css, **attributes}
    written = "".join(
        f' {key if key == "viewBox" else key.replace("_", "-")}="{escape(_value(value))}"'
        for key, value in attributes.items() if value is not None
    )
    return f"<{name}{written}>{content}</{name}>" if content else f"<{name}{written}/>"


def _value(value: Any) -> str:
    return _number(value) if isinstance(value, float | Decimal) else str(value)


def _number(value: Number) -> str:
    """A coordinate as SVG reads it: one decimal at most, a point, no grouping ("12", "12.5")."""
    text = f"{round(float(value), 1):.1f}"
    return text[:-2] if text.endswith(".0") else text
