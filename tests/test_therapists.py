"""The couple's own therapist: a consented, read-only window (repair/therapists/). Partner A (Avery) and
partner B (Blake) are a couple; Theo is their therapist; Charlie (an outsider) is in another couple,
whose therapist is Tess."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from checkins.models import SHAREABLE_FIELDS, CheckIn, Visibility
from repair.couples import services as couple_services
from repair.couples.models import Couple, Membership, SafetyCheck, User
from repair.couples.services import CoupleError
from repair.home.privacy import account_delete, export_for
from repair.program.models import AgreementVersion, Commitment, Conversation, ProgramEntry
from repair.therapists import selectors, services
from repair.therapists.models import Scope, TherapistAccess, TherapistSuggestion, TherapistView
from rituals.library import BY_SLUG
from rituals.models import OccurrenceMark, ScheduledRitual
from tests.conftest import client_for
from tests.factories import couple_view, make_therapist_access, make_user


@pytest.fixture
def theo(db: None) -> User:
    return make_user("Theo", safety_checked=False)


def _open_access(couple: Couple, partner_a: User, partner_b: User, theo: User) -> TherapistAccess:
    access, _token = make_therapist_access(couple, theo, agreed_by=(partner_a, partner_b))
    return access


def _page(access: TherapistAccess) -> str:
    return reverse("therapists:couple", kwargs={"access_id": access.pk})


# --- consent --------------------------------------------------------------------------------------


def test_the_invitation_email_has_a_fixed_subject_and_nothing_a_partner_wrote(
    client_a: Client, partner_a: User
):
    partner_a.display_name = "Avery Marker"
    partner_a.save()

    response = client_a.post(reverse("therapists:ours"), {"email": "theo@example.com"})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "An invitation from a couple you work with"
    assert message.to == ["theo@example.com"]
    assert isinstance(message, EmailMultiAlternatives)
    body = message.body + "".join(str(content) for content, _kind in message.alternatives)
    assert "Avery" not in body
    assert "/therapist/invite/" in body


def test_access_opens_only_when_the_therapist_accepted_and_both_partners_said_yes(
    couple: Couple, partner_a: User, partner_b: User, theo: User
):
    access, _token = make_therapist_access(couple, theo, agreed_by=(partner_a,))
    theo.refresh_from_db()
    client = client_for(theo)

    assert theo.is_therapist
    assert client.get(_page(access)).status_code == 404
    assert "Avery" not in client.get(reverse("therapists:home")).text

    services.therapist_agree(couple=couple_view(partner_b), scopes=list(Scope.values))

    assert client.get(_page(access)).status_code == 200
    assert "Avery" in client.get(reverse("therapists:home")).text


def test_the_therapist_sees_only_the_kinds_both_partners_chose_and_either_narrows_at_once(
    couple: Couple, partner_a: User, partner_b: User, theo: User
):
    AgreementVersion.objects.create(
        couple=couple,
        exercise="safety-honesty-agreement",
        number=1,
        text="We agreed to AGREED-WORDS",
        proposed_by=partner_a,
        in_force_at=timezone.now(),
    )
    access, _token = make_therapist_access(couple, theo, agreed_by=(partner_a,))
    services.therapist_agree(couple=couple_view(partner_b), scopes=["stages"])
    client = client_for(theo)

    assert selectors.scopes_agreed(access=access) == ["stages"]
    assert "AGREED-WORDS" not in client.get(_page(access)).text

    services.therapist_agree(couple=couple_view(partner_b), scopes=["stages", "agreements"])
    assert "AGREED-WORDS" in client.get(_page(access)).text

    # Avery narrows alone: at once.
    services.therapist_agree(couple=couple_view(partner_a), scopes=["stages"])
    assert "AGREED-WORDS" not in client.get(_page(access)).text


def test_either_partner_ends_it_alone_at_once_and_the_other_is_not_told_who(
    couple: Couple, partner_a: User, partner_b: User, theo: User
):
    access = _open_access(couple, partner_a, partner_b, theo)
    client = client_for(theo)
    assert client.get(_page(access)).status_code == 200

    client_for(partner_b).post(reverse("therapists:end"))

    assert client.get(_page(access)).status_code == 404
    assert (
        client.get(
            reverse("therapists:couple_summary", kwargs={"access_id": access.pk})
        ).status_code
        == 404
    )
    avery_page = client_for(partner_a).get(reverse("therapists:ours")).text
    assert "access ended on" in avery_page
    assert "Blake" not in avery_page.split("access ended on")[0][-200:]
    assert not hasattr(TherapistAccess, "ended_by")


def test_leaving_the_couple_removes_the_therapists_view_at_once(
    couple: Couple, partner_a: User, partner_b: User, theo: User
):
    access = _open_access(couple, partner_a, partner_b, theo)

    couple_services.couple_leave(user=partner_a)

    assert client_for(theo).get(_page(access)).status_code == 404
    assert selectors.couples_for_therapist(therapist=theo) == []


def test_a_partner_deleting_their_account_removes_the_therapists_view_at_once(
    couple: Couple, partner_a: User, partner_b: User, theo: User
):
    access = _open_access(couple, partner_a, partner_b, theo)

    account_delete(user=partner_b)

    assert client_for(theo).get(_page(access)).status_code == 404


def test_the_therapist_deleting_their_account_closes_the_window_and_keeps_the_couples_log(
    couple: Couple, partner_a: User, partner_b: User, theo: User
):
    access = _open_access(couple, partner_a, partner_b, theo)
    client_for(theo).get(_page(access))

    account_delete(user=theo)

    assert not selectors.is_open(access=access)
    assert "access ended on" in client_for(partner_a).get(reverse("therapists:ours")).text
    assert TherapistView.objects.filter(access=access).count() == 1


# --- no couple of their own -------------------------------------------------------------------------


def test_a_therapist_never_gets_a_couple_and_is_sent_to_their_list_from_couple_pages(
    couple: Couple, partner_a: User, partner_b: User, theo: User
):
    _open_access(couple, partner_a, partner_b, theo)
    client = client_for(theo)

    with pytest.raises(CoupleError):
        couple_services.couple_create(user=theo)
    for name in ("today", "start", "program", "checkins:index", "rituals:index", "pause"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"] == reverse("therapists:home"), name
    assert not Membership.objects.filter(user=theo).exists()


def test_an_account_in_a_couple_cannot_accept_a_therapist_invitation(
    couple: Couple, partner_a: User, outsider: User
):
    access, token = make_therapist_access(couple, None)

    response = client_for(outsider).post(reverse("therapists:invite", kwargs={"token": token}))

    assert response.status_code == 409
    outsider.refresh_from_db()
    assert not outsider.is_therapist
    access.refresh_from_db()
    assert access.therapist_id is None


def test_a_signed_out_therapist_is_brought_back_to_the_invitation_after_signing_in(
    couple: Couple, partner_a: User, theo: User
):
    _access, token = make_therapist_access(couple, None)
    client = Client()

    page = client.get(reverse("therapists:invite", kwargs={"token": token}))
    assert page.status_code == 200
    assert token not in str(client.session.items())
    client.force_login(theo)
    landing = client.get(reverse("today"))

    assert landing["Location"] == reverse("therapists:invite_pending")
    accepted = client.post(reverse("therapists:invite_pending"))
    assert accepted["Location"] == reverse("therapists:home")
    theo.refresh_from_db()
    assert theo.is_therapist


# --- the log, the suggestion, withholding --------------------------------------------------------------


def test_every_view_is_logged_and_both_partners_see_the_log(
    couple: Couple, partner_a: User, partner_b: User, theo: User
):
    access = _open_access(couple, partner_a, partner_b, theo)
    client = client_for(theo)
    client.get(_page(access))
    client.get(reverse("therapists:couple_summary", kwargs={"access_id": access.pk}))

    kinds = sorted(TherapistView.objects.filter(access=access).values_list("kind", flat=True))
    assert kinds == ["overview", "summary"]
    for partner in (partner_a, partner_b):
        page = client_for(partner).get(reverse("therapists:ours")).text
        assert "your shared page" in page
        assert "the printable summary" in page


def test_the_therapist_may_suggest_one_thing_from_our_lists_and_nothing_else(
    couple: Couple, partner_a: User, partner_b: User, theo: User
):
    access = _open_access(couple, partner_a, partner_b, theo)
    client = client_for(theo)
    url = reverse("therapists:suggest", kwargs={"access_id": access.pk})

    client.post(url, {"suggestion": "free text the therapist typed"})
    assert not TherapistSuggestion.objects.filter(access=access).exists()
    client.post(url, {"suggestion": "ritual:weekly-touchpoint"})

    for partner in (partner_a, partner_b):
        page = client_for(partner).get(reverse("therapists:ours")).text
        assert "A suggestion from your therapist" in page
        assert reverse("rituals:schedule", kwargs={"slug": "weekly-touchpoint"}) in page


def test_a_partner_can_hold_back_one_checkin_and_show_its_notes_only_by_choice(
    couple: Couple, partner_a: User, partner_b: User, theo: User
):
    access = _open_access(couple, partner_a, partner_b, theo)
    today = partner_a.local_today()
    kept = CheckIn.objects.create(
        user=partner_a,
        couple=couple,
        local_date=today,
        visibility=Visibility.SHARED,
        shared_fields=list(SHAREABLE_FIELDS),
        safety=4,
        need="NOTE-FOR-THEO",
    )
    held = CheckIn.objects.create(
        user=partner_a,
        couple=couple,
        local_date=today - timedelta(days=1),
        visibility=Visibility.SHARED,
        shared_fields=list(SHAREABLE_FIELDS),
        need="HELD-NOTE",
        mood=1,
    )
    client_a = client_for(partner_a)
    client = client_for(theo)
    assert "NOTE-FOR-THEO" not in client.get(_page(access)).text

    client_a.post(reverse("therapists:item"), {"kind": "notes", "key": kept.pk, "action": "notes"})
    client_a.post(reverse("therapists:item"), {"kind": "notes", "key": held.pk, "action": "notes"})
    client_a.post(
        reverse("therapists:item"), {"kind": "checkin", "key": held.pk, "action": "withhold"}
    )
    page = client.get(_page(access)).text

    assert "NOTE-FOR-THEO" in page
    assert "HELD-NOTE" not in page
    assert "Mood: 1" not in page
    # Blake cannot make choices about Avery's items.
    response = client_for(partner_b).post(
        reverse("therapists:item"), {"kind": "checkin", "key": kept.pk, "action": "withhold"}
    )
    assert response.status_code == 404


def test_the_therapist_page_keeps_a_constant_number_of_queries(
    couple: Couple, partner_a: User, partner_b: User, theo: User, django_assert_max_num_queries
):
    access = _open_access(couple, partner_a, partner_b, theo)
    client = client_for(theo)
    client.get(_page(access))
    for day in range(20):
        CheckIn.objects.create(
            user=partner_a,
            couple=couple,
            local_date=partner_a.local_today() - timedelta(days=day),
            visibility=Visibility.SHARED,
            shared_fields=list(SHAREABLE_FIELDS),
            safety=3,
        )
    with django_assert_max_num_queries(30):
        assert client.get(_page(access)).status_code == 200


# --- privacy ---------------------------------------------------------------------------------------

RITUAL_TITLE = str(BY_SLUG["weekly-touchpoint"].title)
MARKERS = {
    "private reflection": "PRIVATE-REFLECTION-MARKER",
    "unrevealed answer": "UNREVEALED-ANSWER-MARKER",
    "note not shown to the therapist": "PARTNER-ONLY-NOTE-MARKER",
    "private check-in": "PRIVATE-CHECKIN-MARKER",
    "uncommitted draft commitment": "DRAFT-COMMITMENT-MARKER",
    "agreement not in force": "PROPOSED-AGREEMENT-MARKER",
}


def test_no_therapist_page_or_summary_ever_holds_anything_private(
    couple: Couple, partner_a: User, partner_b: User, theo: User
):
    """Seed every kind of private thing with a marker, open every kind, and read every page a
    therapist can open, and the couple's own summary: no marker, and no safety-check outcome."""
    today = partner_a.local_today()
    ProgramEntry.objects.create(
        couple=couple,
        user=partner_a,
        exercise="safety-unsafe-moments",
        text=MARKERS["private reflection"],
        submitted_at=timezone.now(),
    )
    ProgramEntry.objects.create(
        couple=couple,
        user=partner_b,
        exercise="safety-what-would-help",
        text=MARKERS["unrevealed answer"],
        submitted_at=timezone.now(),
    )
    CheckIn.objects.create(
        user=partner_a,
        couple=couple,
        local_date=today,
        visibility=Visibility.SHARED,
        shared_fields=list(SHAREABLE_FIELDS),
        need=MARKERS["note not shown to the therapist"],
        safety=2,
    )
    CheckIn.objects.create(
        user=partner_b,
        couple=couple,
        local_date=today,
        visibility=Visibility.PRIVATE,
        helped=MARKERS["private check-in"],
        mood=1,
    )
    conversation = Conversation.objects.create(
        couple=couple,
        exercise="talk",
        floor=partner_a,
        state=Conversation.State.ENDED,
        ended_at=timezone.now(),
    )
    Commitment.objects.create(
        conversation=conversation, user=partner_b, text=MARKERS["uncommitted draft commitment"]
    )
    AgreementVersion.objects.create(
        couple=couple,
        exercise="safety-honesty-agreement",
        number=1,
        proposed_by=partner_a,
        text=MARKERS["agreement not in force"],
    )
    SafetyCheck.objects.filter(user=partner_b).update(concern=True, choice=SafetyCheck.Choice.ALONE)
    ritual = ScheduledRitual.objects.create(
        couple=couple,
        ritual="weekly-touchpoint",
        cadence="weekly",
        weekday=0,
        local_time="19:00",
        created_by=partner_a,
        person=partner_a,
    )
    OccurrenceMark.objects.create(ritual=ritual, user=partner_a, date=today, status="kept")
    access = _open_access(couple, partner_a, partner_b, theo)
    client = client_for(theo)
    pages = {
        f"{who}: {name}": who_client.get(reverse(name, kwargs=kwargs))
        for name, kwargs in (
            ("therapists:home", {}),
            ("therapists:couple", {"access_id": access.pk}),
            ("therapists:couple_summary", {"access_id": access.pk}),
            ("therapists:ours", {}),
            ("therapists:summary", {}),
        )
        for who, who_client in (
            ("Theo", client),
            ("Avery", client_for(partner_a)),
            ("Blake", client_for(partner_b)),
        )
        if (who == "Theo") == (name not in ("therapists:ours", "therapists:summary"))
    }
    pages["Theo: a long period"] = client.get(
        reverse("therapists:couple_summary", kwargs={"access_id": access.pk}),
        {"start": (today - timedelta(days=300)).isoformat(), "end": today.isoformat()},
    )
    pages = {
        ("couple" if where == "Theo: therapists:couple" else where): response
        for where, response in pages.items()
    }
    # The window is not empty: what was shared with the therapist is there.
    assert "Felt safety: 2" in pages["couple"].text
    assert len(pages) == 8
    for where, response in pages.items():
        assert response.status_code == 200, where
        for what, marker in MARKERS.items():
            assert marker not in response.text, (where, what)
        assert "on my own" not in response.text, where
        # One partner's own marks on a ritual of their own: never shown.
        # (The therapist's suggestion list names every library ritual; the window comes before it.)
        assert RITUAL_TITLE not in response.text.split("Suggest something")[0], where


