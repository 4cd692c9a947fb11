"""The reading library: short reads, each linked from where it helps (an exercise, a check-in on a
hard day, another read, the Support page), every link resolving, open to anyone."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from repair.couples.models import Couple, User
from repair.env import env_crisis_lines
from repair.program import library as reading
from repair.program.content import FOLDER, ProgramError, load_program, program
from repair.program.library import ReadError, library, load_library, render_body
from tests.conftest import client_for
from tests.factories import open_stages_before

pytestmark = pytest.mark.django_db

READ_LINK = re.compile(r'href="/reads/([a-z0-9-]+)/"')
SLUGS = {read.slug for read in library()}


def links(html: str) -> set[str]:
    return set(READ_LINK.findall(html))


def test_the_library_holds_the_reads_the_issue_asks_for():
    assert {
        "body-on-alert",
        "same-questions",
        "how-long-this-takes",
        "forgiveness",
        "guilt-and-shame",
        "the-cycle",
        "what-the-stages-are-for",
        "when-to-see-a-therapist",
    } == SLUGS
    for read in library():
        assert 2 <= read.minutes <= 5, read.slug  # a few minutes each
        words = len(read.body.split())
        assert 200 <= words <= 5 * 200, (read.slug, words)  # about 200 words a minute


def test_every_read_is_linked_from_where_it_helps_and_every_link_resolves(
    couple: Couple, partner_a: User, partner_b: User
):
    client = client_for(partner_a)
    open_stages_before("sustaining", partner_a, partner_b)
    where: dict[str, set[str]] = {}

    def seen(place: str, html: str) -> None:
        for slug in links(html):
            where.setdefault(slug, set()).add(place)

    for exercise in program().exercises:
        page = client.get(reverse("program_exercise", args=[exercise.stage, exercise.slug]))
        assert page.status_code == 200, exercise.slug
        assert links(page.text) >= set(exercise.reads), exercise.slug
        seen(f"exercise {exercise.slug}", page.text)
    client.post(reverse("checkins:index"), {"safety": "1"})
    seen("a check-in on edge", client.get(reverse("checkins:index")).text)
    for read in library():
        seen(f"read {read.slug}", Client().get(reverse("read", args=[read.slug])).text)
    seen("support", Client().get(reverse("resources")).text)
    seen("when it hits", client.get(reverse("when_it_hits")).text)

    assert where.keys() == SLUGS
    for slug, places in where.items():
        # Somewhere that helps beyond the Support page's list: an exercise, a check-in, a read.
        assert places - {"support", f"read {slug}"}, slug
        assert Client().get(reverse("read", args=[slug])).status_code == 200
    assert where["body-on-alert"] >= {
        "a check-in on edge",
        "exercise safety-unsafe-moments",
        "when it hits",
    }
    assert "exercise attunement-speaker-listener" in where["the-cycle"]


def test_a_check_in_on_edge_offers_the_read_and_a_steady_one_does_not(
    client_a: Client, partner_a: User
):
    client_a.post(reverse("checkins:index"), {"safety": "4"})
    steady = client_a.get(reverse("checkins:index")).text
    client_a.post(reverse("checkins:index"), {"safety": "2"})
    on_edge = client_a.get(reverse("checkins:index")).text

    assert "body-on-alert" not in steady
    assert 'href="/reads/body-on-alert/">Why your body stays on alert</a>' in on_edge


def test_reads_are_open_to_someone_signed_out_and_an_unknown_one_is_a_404(db: None):
    anyone = Client()

    listing = anyone.get(reverse("reads"))
    page = anyone.get(reverse("read", args=["forgiveness"]))

    assert listing.status_code == page.status_code == 200
    assert links(listing.text) == SLUGS
    assert "Forgiveness is a process, not a moment" in page.text
    assert anyone.get("/reads/no-such-read/").status_code == 404


def test_the_therapist_directory_is_the_operators_and_sits_beside_the_support_lines(
    db: None, settings
):
    settings.THERAPIST_DIRECTORY = [
        {"name": "Couples Clinic Lisbon", "detail": "EFT in Portuguese", "url": "https://x.example"}
    ]
    support = Client().get(reverse("resources")).text
    read = Client().get(reverse("read", args=["when-to-see-a-therapist"])).text
    other = Client().get(reverse("read", args=["forgiveness"])).text

    assert "Couples Clinic Lisbon" in support
    assert support.index("Emergency services") < support.index("Couples Clinic Lisbon")
    assert "Couples Clinic Lisbon" in read
    assert "Couples Clinic Lisbon" not in other


def test_the_therapist_directory_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("THERAPIST_DIRECTORY_JSON", '[{"name": "A", "detail": "B", "url": "tel:1"}]')
    assert env_crisis_lines("THERAPIST_DIRECTORY_JSON", []) == [
        {"name": "A", "detail": "B", "url": "tel:1"}
    ]
    monkeypatch.setenv("THERAPIST_DIRECTORY_JSON", '[{"name": "A", "url": "javascript:x"}]')
    with pytest.raises(ImproperlyConfigured):
        env_crisis_lines("THERAPIST_DIRECTORY_JSON", [])


def test_a_reads_text_is_escaped_and_keeps_its_shape():
    html = render_body("## A <b>heading</b>\n\n- one & two\n- <script>\n\nA para\ncontinued.")

    assert html == (
        "<h2>A &lt;b&gt;heading&lt;/b&gt;</h2>\n"
        "<ul><li>one &amp; two</li><li>&lt;script&gt;</li></ul>\n"
        "<p>A para continued.</p>"
    )


@pytest.fixture
def reads_folder(tmp_path: Path) -> Path:
    for path in reading.FOLDER.glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace("minutes = 3", "minutes = 30"), "'minutes' must be"),
        (lambda t: t.replace('slug = "forgiveness"', 'slug = "forgive"'), "the slug must be"),
        (lambda t: t.replace('"how-long-this-takes", ', '"nowhere", '), "names no other read"),
        (lambda t: t + '\ncolour = "red"\n', "unknown keys"),
    ],
)
def test_a_broken_read_is_refused_with_a_clear_message(reads_folder: Path, change, message):
    path = reads_folder / "4_forgiveness.toml"
    path.write_text(change(path.read_text()))

    with pytest.raises(ReadError, match=message):
        load_library(reads_folder)


def test_an_exercise_naming_a_read_that_does_not_exist_is_refused(tmp_path: Path):
    for path in FOLDER.glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    first = tmp_path / "1_safety.toml"
    first.write_text(first.read_text().replace('reads = ["body-on-alert"]', 'reads = ["nope"]'))

    with pytest.raises(ProgramError, match="names no read in the library"):
        load_program(tmp_path)


def test_a_read_costs_no_queries_signed_out_and_the_same_signed_in(
    client_a: Client, django_assert_num_queries
):
    url = reverse("read", args=["the-cycle"])
    with django_assert_num_queries(0):
        assert Client().get(url).status_code == 200
    client_a.get(url)  # the first request after signing in also touches the session
    with django_assert_num_queries(1) as first:  # the signed-in person
        client_a.get(url)
    with django_assert_num_queries(len(first.captured_queries)):
        client_a.get(reverse("reads"))
