"""The ritual library, written from the two source articles. Content as data: a change here needs no
migration (scheduled rituals refer to an entry by its stable slug)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Ritual:
    slug: str
    title: StrOrPromise
    why: StrOrPromise
    how: StrOrPromise
    # The calendar colour family: daily, weekly or monthly commitments (also shown by a label and
    # a shape, never colour alone).
    family: str
    cadence: str
    source: str


LIBRARY: tuple[Ritual, ...] = (
    Ritual(
        slug="reset-breath",
        title=_("Reset breath"),
        why=_(
            "A shared breath slows a racing body down and reminds you both you're on the same side."
        ),
        how=_(
            "Sit or stand facing each other. Breathe in for four, out for six, five times together. No talking needed."
        ),
        family="daily",
        cadence="daily",
        source="seed 000: a reset breath as a consent and repair ritual",
    ),
    Ritual(
        slug="pause-and-return",
        title=_("Pause and return"),
        why=_("Stopping a hard talk is safer than pushing through it — as long as you come back."),
        how=_(
            "Either of you can say “I need a pause; I'll come back at …”. Take the break apart, then return at the time you named."
        ),
        family="daily",
        cadence="daily",
        source="seed 000: permission to pause; care.md: PREP time-out, resume within 24 hours",
    ),
    Ritual(
        slug="gratitude-exchange",
        title=_("Gratitude note exchange"),
        why=_("Noticing what went right, out loud, slowly changes what you each look for."),
        how=_(
            "Each send the other one short note of thanks for something specific from today. Use the gratitude notes on this page."
        ),
        family="daily",
        cadence="daily",
        source="seed 000 and 001: gratitude, small daily affirmations",
    ),
    Ritual(
        slug="weekly-touchpoint",
        title=_("Weekly touchpoint"),
        why=_(
            "Trust grows in small, repeated moments of being a little vulnerable and being met kindly."
        ),
        how=_(
            "Once a week, each share one small moment from the week that touched you or worried you. Listen; don't fix."
        ),
        family="weekly",
        cadence="weekly",
        source="seed 001: weekly touchpoints to share small moments of vulnerability",
    ),
    Ritual(
        slug="weekly-conversation",
        title=_("Weekly structured conversation"),
        why=_("A set time to talk means hard things don't have to wait for a bad moment."),
        how=_(
            "Twenty minutes, one topic, speaker and listener taking turns. End with a short note of what each of you commits to."
        ),
        family="weekly",
        cadence="weekly",
        source="seed 001: weekly conversations; care.md: PREP speaker-listener",
    ),
    Ritual(
        slug="date-night",
        title=_("Weekly date night"),
        why=_("Time that is just for enjoying each other rebuilds fondness, not only repair."),
        how=_(
            "An evening or an hour, planned ahead, with phones away. Keep it light; no relationship talk unless you both want it."
        ),
        family="weekly",
        cadence="weekly",
        source="seed 000: moments of mutual enjoyment; care.md: Gottman attach",
    ),
    Ritual(
        slug="cooking-together",
        title=_("Cooking together"),
        why=_(
            "Doing something side by side, with your hands busy, makes closeness easy and unforced."
        ),
        how=_("Choose a recipe together, share the jobs, eat at the table."),
        family="weekly",
        cadence="weekly",
        source="seed 001: shared activities such as cooking together",
    ),
    Ritual(
        slug="boundary-review",
        title=_("Monthly boundary review"),
        why=_(
            "Agreements that fit last month may not fit this one. Reviewing them keeps them fair."
        ),
        how=_(
            "Read your agreements together. Say what's working, what feels heavy, and what you'd change. Propose new versions in the program if needed."
        ),
        family="monthly",
        cadence="monthly",
        source="seed 001: monthly reviews of boundaries",
    ),
    Ritual(
        slug="repair-after-disagreement",
        title=_("Repair after a disagreement"),
        why=_("A specific apology, heard and answered, closes a hurt instead of leaving it open."),
        how=_(
            "The one apologising names the hurt, takes responsibility, says what they'll do differently and how the other will notice. The other says what they heard and what they need."
        ),
        family="weekly",
        cadence="weekly",
        source="seed 000: repair rituals with specific, action-oriented apologies; care.md: the four-part apology",
    ),
    Ritual(
        slug="commitment-note",
        title=_("Post-conversation commitment note"),
        why=_(
            "Writing down what each of you will do turns a good talk into something you can both see."
        ),
        how=_(
            "After a conversation, each write one small, specific commitment. Read them together and agree."
        ),
        family="weekly",
        cadence="weekly",
        source="seed 001: post-conversation notes summarising commitments",
    ),
)

BY_SLUG = {ritual.slug: ritual for ritual in LIBRARY}
FAMILIES = ("daily", "weekly", "monthly")
