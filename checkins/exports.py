"""A person's own check-ins as CSV and JSON rows."""

from __future__ import annotations

from checkins.models import SCALE_FIELDS, CheckIn

# The "stress" column is asked as calm (5 = calm, like every other scale): named for what it means.
EXPORT_NAMES = {"stress": "calm"}

COLUMNS = (
    "date",
    "shared",
    *(EXPORT_NAMES.get(f, f) for f in SCALE_FIELDS),
    "what_helped_or_was_hard",
    "appreciated",
    "need",
    "partner_answer",
    "partner_reply",
)


def _cell(value: str) -> str:
    # A cell starting with = + - @ is run as a formula by spreadsheet programs: keep it text.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _ack(checkin: CheckIn) -> tuple[str, str]:
    # The partner's answer goes with the check-in only while the space it was given in lasts: once
    # it ends, neither partner sees the other's words any more (as on the pages).
    ack = getattr(checkin, "acknowledgement", None)
    if ack is None or checkin.couple is None or not checkin.couple.is_active:
        return ("", "")
    return (ack.kind, ack.reply)


def csv_row(checkin: CheckIn) -> list[object]:
    kind, reply = _ack(checkin)
    return [
        checkin.local_date.isoformat(),
        "yes" if checkin.is_shared else "no",
        *("" if getattr(checkin, f) is None else getattr(checkin, f) for f in SCALE_FIELDS),
        _cell(checkin.helped),
        _cell(checkin.appreciated),
        _cell(checkin.need),
        kind,
        _cell(reply),
    ]


def json_row(checkin: CheckIn) -> dict[str, object]:
    kind, reply = _ack(checkin)
    return {
        "date": checkin.local_date.isoformat(),
        "shared": checkin.is_shared,
        "shared_questions": [EXPORT_NAMES.get(f, f) for f in checkin.shared_fields],
        "scales": {EXPORT_NAMES.get(f, f): v for f, v in checkin.scale_values().items()},
        "what_helped_or_was_hard": checkin.helped,
        "appreciated": checkin.appreciated,
        "need": checkin.need,
        "partner_answer": {"kind": kind, "reply": reply} if kind else None,
    }
