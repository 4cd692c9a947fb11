"""Property-based input testing: random and hostile values (very long text, control characters,
RTL overrides, null bytes, emoji, huge numbers, bad dates, repeated keys, stray fields) sent to every
form and htmx endpoint of ours as a signed-in partner.

For every example: no 500, no stock English error from Django where our kind words belong, what was
typed comes back on a refusal, and nothing saved before (the partner's words, yesterday's check-in,
a note, an agreement, a conversation) is lost or changed.

The endpoints come from walking the URL resolver (``our_url_names`` in tests/access_matrix.py): a
URL with no entry in ``ENDPOINTS`` fails ``test_every_url_is_fuzzed``, so a new one can't be missed. The run is
reproducible (``derandomize=True``, no example database) and bounded (a few examples per endpoint;
the whole file takes well under a minute)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from django import forms
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkins.forms import AcknowledgeForm, CheckinForm, PreferencesForm
from checkins.models import SCALE_FIELDS, SHAREABLE_FIELDS, CheckIn, Visibility
from repair.couples.forms import (
    DeleteAccountForm,
    HardMomentNoteForm,
    InviteEmailForm,
    LeaveForm,
    PauseNoticeForm,
    ProfileForm,
    SafetyCheckForm,
)
from repair.couples.models import Couple, Invite, User
from repair.couples.selectors import CoupleView, couple_for_user
from repair.lib.tokens import token_hash
from repair.program import services as program_services
from repair.program.content import Exercise, program
from repair.program.models import (
    AgreementVersion,
    Conversation,
    ConversationTurn,
    ExerciseCompletion,
    ProgramEntry,
)
from repair.therapists.forms import AgreeForm, ItemForm, TherapistInviteForm
from rituals.forms import MarkForm, NoteForm, PauseForm, ReminderSettingsForm, ScheduleForm
from rituals.models import GratitudeNote, Proposal, ScheduledRitual
from tests.access_matrix import our_url_names
from tests.conftest import client_for
from tests.factories import make_therapist_access, make_user

# A few per endpoint keeps the file well under a minute; HOSTILE_EXAMPLES=200 digs deeper locally.
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "8"))

HOSTILE = [
    "",
    " ",
    "\x00",
    "words\x00after a null",
    "\u202eevil.exe\u202c",
    "\u200f\u200e\u2066isolate\u2069",
    "🙂" * 60,
    "👩‍❤️‍💋‍👨🏽",
    "x" * 30_000,
    "9" * 400,
    "-" + "9" * 30,
    str(2**63),
    str(-(2**63) - 1),
    "-1",
    "0",
    "1e309",
    "NaN",
    "inf",
    "١٢",
    "9999-12-31",
    "0000-00-00",
    "2024-02-30",
    "10000-01-01",
    "0001-01-01",
    "25:99",
    "\x1b[31mred\x1b[0m",
    "\r\nSet-Cookie: taken=1",
    "line one\r\nline two",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "../../etc/passwd",
    "//evil.example/",
    "javascript:alert(1)",
    "https://evil.example/",
    "null",
    "[]",
    "{'a': 1}",
]
hostile = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=200),
    st.integers().map(str),
    st.dates().map(str),
    st.datetimes().map(str),
)

# Django's own English messages: each form of ours says these things in its own kinder words.
STOCK_MESSAGES = (
    "This field is required.",
    "Enter a whole number.",
    "Enter a valid date.",
    "Enter a valid time.",
    "Select a valid choice.",
    "Null characters are not allowed.",
    "Ensure this value",
    "Enter a valid email address.",
)


@dataclass(frozen=True)
class World:
    couple: Couple
    avery: User
    blake: User
    conversation: Conversation
    version: AgreementVersion
    ritual: ScheduledRitual
    shared_checkin: CheckIn
    invite: Invite


def view_of(user: User) -> CoupleView:
    found = couple_for_user(user=user)
    assert found is not None
    return found


def of_type(kind: str) -> Exercise:
    return next(e for e in program().exercises if e.type == kind)


@pytest.fixture
def world(couple: Couple, partner_a: User, partner_b: User) -> World:
    """Avery and Blake, every stage open, and something of each kind already saved."""
    for stage in program().stages[:-1]:
        for person in (partner_a, partner_b):
            for exercise in stage.required:
                ExerciseCompletion.objects.get_or_create(
                    couple=couple, user=person, exercise=exercise.slug
                )
            program_services.stage_ready(couple=view_of(person), stage_slug=stage.slug)
    a, b = view_of(partner_a), view_of(partner_b)
    today = partner_a.local_today()
    CheckIn.objects.create(
        user=partner_a,
        couple=couple,
        local_date=today - timedelta(days=1),
        visibility=Visibility.PRIVATE,
        helped="Avery's words from yesterday",
        **{SCALE_FIELDS[0]: 3},
    )
    shared = CheckIn.objects.create(
        user=partner_b,
        couple=couple,
        local_date=partner_b.local_today(),
        visibility=Visibility.SHARED,
        shared_fields=list(SHAREABLE_FIELDS),
        need="Blake's shared need",
    )
    GratitudeNote.objects.create(couple=couple, sender=partner_b, text="Blake thanks Avery")
    GratitudeNote.objects.create(couple=couple, sender=partner_a, text="Avery thanks Blake")
    version = program_services.agreement_propose(
        couple=b, exercise=of_type("agreement"), text="Blake's proposed agreement"
    )
    program_services.entry_save(
        couple=b, exercise=of_type("reflection"), text="Blake's reflection", submit=True
    )
    talk = of_type("conversation")
    conversation = program_services.conversation_start(couple=a, exercise=talk)
    program_services.conversation_speak(
        couple=a, exercise=talk, conversation_id=conversation.pk, text="Avery said this"
    )
    ritual = ScheduledRitual.objects.create(
        couple=couple,
        ritual="weekly-touchpoint",
        cadence="weekly",
        weekday=0,
        local_time=time(19, 0),
        created_by=partner_a,
    )
    invite = Invite.objects.create(
        couple=couple,
        created_by=partner_a,
        token_hash=token_hash("a-pending-token"),
        expires_at=ritual.created_at + timedelta(days=3),
    )
    # Their therapist, with access open, so the therapist pages have something to guard.
    make_therapist_access(couple, make_user("Theo"), agreed_by=(partner_a, partner_b))
    return World(
        couple=couple,
        avery=partner_a,
        blake=partner_b,
        conversation=conversation,
        version=version,
        ritual=ritual,
        shared_checkin=shared,
        invite=invite,
    )


def suggestion_from_blake(world: World) -> dict[str, object]:
    """A ritual for both that Blake suggested, waiting for Avery's answer (made on first use)."""
    ritual, _ = ScheduledRitual.objects.get_or_create(
        couple=world.couple,
        ritual="reset-breath",
        defaults={
            "cadence": "daily",
            "local_time": time(8, 0),
            "created_by": world.blake,
            "proposal": Proposal.WAITING,
        },
    )
    return {"ritual_id": ritual.pk}


