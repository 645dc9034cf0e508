"""OTA server storage behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from evtwin.cloud import OtaDatabase
from evtwin.errors import OtaError, OtaInventoryError

NOW = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)


def test_vehicles_are_stored_with_hashed_tokens_and_unique_vins(db: OtaDatabase) -> None:
    db.add_vehicle("SALDS27A1RA000001", "ab" * 32, {"vin": "SALDS27A1RA000001"}, NOW)

    with pytest.raises(OtaInventoryError, match="already registered"):
        db.add_vehicle("SALDS27A1RA000001", "cd" * 32, {}, NOW)
    assert db.token_sha256("SALDS27A1RA000001") == "ab" * 32
    assert db.token_sha256("SALDS27A1RA000002") is None
    assert db.vehicles() == ["SALDS27A1RA000001"]


def test_manifest_history_keeps_order(db: OtaDatabase) -> None:
    db.add_vehicle("SALDS27A1RA000001", "ab" * 32, {}, NOW)
    assert db.latest_manifest("SALDS27A1RA000001") is None

    db.add_manifest("SALDS27A1RA000001", {"n": 1}, NOW)
    db.add_manifest("SALDS27A1RA000001", {"n": 2}, NOW)

    assert db.latest_manifest("SALDS27A1RA000001") == {"n": 2}
    assert db.manifest_count("SALDS27A1RA000001") == 2


def test_a_bad_schema_name_is_refused_before_connecting() -> None:
    with pytest.raises(OtaError, match="schema"):
        OtaDatabase.postgres("host=127.0.0.1", schema="x; DROP TABLE y")
