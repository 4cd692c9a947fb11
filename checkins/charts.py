"""Trend charts drawn on the server as SVG geometry: no chart library, no script, no inline style.

Each chart carries a title, a one-sentence summary for screen readers, and the numbers behind it for a
table fallback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from checkins.models import SCALE_MAX, SCALE_MIN, Scale
from checkins.selectors import Trend, TrendPoint

WIDTH, HEIGHT, PAD = 320, 120, 8


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    value: int

    # The partner's points are small squares (shape, not only colour, tells the two apart).
    @property
    def left(self) -> float:
        return round(self.x - 2.5, 1)

    @property
    def top(self) -> float:
        return round(self.y - 2.5, 1)


@dataclass(frozen=True)
class Chart:
    field: str
    title: str
    summary: str
    low: str
    high: str
    mine_lines: list[str]
    partner_lines: list[str]
    mine_dots: list[Dot]
    partner_dots: list[Dot]
    gridlines: list[float]
    points: list[TrendPoint]
    # The table fallback, as display strings: (day, you, partner), days with any answer only.
    rows: list[tuple[str, str, str]]
    # Whether the table has a column for the partner.
    with_partner: bool = False
    width: int = WIDTH
    height: int = HEIGHT

    # Up to 90 points a series, seven charts a page: drawn here in one join each instead of a
    # template loop per point (the loops were most of the cost of drawing the page). Coordinates are
    # numbers and every string is escaped, so the markup is safe.
    @property
    def mine_dots_svg(self) -> SafeString:
        return mark_safe(  # noqa: S308 (numbers only)
            "".join(
                f'<circle class="mine-dot" cx="{d.x}" cy="{d.y}" r="2.6"/>' for d in self.mine_dots
            )
        )

    @property
    def partner_dots_svg(self) -> SafeString:
        return mark_safe(  # noqa: S308 (numbers only)
            "".join(
                f'<rect class="partner-dot" x="{d.left}" y="{d.top}" width="5" height="5"/>'
                for d in self.partner_dots
            )
        )

    @property
    def rows_html(self) -> SafeString:
        """The table fallback's rows: the day, the person's answer, and the partner's if shown."""
        if self.with_partner:
            cells = (
                f'<tr><th scope="row">{escape(day)}</th><td>{escape(mine)}</td>'
                f"<td>{escape(theirs)}</td></tr>"
                for day, mine, theirs in self.rows
            )
        else:
            cells = (
                f'<tr><th scope="row">{escape(day)}</th><td>{escape(mine)}</td></tr>'
                for day, mine, _theirs in self.rows
            )
        return mark_safe("".join(cells))  # noqa: S308 (every value escaped)


def _x(index: int, count: int) -> float:
    if count <= 1:
        return WIDTH / 2
    return round(PAD + index * (WIDTH - 2 * PAD) / (count - 1), 1)


def _y(value: float) -> float:
    span = SCALE_MAX - SCALE_MIN
    return round(PAD + (SCALE_MAX - value) * (HEIGHT - 2 * PAD) / span, 1)


def _series(points: list[TrendPoint], who: str) -> tuple[list[str], list[Dot]]:
    """Polylines broken wherever a day has no value (a gap is a gap, not a fall), plus dots."""
    lines: list[str] = []
    dots: list[Dot] = []
    current: list[str] = []
    for index, point in enumerate(points):
        value = getattr(point, who)
        if value is None:
            if len(current) > 1:
                lines.append(" ".join(current))
            current = []
            continue
        x, y = _x(index, len(points)), _y(value)
        current.append(f"{x},{y}")
        dots.append(Dot(x=x, y=y, value=value))
    if len(current) > 1:
        lines.append(" ".join(current))
    return lines, dots


def _cell(value: int | None) -> str:
    return "–" if value is None else str(value)


def day_labels(points: list[TrendPoint]) -> dict[date, str]:
    """Day labels for the table fallbacks, formatted once per page (the seven charts share days)."""
    return {p.day: date_format(p.day, "D j M") for p in points}


def trend_chart(
    *, trend: Trend, scale: Scale, partner_name: str, labels: dict[date, str] | None = None
) -> Chart:
    labels = labels or day_labels(trend.points)
    mine_lines, mine_dots = _series(trend.points, "mine")
    partner_lines, partner_dots = _series(trend.points, "partner")
    days = len(trend.points)
    if trend.mine_count:
        summary = ngettext(
            "Over the last %(days)d days you answered once, on average %(avg)s of 5 (1 is “%(low)s”, 5 is “%(high)s”).",
            "Over the last %(days)d days you answered %(count)d times, on average %(avg)s of 5 (1 is “%(low)s”, 5 is “%(high)s”).",
            trend.mine_count,
        ) % {
            "days": days,
            "count": trend.mine_count,
            "avg": trend.mine_average,
            "low": scale.low,
            "high": scale.high,
        }
    else:
        summary = _("You haven't answered this in the last %(days)d days.") % {"days": days}
    if partner_name and trend.partner_count:
        summary += " " + ngettext(
            "%(name)s shared %(count)d answer, on average %(avg)s.",
            "%(name)s shared %(count)d answers, on average %(avg)s.",
            trend.partner_count,
        ) % {
            "name": partner_name,
            "count": trend.partner_count,
            "avg": trend.partner_average,
        }
    return Chart(
        field=trend.field,
        title=str(scale.label),
        summary=summary,
        low=str(scale.low),
        high=str(scale.high),
        mine_lines=mine_lines,
        partner_lines=partner_lines,
        mine_dots=mine_dots,
        partner_dots=partner_dots,
        gridlines=[_y(v) for v in range(SCALE_MIN, SCALE_MAX + 1)],
        points=trend.points,
        rows=[
            (labels[p.day], _cell(p.mine), _cell(p.partner))
            for p in trend.points
            if p.mine is not None or p.partner is not None
        ],
        with_partner=bool(partner_name),
    )
