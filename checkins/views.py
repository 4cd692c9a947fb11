from __future__ import annotations

import csv
import json
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from checkins import charts, exports, selectors, services
from checkins.forms import AcknowledgeForm, CheckinForm, PreferencesForm
from checkins.models import SCALES
from repair.couples import selectors as couple_selectors
from repair.couples.access import AuthedRequest
from repair.couples.selectors import couple_for_user
from repair.lib.redirects import next_path
from repair.program.library import read_by_slug

# A felt-safety answer this low or lower offers LOW_SAFETY_READ beside the saved check-in.
LOW_SAFETY = 2
LOW_SAFETY_READ = "body-on-alert"


@require_http_methods(["GET", "POST"])
@login_required
def index(request: AuthedRequest) -> HttpResponse:
    user = request.user
    couple = couple_for_user(user=user)
    # Taking time on their own after the private safety check: their check-ins stay private.
    aside = couple is not None and couple_selectors.stepped_aside(user=user)
    can_share = couple is not None and not aside
    today = user.local_today()
    saved = False
    day = today

    if request.method == "POST":
        form = CheckinForm(request.POST, can_share=can_share)
        if form.is_valid():
            record = services.checkin_record(
                user=user, couple=couple, data=form.to_input(), stepped_aside=aside
            )
            if not request.htmx:
                messages.success(request, _("Thank you. Today's check-in is saved."))
                return redirect("checkins:index")
            saved, day = True, record.local_date
    # Read once (after a save too, with its acknowledgement, for the card the fragment shows).
    mine = selectors.checkin_for_day(user=user, day=day)
    if request.method == "POST":
        editing = not saved
    else:
        editing = request.GET.get("edit") == "1" or mine is None
        shared = mine.shared_fields if mine else selectors.checkin_last_shared(user=user)
        initial: dict[str, object] = {f"share_{name}": True for name in shared}
        if mine:
            initial |= {
                **mine.scale_values(),
                "helped": mine.helped,
                "appreciated": mine.appreciated,
                "need": mine.need,
            }
        form = CheckinForm(initial=initial, can_share=can_share)

    context = {
        "form": form,
        "mine": mine,
        # Felt safety answered 1 or 2 ("on edge"): a short read about why, offered once saved.
        "low_safety_read": read_by_slug(LOW_SAFETY_READ)
        if mine and mine.safety is not None and mine.safety <= LOW_SAFETY
        else None,
        "editing": editing,
        "saved": saved,
        "couple": couple,
        "today": today,
        "partner_checkin": selectors.partner_checkin_today(couple=couple) if couple else None,
        "preferences_form": PreferencesForm(
            initial={"weekly_summary": selectors.preferences_for(user=user).weekly_summary}
        ),
    }
    template = "checkins/index.html#today-card" if request.htmx else "checkins/index.html"
    return render(request, template, context)


@require_POST
@login_required
def acknowledge(request: AuthedRequest, checkin_id: int) -> HttpResponse:
    couple = couple_for_user(user=request.user)
    checkin = (
        selectors.partner_checkin_for_ack(couple=couple, checkin_id=checkin_id) if couple else None
    )
    if couple is None or checkin is None:
        raise Http404
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        services.checkin_acknowledge(
            checkin=checkin,
            by=request.user,
            kind=form.cleaned_data["kind"],
            reply=form.cleaned_data["reply"],
        )
        checkin = selectors.partner_checkin_for_ack(couple=couple, checkin_id=checkin_id)
    if request.htmx:
        return render(
            request,
            "checkins/partner_card.html",
            {"partner_checkin": checkin, "couple": couple, "ack_form": form},
        )
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    else:
        messages.success(request, _("Sent. They'll see it next time they look."))
    return redirect(next_path(request, request.POST.get("next"), default="/"))


# History goes back this far; nobody kept check-ins here before it.
EARLIEST_MONTH = date(2000, 1, 1)


def _month_param(value: str | None, *, today: date) -> date | None:
    """``?month=YYYY-MM``, or None (this month) for anything unreadable, before 2000 or after this
    month: a month at the edge of the calendar would overflow the grid's date arithmetic."""
    try:
        year, month = (value or "").split("-")
        if len(year) != 4 or len(month) > 2:
            return None
        first = date(int(year), int(month), 1)
    except ValueError:
        return None
    return first if EARLIEST_MONTH <= first <= today.replace(day=1) else None


@require_GET
@login_required
def history(request: AuthedRequest) -> HttpResponse:
    user = request.user
    couple = couple_for_user(user=user)
    try:
        days = int(request.GET.get("range", 30))
    except ValueError:
        days = 30
    if days not in selectors.TREND_RANGES:
        days = 30
    month = _month_param(request.GET.get("month"), today=user.local_today())
    partner_name = couple.partner.name if couple and couple.partner else ""
    result = selectors.history(user=user, couple=couple, month=month, days=days)
    labels = charts.day_labels(result.trends[0].points) if result.trends else {}
    context = {
        "history": result,
        "charts": [
            charts.trend_chart(trend=trend, scale=scale, partner_name=partner_name, labels=labels)
            for trend, scale in zip(result.trends, SCALES, strict=True)
        ],
        "ranges": selectors.TREND_RANGES,
        "partner_name": partner_name,
        "prev_month": _shift_month(result.month_start, -1),
        "next_month": _shift_month(result.month_start, 1),
        "at_current_month": result.month_start >= result.today.replace(day=1),
    }
    return render(request, "checkins/history.html", context)


def _shift_month(first: date, step: int) -> str:
    month = first.month - 1 + step
    return f"{first.year + month // 12:04d}-{month % 12 + 1:02d}"


@require_GET
@login_required
def export(request: AuthedRequest, fmt: str) -> HttpResponse:
    rows = list(selectors.checkins_for_export(user=request.user))
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        writer = csv.writer(response)
        writer.writerow(exports.COLUMNS)
        writer.writerows(exports.csv_row(checkin) for checkin in rows)
    elif fmt == "json":
        payload = {"checkins": [exports.json_row(checkin) for checkin in rows]}
        response = HttpResponse(
            json.dumps(payload, ensure_ascii=False, indent=2), content_type="application/json"
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="mend-checkins-{stamp}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def preferences(request: AuthedRequest) -> HttpResponse:
    form = PreferencesForm(request.POST)
    form.is_valid()  # a lone checkbox: absent means off
    services.preferences_set(
        user=request.user, weekly_summary=form.cleaned_data.get("weekly_summary", False)
    )
    messages.success(request, _("Saved."))
    return redirect("checkins:index")
