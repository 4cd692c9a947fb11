"""Trend charts drawn on the server as SVG geometry: no chart library, no script, no inline style.

Each chart carries a title, a one-sentence summary for screen readers, and the numbers behind it for a
table fallback."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from html import escape

from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from checkins.models import SCALE_MAX, SCALE_MIN, Scale
from checkins.selectors import Trend, TrendPoint

WIDTH, HEIGHT, PAD = 320, 120, 8


@dataclass(frozen=True)
class Chart:
    field: str
    title: str
    summary: str
    low: str
    high: str
    mine_lines: list[str]
    partner_lines: list[str]
    # Every answered day as a zero-length segment ("M x y h0"), which the stroke's round (mine) or
    # square (the partner's) caps draw as a dot: one element a series instead of one a day, so
    # shape, not only colour, tells the two apart.
    mine_dots: str
    partner_dots: str
    gridlines: list[float]
    points: list[TrendPoint]
    # The table fallback: (day label, HTML-escaped; you; partner), days with any answer only.
    rows: list[tuple[str, str, str]]
    # Whether the table has a column for the partner.
    with_partner: bool = False
    width: int = WIDTH
    height: int = HEIGHT

    # Up to 90 points a series, seven charts a page: drawn in one join each instead of a template
    # loop per point (the loops were most of the cost of drawing the page). Coordinates are numbers
    # and every string is escaped, so the markup is safe.
    @property
    def rows_html(self) -> SafeString:
        """The table fallback's rows: the day, the person's answer, and the partner's if shown.
        The day labels come escaped (``day_labels``) and the answers are digits or a dash."""
        if self.with_partner:
            cells = (
                f'<tr><th scope="row">{day}</th><td>{mine}</td><td>{theirs}</td></tr>'
                for day, mine, theirs in self.rows
            )
        else:
            cells = (
                f'<tr><th scope="row">{day}</th><td>{mine}</td></tr>'
                for day, mine, _theirs in self.rows
            )
        return mark_safe("".join(cells))  # noqa: S308 (escaped labels, digits)


def _x(index: int, count: int) -> float:
    if count <= 1:
        return WIDTH / 2
    return round(PAD + index * (WIDTH - 2 * PAD) / (count - 1), 1)


def _y(value: float) -> float:
    span = SCALE_MAX - SCALE_MIN
    return round(PAD + (SCALE_MAX - value) * (HEIGHT - 2 * PAD) / span, 1)


@functools.lru_cache(maxsize=16)
def _xs(count: int) -> tuple[float, ...]:
    # The same few day counts on every page: the x of each day, worked out once per count.
    return tuple(_x(index, count) for index in range(count))


_YS = {value: _y(value) for value in range(SCALE_MIN, SCALE_MAX + 1)}


def _series(points: list[TrendPoint], who: str) -> tuple[list[str], str]:
    """Polylines broken wherever a day has no value (a gap is a gap, not a fall), plus the dots."""
    lines: list[str] = []
    dots: list[str] = []
    current: list[str] = []
    xs = _xs(len(points))
    values = [p.mine for p in points] if who == "mine" else [p.partner for p in points]
    for index, value in enumerate(values):
        if value is None:
            if len(current) > 1:
                lines.append(" ".join(current))
            current = []
            continue
        x, y = xs[index], _YS.get(value) or _y(value)
        current.append(f"{x},{y}")
        dots.append(f"M{x} {y}h0")
    if len(current) > 1:
        lines.append(" ".join(current))
    return lines, "".join(dots)


def _cell(value: int | None) -> str:
    return "–" if value is None else str(value)


def day_labels(points: list[TrendPoint]) -> dict[date, str]:
    """Day labels for the table fallbacks, formatted (and HTML-escaped) once per page: the seven
    charts share days."""
    language = get_language()
    return {p.day: _day_label(p.day, language) for p in points}


@functools.lru_cache(maxsize=2048)
def _day_label(day: date, language: str | None) -> str:
    # Formatting a date the locale's way is slow (~40 µs) and every page shows the same recent
    # days: kept per day and language (the active one, which ``date_format`` reads).
    return escape(date_format(day, "D j M"))


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