def saved(world: World) -> dict[str, object]:
    """What was there before any example: none of it may be lost or changed."""
    yesterday = CheckIn.objects.get(user=world.avery, local_date__lt=world.avery.local_today())
    return {
        "yesterday": (yesterday.helped, yesterday.scale_values(), yesterday.visibility),
        "shared": CheckIn.objects.get(pk=world.shared_checkin.pk).need,
        "notes": sorted(
            (n.sender_id, n.text)
            for n in GratitudeNote.objects.filter(couple=world.couple)
            if n.text in ("Blake thanks Avery", "Avery thanks Blake")
        ),
        "version": (
            AgreementVersion.objects.get(pk=world.version.pk).text,
            AgreementVersion.objects.get(pk=world.version.pk).number,
        ),
        "reflection": ProgramEntry.objects.get(
            user=world.blake, exercise=of_type("reflection").slug
        ).text,
        "turns": [
            (t.author_id, t.kind, t.text)
            for t in ConversationTurn.objects.filter(conversation=world.conversation).order_by(
                "pk"
            )[:1]
        ],
        "couple": Couple.objects.filter(pk=world.couple.pk).exists(),
    }


# --- what each endpoint takes --------------------------------------------------------------------------


def _instance(cls: type[forms.Form]) -> forms.Form:
    if cls is CheckinForm:
        return cls(can_share=True)
    if cls is DeleteAccountForm:
        return cls(user=User())
    if cls is InviteEmailForm:
        return cls(inviter=User())
    return cls()