# --- the download ----------------------------------------------------------------------------------


def test_a_partners_download_holds_their_own_yes_and_the_log_never_the_other_partners_kinds(
    couple: Couple, partner_a: User, partner_b: User, theo: User
):
    access, _token = make_therapist_access(couple, theo, agreed_by=(partner_a,))
    services.therapist_agree(couple=couple_view(partner_b), scopes=["stages"])
    client_for(theo).get(_page(access))

    data = export_for(user=partner_a)["therapist"]

    [invitation] = data["invitations"]
    assert invitation["my_kinds"] == list(Scope.values)
    assert len(invitation["opened"]) == 1
    assert "stages" not in str({k: v for k, v in invitation.items() if k != "my_kinds"})
    page = client_for(partner_a).get(reverse("export_data"), {"format": "html"})
    assert page.status_code == 200
    assert "Your therapist opened it once." in page.content.decode()
    theo_data = export_for(user=theo)["therapist"]
    assert theo_data["invitations"] == []
    assert len(theo_data["as_therapist"]) == 1
    assert "Avery" not in str(theo_data)


def test_the_couples_therapist_page_keeps_a_constant_number_of_queries(
    couple: Couple, partner_a: User, partner_b: User, theo: User, django_assert_max_num_queries
):
    access = _open_access(couple, partner_a, partner_b, theo)
    client_theo, client_a = client_for(theo), client_for(partner_a)
    for day in range(20):
        CheckIn.objects.create(
            user=partner_a,
            couple=couple,
            local_date=partner_a.local_today() - timedelta(days=day),
            visibility=Visibility.SHARED,
            shared_fields=list(SHAREABLE_FIELDS),
            safety=3,
        )
        client_theo.get(_page(access))
    with django_assert_max_num_queries(30):
        assert client_a.get(reverse("therapists:ours")).status_code == 200
    with django_assert_max_num_queries(30):
        assert client_a.get(reverse("therapists:summary")).status_code == 200


