"""The shape of a person's download, shared by every app that adds a part to it
(``repair/home/privacy.py`` puts the parts together)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django_stubs_ext import StrOrPromise

type Data = dict[str, Any]

EXPORT_FORMAT = "mend-export-1"


@dataclass(frozen=True)
class ExportSection:
    """One part of a download: ``data`` goes into the JSON under ``key``; the readable copy renders
    ``template`` with ``data`` and ``readable`` (the same things arranged for reading, e.g. with
    labels in words; never anything that is not in ``data``)."""

    key: str
    title: StrOrPromise
    template: str
    data: Data
    readable: Data = field(default_factory=dict)