def form_fields(*classes: type[forms.Form]) -> dict[str, st.SearchStrategy[str]]:
    """Each field of the forms: its own choices half the time (to get past the first check), a
    hostile value otherwise."""
    fields: dict[str, st.SearchStrategy[str]] = {}
    for cls in classes:
        instance = _instance(cls)
        for name, f in instance.fields.items():
            choices = [str(v) for v, _ in getattr(f, "choices", [])]
            fields[name] = st.one_of(st.sampled_from(choices), hostile) if choices else hostile
    return fields


def one_of(*values: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(values), hostile)


@dataclass(frozen=True)
class Endpoint:
    name: str
    kwargs: Callable[[World], dict[str, object]] = lambda world: {}
    # POST fields (None: a GET-only page, fuzzed through its query string).
    fields: Callable[[World], dict[str, st.SearchStrategy[str]]] | None = None
    query: tuple[str, ...] = ()
    # Fields whose plain typed words must come back when the page is shown again.
    kept: tuple[str, ...] = ()
    str_kwarg: str = ""  # a <str:...> path part, fuzzed too


ACTIONS = [
    "draft",
    "submit",
    "share",
    "unshare",
    "propose",
    "accept",
    "start",
    "speak",
    "reflect",
    "yes",
    "not_quite",
    "timeout",
    "resume",
    "finish",
    "commit",
    "agree",
]


def exercise_fields(world: World) -> dict[str, st.SearchStrategy[str]]:
    items = [item.key for e in program().exercises if e.type == "map" for item in e.items][:4]
    return {
        "action": one_of(*ACTIONS),
        "text": hostile,
        "version": one_of(str(world.version.pk)),
        "conversation": one_of(str(world.conversation.pk)),
        "minutes": one_of("30", "60", "180", "720", "1440"),
        "comfortable": one_of("yes", "no"),
        "once": hostile,
        **{item: one_of("yes", "maybe", "not_now") for item in items},
    }


def exercise_endpoint(kind: str) -> Endpoint:
    return Endpoint(
        "program_exercise",
        kwargs=lambda world: {
            "stage_slug": of_type(kind).stage,
            "exercise_slug": of_type(kind).slug,
        },
        fields=exercise_fields,
    )


