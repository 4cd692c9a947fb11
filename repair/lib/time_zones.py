"""Time zone names a person can pick, and the check that a stored name is real.

The list is the tz database's own ``zone.tab``: one current name per place (``Africa/Asmara``, never
its old spelling ``Africa/Asmera`` beside it; ``Europe/Kyiv``, not ``Europe/Kiev``), grouped by
region and labelled as people say them ("New York", "Buenos Aires (Argentina)")."""

from __future__ import annotations

import zoneinfo
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

REGIONS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe",
           "Indian", "Pacific")  # fmt: skip


def _current_names() -> set[str]:
    """The zones in zone.tab (wherever the tz database is), or, without one, every Area/City
    name less the legacy families."""
    for folder in zoneinfo.TZPATH:
        table = Path(folder) / "zone.tab"
        if table.is_file():
            names = set()
            for line in table.read_text().splitlines():
                fields = line.split("\t")
                if line and not line.startswith("#") and len(fields) >= 3:
                    names.add(fields[2])
            return names
    return {
        name
        for name in available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
    }


def time_zone_label(name: str) -> str:
    """ "America/New_York" -> "New York"; "America/Argentina/Buenos_Aires" -> "Buenos Aires
    (Argentina)"."""
    parts = name.replace("_", " ").split("/")
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return parts[1]
    return f"{parts[-1]} ({', '.join(parts[1:-1])})"


@cache
def time_zone_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """(region, [(name, label), ...]) sorted by label, regions in REGIONS order."""
    names = _current_names()
    groups = []
    for region in REGIONS:
        members = sorted(
            ((n, time_zone_label(n)) for n in names if n.split("/", 1)[0] == region),
            key=lambda pair: pair[1],
        )
        if members:
            groups.append((region, members))
    return groups


@cache
def time_zone_names() -> frozenset[str]:
    """Every name the list offers."""
    return frozenset({"UTC", *(name for _, group in time_zone_groups() for name, _ in group)})


def time_zone_choices() -> list[tuple[str, object]]:
    """For a ChoiceField: UTC first, then one option group per region."""
    return [("UTC", "UTC"), *time_zone_groups()]


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("We don't recognise “%(value)s” as a time zone. Please pick one from the list."),
            params={"value": value},
            code="invalid_time_zone",
        ) from None
