"""Reading the independent tester's scale weights and 0-100 km/h runs, matched to the
catalogue (``data/validation/realworld/matches_scales_sprints.toml``)."""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

from evtwin.errors import ValidationDataError
from evtwin.vehicles.catalogue import load_vehicle

__all__ = ["MATCHES_FILE", "Match", "data_dir", "matched_rows"]

MATCHES_FILE = "matches_scales_sprints.toml"


@dataclass(frozen=True, slots=True)
class Match:
    tester: str
    vehicle_id: str
    note: str


def data_dir() -> Traversable:
    return resources.files("evtwin") / "data" / "validation" / "realworld"


def matched_rows(kind: str, csv_name: str) -> list[tuple[Match, dict[str, str]]]:
    """Rows of ``csv_name`` whose ``Car`` has a ``[[kind]]`` match, in file order; every
    match must name a catalogue car and find its row."""
    base = data_dir()
    try:
        raw = tomllib.loads((base / MATCHES_FILE).read_text(encoding="utf-8"))[kind]
        text = (base / csv_name).read_text(encoding="utf-8")
    except (OSError, KeyError, tomllib.TOMLDecodeError) as e:
        raise ValidationDataError(f"cannot read the tester's {kind} data in {base}: {e}") from e
    matches = {}
    for m in raw:
        try:
            matches[m["tester"]] = Match(m["tester"], m["vehicle"], m.get("note", ""))
        except (KeyError, TypeError) as e:
            raise ValidationDataError(f"{MATCHES_FILE}: bad [[{kind}]] entry {m!r}") from e
        load_vehicle(m["vehicle"])  # a match must name a catalogue car
    rows = [
        (matches[row["Car"]], row)
        for row in csv.DictReader(io.StringIO(text))
        if row.get("Car") in matches
    ]
    missing = set(matches) - {m.tester for m, _ in rows}
    if missing:
        raise ValidationDataError(f"{csv_name}: no row for matched car(s) {sorted(missing)}")
    return rows
