"""The reading library's pages: the list and one page per read. The same for everyone, signed in
or not: a read holds nothing of anyone's, and "when to see a therapist" should reach a person
before they have an account, or after they have left one (the Support page is open the same way)."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from repair.program.library import library, read_by_slug

# The read that shows the operator's therapist directory under it.
THERAPIST_READ = "when-to-see-a-therapist"


@require_GET
def reads(request: HttpRequest) -> HttpResponse:
    return render(request, "repair/program/reads.html", {"reads": library()})


@require_GET
def read(request: HttpRequest, slug: str) -> HttpResponse:
    found = read_by_slug(slug)
    if found is None:
        raise Http404
    context = {
        "read": found,
        "related": [r for r in library() if r.slug in found.related],
        "therapists": settings.THERAPIST_DIRECTORY if found.slug == THERAPIST_READ else None,
    }
    return render(request, "repair/program/read.html", context)
