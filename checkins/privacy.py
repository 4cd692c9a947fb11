"""Check-ins in a person's download (repair/home/privacy.py asks for this section by name): their own
check-ins, with the partner's answers while that space lasts (as in the check-in export); the
partner's check-ins shared with them that they may see now; the answers they sent; their
preferences."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from checkins import exports, selectors
from checkins.forms import CheckinForm
from checkins.models import SCALES, AckKind, Acknowledgement
from repair.couples.models import User
from repair.couples.selectors import CoupleView
from repair.lib.export import Data, ExportSection


def _labelled(row: Data, answer_key: str) -> Data:
    """The answer's kind in words too, for the readable copy."""
    answer = row.get(answer_key)
    if answer:
        answer["kind_label"] = str(AckKind(answer["kind"]).label)
    return row


def export_section(*, user: User, couple: CoupleView | None) -> ExportSection:
    shared_with_me = []
    visible_ids = set()
    if couple is not None and couple.partner is not None:
        for checkin in selectors.partner_checkins_shared(couple=couple):
            row = exports.json_row(checkin)
            # On the partner's check-in the answer is this person's own.
            row["my_answer"] = row.pop("partner_answer")
            shared_with_me.append(_labelled(row, "my_answer"))
            visible_ids.add(checkin.pk)
    # Answers sent on check-ins this person no longer sees (a space that ended): their own words,
    # without anything of the check-in they answered.
    answers_earlier: list[Data] = [
        {
            "sent_at": ack.created_at,
            "kind": ack.kind,
            "kind_label": str(AckKind(ack.kind).label),
            "reply": ack.reply,
        }
        for ack in Acknowledgement.objects.filter(by=user)
        .exclude(checkin_id__in=visible_ids)
        .order_by("created_at", "pk")
    ]
    mine = [
        _labelled(exports.json_row(checkin), "partner_answer")
        for checkin in selectors.checkins_for_export(user=user)
    ]
    return ExportSection(
        key="checkins",
        title=_("Check-ins"),
        template="checkins/export_section.html",
        data={
            "mine": mine,
            "shared_with_me": shared_with_me,
            "answers_i_sent_earlier": answers_earlier,
            "weekly_summary_email": selectors.preferences_for(user=user).weekly_summary,
        },
        readable={"mine": _readable(mine), "shared_with_me": _readable(shared_with_me)},
    )


def _readable(rows: list[Data]) -> list[Data]:
    """Each row with its scales and notes as (label, value) pairs, for the readable copy."""
    fields = CheckinForm.base_fields
    notes = (
        ("what_helped_or_was_hard", fields["helped"].label),
        ("appreciated", fields["appreciated"].label),
        ("need", fields["need"].label),
    )
    return [
        {
            **row,
            "scale_list": [
                (scale.label, row["scales"][scale.field])
                for scale in SCALES
                if row["scales"].get(scale.field) is not None
            ],
            "note_list": [(label, row[key]) for key, label in notes if row.get(key)],
        }
        for row in rows
    ]