HOSTILE = [
    "",
    " ",
    "\x00",
    "<script>alert(1)</script>",
    "9" * 40,
    "2026-13-45",
    "-1",
    "ritual:",
    "exercise:../../x",
    "é" * 300,
]


def test_hostile_input_on_the_therapists_side_never_breaks_a_page_or_writes_anything(
    couple: Couple, partner_a: User, partner_b: User, theo: User
):
    access = _open_access(couple, partner_a, partner_b, theo)
    client = client_for(theo)
    summary = reverse("therapists:couple_summary", kwargs={"access_id": access.pk})
    suggest = reverse("therapists:suggest", kwargs={"access_id": access.pk})
    for value in HOSTILE:
        for query in ({"start": value, "end": value}, {"start": "2026-01-01", "end": value}):
            response = client.get(summary, query)
            assert response.status_code == 200, (query, response.status_code)
        assert client.post(suggest, {"suggestion": value}).status_code == 302
        assert client.post(suggest, {"suggestion": [value, value]}).status_code == 302
    # A period backwards, or too long, is refused kindly on the page.
    backwards = client.get(summary, {"start": "2026-06-01", "end": "2026-01-01"}).text
    assert "The end comes before the start" in backwards
    assert not TherapistSuggestion.objects.filter(access=access).exists()


