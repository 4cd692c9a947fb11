"""Who may see a screen. Every couple screen finds the couple from the signed-in person, never from
the URL, so another couple's things cannot even be named; objects in URLs are looked up inside that
couple and are a 404 otherwise."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Concatenate

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_htmx.middleware import HtmxDetails

from repair.couples.selectors import CoupleView, couple_for_user

if TYPE_CHECKING:
    from repair.couples.models import User


class AuthedRequest(HttpRequest):
    """A request from a signed-in person, as the views see it."""

    user: User
    htmx: HtmxDetails


type CoupleView_ = Callable[Concatenate[AuthedRequest, CoupleView, ...], HttpResponse]


def couple_required(
    *, paired: bool = False
) -> Callable[[CoupleView_], Callable[..., HttpResponse]]:
    """Sign-in required, and a couple: people with none are sent to the start page. With
    ``paired=True`` a couple still waiting for the second partner goes to Today instead."""

    def decorator(view: CoupleView_) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: AuthedRequest, *args: object, **kwargs: object) -> HttpResponse:
            couple = couple_for_user(user=request.user)
            if couple is None:
                return redirect("start")
            if paired and not couple.is_paired:
                return redirect("today")
            return view(request, couple, *args, **kwargs)

        return wrapped

    return decorator