NEXT = {"next": one_of("/", "/rituals/")}
ENDPOINTS: dict[str, list[Endpoint]] = {
    "today": [Endpoint("today", query=("edit",))],
    "program": [Endpoint("program")],
    "program_roles": [
        Endpoint(
            "program_roles",
            fields=lambda w: {
                "action": one_of("propose", "reopen"),
                "answer": one_of("me_hurt", "partner_hurt", "both_me_first", "neutral"),
            },
        )
    ],
    "program_stage": [
        Endpoint("program_stage", kwargs=lambda w: {"stage_slug": "safety"}, fields=lambda w: {})
    ],
    "program_exercise": [
        exercise_endpoint(kind)
        for kind in ("reflection", "reveal", "map", "agreement", "practice", "conversation")
    ],
    # Reconnection (with the ladder not climbed in this world, a yes is kindly refused).
    "program_reconnection": [
        Endpoint("program_reconnection", fields=lambda w: {"action": one_of("show", "hide")})
    ],
    "program_reconnection_step": [
        Endpoint(
            "program_reconnection_step",
            kwargs=lambda w: {"step_slug": "reconnection-kissing"},
            fields=lambda w: {"action": one_of("yes", "not_yet", "close")},
        )
    ],
    # The prompt bank: Sustaining is open in this world.
    "program_bank": [
        Endpoint(
            "program_bank",
            fields=lambda w: {
                "action": one_of("answer", "aside"),
                "prompt": one_of("everyday-01", "play-12", "hard-things-20"),
                "theme": one_of("everyday", "play", "hard-things"),
                "weight": one_of("light", "deeper", "hard"),
                "text": hostile,
            },
            kept=("text",),
        ),
        Endpoint("program_bank", query=("theme", "weight")),
    ],
    "program_bank_past": [Endpoint("program_bank_past", query=("before",))],
    "program_check_back": [
        Endpoint(
            "program_check_back",
            kwargs=lambda w: {"months": 1},
            fields=lambda w: {
                "action": one_of("save", "send"),
                "reflection": hostile,
                "hope": hostile,
                "still_right": one_of("safety-pause-plan", "meaning-shared-project"),
            },
            kept=("reflection", "hope"),
        )
    ],
    "program_track": [Endpoint("program_track")],
    "program_track_exercise": [
        Endpoint(
            "program_track_exercise",
            kwargs=lambda w: {"exercise_slug": "track-neutral-how-you-are"},
            fields=lambda w: {"action": one_of("save", "delete"), "text": hostile},
            kept=("text",),
        )
    ],
    "checkins:index": [
        Endpoint(
            "checkins:index",
            fields=lambda w: form_fields(CheckinForm),
            query=("edit",),
            kept=("helped", "appreciated", "need"),
        )
    ],
    "checkins:history": [Endpoint("checkins:history", query=("month", "range"))],
    "checkins:export": [Endpoint("checkins:export", kwargs=lambda w: {"fmt": "json"})],
    "checkins:preferences": [
        Endpoint("checkins:preferences", fields=lambda w: form_fields(PreferencesForm))
    ],
    "checkins:acknowledge": [
        Endpoint(
            "checkins:acknowledge",
            kwargs=lambda w: {"checkin_id": w.shared_checkin.pk},
            fields=lambda w: {**form_fields(AcknowledgeForm), **NEXT},
        )
    ],
    "rituals:index": [Endpoint("rituals:index")],
    "rituals:library": [Endpoint("rituals:library")],
    "rituals:calendar": [Endpoint("rituals:calendar", query=("view", "date"))],
    "rituals:schedule": [
        Endpoint(
            "rituals:schedule",
            kwargs=lambda w: {"slug": "weekly-touchpoint"},
            fields=lambda w: {**form_fields(ScheduleForm), "once": hostile},
        )
    ],
    "rituals:ritual_change": [
        Endpoint(
            "rituals:ritual_change",
            kwargs=lambda w: {"ritual_id": w.ritual.pk},
            fields=lambda w: {"action": one_of("pause", "resume", "stop")},
        )
    ],
    "rituals:ritual_answer": [
        Endpoint(
            "rituals:ritual_answer",
            kwargs=suggestion_from_blake,
            fields=lambda w: {"action": one_of("accept", "decline")},
        )
    ],
    "rituals:mark": [
        Endpoint(
            "rituals:mark",
            kwargs=lambda w: {"ritual_id": w.ritual.pk},
            fields=lambda w: {**form_fields(MarkForm), **NEXT},
        )
    ],
    "rituals:note_send": [
        Endpoint(
            "rituals:note_send",
            fields=lambda w: {**form_fields(NoteForm), "once": hostile},
            kept=("text",),
        )
    ],
    "rituals:reminders": [
        Endpoint(
            "rituals:reminders",
            fields=lambda w: {
                **form_fields(ReminderSettingsForm, PauseForm),
                "action": one_of("save", "pause", "resume"),
            },
        )
    ],
    "start": [Endpoint("start", fields=lambda w: {})],
    "invite": [
        Endpoint(
            "invite",
            fields=lambda w: {
                **form_fields(InviteEmailForm),
                "how": one_of("link", "email"),
                "once": hostile,
            },
        )
    ],
    "invite_revoke": [
        Endpoint("invite_revoke", kwargs=lambda w: {"invite_id": w.invite.pk}, fields=lambda w: {})
    ],
    "invite_accept": [
        Endpoint("invite_accept", kwargs=lambda w: {}, fields=lambda w: {}, str_kwarg="token")
    ],
    "leave": [Endpoint("leave", fields=lambda w: form_fields(LeaveForm))],
    "settings": [
        Endpoint("settings", fields=lambda w: form_fields(ProfileForm), kept=("display_name",))
    ],
    "export_data": [Endpoint("export_data", query=("format",))],
    "delete_account": [Endpoint("delete_account", fields=lambda w: form_fields(DeleteAccountForm))],
    "account_deleted": [Endpoint("account_deleted")],
    "unsubscribe": [
        Endpoint("unsubscribe", kwargs=lambda w: {}, fields=lambda w: {}, str_kwarg="token")
    ],
    "pause": [
        Endpoint(
            "pause",
            fields=lambda w: {
                **form_fields(PauseNoticeForm),
                "action": one_of("", "back", "cancel"),
                "once": hostile,
            },
        )
    ],
    "whats_here": [Endpoint("whats_here", fields=lambda w: {"show": one_of("", "1")})],
    "when_it_hits": [
        Endpoint(
            "when_it_hits",
            fields=lambda w: {
                **form_fields(HardMomentNoteForm),
                "action": one_of("note", "signal", "signal_end"),
                "once": hostile,
            },
            kept=("note",),
        )
    ],
    "safety_check": [
        Endpoint(
            "safety_check",
            fields=lambda w: {
                **form_fields(SafetyCheckForm),
                "before": one_of("consent", "injury", "low-safety"),
                "action": one_of("", "not_now"),
                **NEXT,
            },
            query=("next", "before"),
        )
    ],
    "safety_support": [
        Endpoint(
            "safety_support",
            fields=lambda w: {"choice": one_of("together", "alone"), **NEXT},
            query=("next",),
        )
    ],
    "resources": [Endpoint("resources")],
    "reads": [Endpoint("reads")],
    "read": [Endpoint("read", kwargs=lambda w: {"slug": "forgiveness"})],
    "outbox": [Endpoint("outbox")],
    "quick_exit": [Endpoint("quick_exit", query=("next",))],
    "invite_pending": [Endpoint("invite_pending")],
    # The therapist window, as Avery (the therapist's own side is fuzzed in test_therapists.py).
    "therapists:ours": [
        Endpoint("therapists:ours", fields=lambda w: form_fields(TherapistInviteForm))
    ],
    "therapists:agree": [Endpoint("therapists:agree", fields=lambda w: form_fields(AgreeForm))],
    "therapists:end": [Endpoint("therapists:end", fields=lambda w: {})],
    "therapists:item": [
        Endpoint(
            "therapists:item",
            fields=lambda w: {
                **form_fields(ItemForm),
                "key": one_of(str(w.shared_checkin.pk), f"{w.version.exercise}:0"),
            },
        )
    ],
    "therapists:summary": [Endpoint("therapists:summary", query=("start", "end"))],
    "therapists:home": [Endpoint("therapists:home")],
    "therapists:couple": [Endpoint("therapists:couple", kwargs=lambda w: {"access_id": 1})],
    "therapists:couple_summary": [
        Endpoint(
            "therapists:couple_summary", kwargs=lambda w: {"access_id": 1}, query=("start", "end")
        )
    ],
    "therapists:suggest": [
        Endpoint(
            "therapists:suggest",
            kwargs=lambda w: {"access_id": 1},
            fields=lambda w: {"suggestion": one_of("ritual:weekly-touchpoint")},
        )
    ],
    "therapists:invite": [
        Endpoint("therapists:invite", kwargs=lambda w: {}, fields=lambda w: {}, str_kwarg="token")
    ],
    "therapists:invite_pending": [Endpoint("therapists:invite_pending", fields=lambda w: {})],
}