def test_a_new_therapist_signs_up_through_the_usual_flow_and_lands_on_the_invitation(
    couple: Couple, partner_a: User
):
    _access, token = make_therapist_access(couple, None)
    client = Client()

    page = client.get(reverse("therapists:invite", kwargs={"token": token}))
    signup_url = f"{reverse('account_signup')}?next={page.context['next']}"
    # The sign-up page speaks to a therapist: no partner, the couples see the name.
    signup = client.get(signup_url).text
    assert "The couples who invite you see this name." in signup
    assert "partner" not in signup.lower()
    client.post(
        signup_url,
        {
            "email": "theo.new@example.com",
            "password1": "a-calm-long-password-7",
            "display_name": "Theo",
            "time_zone": "Europe/Berlin",
            "next": page.context["next"],
        },
    )
    code = re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4})\s*$", str(mail.outbox[-1].body), re.M)
    assert code
    confirmed = client.post(reverse("account_email_verification_sent"), {"code": code.group(1)})
    assert confirmed["Location"] == reverse("therapists:invite_pending")
    # No safety screen, no start page: a therapist account has no couple to start.
    assert "Accept" in client.get(confirmed["Location"]).text
    accepted = client.post(reverse("therapists:invite_pending"))

    assert accepted["Location"] == reverse("therapists:home")
    theo = User.objects.get(email="theo.new@example.com")
    assert theo.is_therapist
    assert not Membership.objects.filter(user=theo).exists()
    assert token not in str(dict(client.session.items()))


def test_a_therapists_settings_speak_of_couples_not_a_partner(
    couple: Couple, partner_a: User, partner_b: User, theo: User
):
    _open_access(couple, partner_a, partner_b, theo)
    client = client_for(theo)

    page = client.get(reverse("settings")).text
    saved = client.post(
        reverse("settings"), {"display_name": "Theo R.", "time_zone": "Europe/London"}
    )

    assert "The couples who invited you see this name." in page
    assert "Your partner sees this name" not in page
    assert "your part in what happened" not in page
    assert saved.status_code == 302
    theo.refresh_from_db()
    assert theo.display_name == "Theo R."
