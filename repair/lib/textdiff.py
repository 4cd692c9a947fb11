"""What changed between two versions of a text, word by word, for reading (not for patching)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

# Words with the space after them, so joining the parts gives the text back exactly.
_TOKENS = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True)
class Change:
    kind: Literal["same", "added", "removed"]
    text: str


def word_changes(old: str, new: str) -> list[Change]:
    """``new`` as it differs from ``old``: runs of unchanged, removed and added words, in reading
    order (a replaced run reads as the removed words, then the added ones). Joining the "same" and
    "added" parts gives ``new``; the "same" and "removed" parts give ``old``."""
    before, after = _TOKENS.findall(old), _TOKENS.findall(new)
    changes: list[Change] = []
    matcher = SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            changes.append(Change("same", "".join(after[j1:j2])))
            continue
        if i2 > i1:
            changes.append(Change("removed", "".join(before[i1:i2])))
        if j2 > j1:
            changes.append(Change("added", "".join(after[j1:j2])))
    return changes