def test_every_url_is_fuzzed():
    missing = our_url_names() - ENDPOINTS.keys()
    stale = ENDPOINTS.keys() - our_url_names()
    assert not missing, f"URLs with no hostile-input entry: {sorted(missing)}"
    assert not stale, f"Entries for URLs that no longer exist: {sorted(stale)}"


CASES = [
    pytest.param(endpoint, id=f"{endpoint.name}-{index}")
    for name in sorted(ENDPOINTS)
    for index, endpoint in enumerate(ENDPOINTS[name])
]


@st.composite
def requests(draw: st.DrawFn, endpoint: Endpoint, world: World) -> dict[str, Any]:
    """One request: the endpoint's fields (each present or not), a few stray ones, sometimes a
    field sent twice, sometimes as htmx."""
    data: dict[str, Any] = {}
    fields = endpoint.fields(world) if endpoint.fields is not None else {}
    for name, strategy in fields.items():
        if draw(st.booleans()) or draw(st.booleans()):
            data[name] = draw(strategy)
    for _ in range(draw(st.integers(0, 2))):
        data[draw(st.sampled_from([*HOSTILE[1:8], "csrfmiddlewaretoken", "pk", "user"]))] = draw(
            hostile
        )
    if data and draw(st.integers(0, 4)) == 0:
        name = draw(st.sampled_from(sorted(data)))
        data[name] = [data[name], draw(hostile)]  # a field sent twice
    query = {name: draw(hostile) for name in endpoint.query if draw(st.booleans())}
    kwargs = endpoint.kwargs(world)
    if endpoint.str_kwarg:
        kwargs[endpoint.str_kwarg] = draw(hostile.filter(lambda s: s and "/" not in s))
    return {
        "data": data,
        "query": query,
        "kwargs": kwargs,
        "htmx": draw(st.booleans()),
        "method": "post" if endpoint.fields is not None else "get",
    }


def _page_text(response: Any) -> str:
    content = getattr(response, "content", b"")
    try:
        return content.decode()
    except UnicodeDecodeError:
        return ""


PLAIN = re.compile(r"^[A-Za-z][A-Za-z ]{2,60}[A-Za-z]$")


@pytest.mark.parametrize("endpoint", CASES)
def test_hostile_input_never_breaks_a_page_or_what_was_saved(world: World, endpoint: Endpoint):
    before = saved(world)
    client = client_for(world.avery)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(request=requests(endpoint, world))
    def check(request: dict[str, Any]) -> None:
        kwargs = request["kwargs"]
        if endpoint.str_kwarg:
            kwargs = {**kwargs, endpoint.str_kwarg: quote(kwargs[endpoint.str_kwarg], safe="")}
        path = reverse(endpoint.name, kwargs=kwargs)
        headers = {"HX-Request": "true"} if request["htmx"] else {}
        if request["method"] == "post":
            response = client.post(path, request["data"], headers=headers)
        else:
            response = client.get(path, request["query"], headers=headers)

        assert response.status_code < 500, (path, request)
        page = _page_text(response)
        for stock in STOCK_MESSAGES:
            assert stock not in page, (path, request, stock)
        if response.status_code == 200 and request["method"] == "post":
            for name in endpoint.kept:
                typed = request["data"].get(name)
                if isinstance(typed, str) and PLAIN.match(typed):
                    assert typed in page, (path, name, "what was typed is lost")
        assert saved(world) == before, (path, request)

    check()
