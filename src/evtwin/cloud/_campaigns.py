"""Update campaigns: target group, staged rollout, thresholds, windows, consent, stop.

Pure logic (no IO, time passed in). A campaign offers images (by hardware ID) to a group of
vehicles in stages (e.g. 1 %, 10 %, 50 %, 100 % of the group); each vehicle's check-in reports
whether its ECUs run the images (success) or rejected them after a failed health check
(failure). A stage moves on when every vehicle offered so far has answered and the success
share reaches ``min_success_ratio``; the campaign pauses itself when the failure share of
those offered passes ``max_failure_ratio``. Operators can pause, resume, emergency-stop or
cancel. Nothing is offered outside the maintenance window.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from itertools import pairwise
from typing import Any

from evtwin.errors import OtaError

__all__ = ["Campaign", "CampaignSpec", "CampaignState", "VehicleOutcome"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


class CampaignState(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"  # emergency stop: nothing more is offered, offers are withdrawn
    CANCELLED = "cancelled"
    COMPLETED = "completed"


class VehicleOutcome(StrEnum):
    OFFERED = "offered"  # offered, not installed yet
    DEFERRED = "deferred"  # the car holds it back (driving, low charge, awaiting consent, …)
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def pending(self) -> bool:
        return self in (VehicleOutcome.OFFERED, VehicleOutcome.DEFERRED)


@dataclass(frozen=True, kw_only=True)
class CampaignSpec:
    """What to roll out, to whom and how fast.

    Args:
        name: campaign id (lower-case letters, digits, ``.``, ``_``, ``-``).
        images: image name to install, by ECU hardware ID.
        vin_prefixes: target group: VINs starting with any of these ('' = every vehicle).
        stages_percent: cumulative share of the group offered at each stage [%], rising to 100.
        min_success_ratio: share of offered vehicles that must succeed to move on, 0..1.
        max_failure_ratio: share of offered vehicles failing that pauses the campaign, 0..1.
        consent: ``required``, ``forced`` or ``download_only`` (told to the car).
        window_utc_hours: maintenance window ``(start, end)`` in UTC hours, ``None`` = always;
            ``(22, 5)`` wraps past midnight.
    """

    name: str
    images: Mapping[str, str]
    vin_prefixes: tuple[str, ...] = ("",)
    stages_percent: tuple[float, ...] = (1.0, 10.0, 50.0, 100.0)
    min_success_ratio: float = 0.95
    max_failure_ratio: float = 0.05
    consent: str = "required"
    window_utc_hours: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise OtaError(f"campaign name {self.name!r} must match {_NAME.pattern}")
        if not self.images:
            raise OtaError(f"campaign {self.name!r} names no image")
        stages = self.stages_percent
        if not stages or stages[-1] != 100.0 or any(b <= a for a, b in pairwise(stages)):
            raise OtaError(f"stages_percent {stages} must rise strictly and end at 100 %")
        if stages[0] <= 0.0:
            raise OtaError(f"first stage {stages[0]} % must be above 0 %")
        for label, ratio in (
            ("min_success_ratio", self.min_success_ratio),
            ("max_failure_ratio", self.max_failure_ratio),
        ):
            if not 0.0 <= ratio <= 1.0:
                raise OtaError(f"{label} must be within 0..1, got {ratio}")
        if self.consent not in ("required", "forced", "download_only"):
            raise OtaError(f"consent {self.consent!r} is not required|forced|download_only")
        if self.window_utc_hours is not None and not all(
            0 <= h <= 23 for h in self.window_utc_hours
        ):
            raise OtaError(f"window_utc_hours {self.window_utc_hours} must be hours 0..23")

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CampaignSpec:
        try:
            window = d.get("window_utc_hours")
            return cls(
                name=str(d["name"]),
                images={str(k): str(v) for k, v in dict(d["images"]).items()},
                vin_prefixes=tuple(str(p) for p in d.get("vin_prefixes", [""])),
                stages_percent=tuple(float(s) for s in d.get("stages_percent", (1, 10, 50, 100))),
                min_success_ratio=float(d.get("min_success_ratio", 0.95)),
                max_failure_ratio=float(d.get("max_failure_ratio", 0.05)),
                consent=str(d.get("consent", "required")),
                window_utc_hours=(int(window[0]), int(window[1])) if window else None,
            )
        except (KeyError, TypeError, ValueError, IndexError) as e:
            raise OtaError(f"malformed campaign: {e}") from e

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "images": dict(self.images),
            "vin_prefixes": list(self.vin_prefixes),
            "stages_percent": list(self.stages_percent),
            "min_success_ratio": self.min_success_ratio,
            "max_failure_ratio": self.max_failure_ratio,
            "consent": self.consent,
            "window_utc_hours": list(self.window_utc_hours) if self.window_utc_hours else None,
        }

    def targets(self, vin: str) -> bool:
        return any(vin.startswith(p) for p in self.vin_prefixes)

    def in_window(self, now: datetime) -> bool:
        if self.window_utc_hours is None:
            return True
        start, end = self.window_utc_hours
        hour = now.hour
        return start <= hour < end if start < end else hour >= start or hour < end


@dataclass
class Campaign:
    """A campaign's live state over a fixed group of vehicles."""

    spec: CampaignSpec
    group: list[str]  # VINs in rollout order
    state: CampaignState = CampaignState.DRAFT
    stage: int = 0
    outcomes: dict[str, VehicleOutcome] = field(default_factory=dict)
    pause_reason: str = ""

    @classmethod
    def create(cls, spec: CampaignSpec, vins: Sequence[str]) -> Campaign:
        """Fix the group: the targeted VINs in a stable pseudo-random order (by hash)."""
        members = [v for v in vins if spec.targets(v)]
        members.sort(key=lambda v: hashlib.sha256(f"{spec.name}/{v}".encode()).hexdigest())
        return cls(spec=spec, group=members)

    def to_dict(self) -> dict[str, Any]:
        """Everything needed to resume the campaign after a server restart."""
        return {
            "spec": self.spec.to_dict(),
            "group": list(self.group),
            "state": self.state.value,
            "stage": self.stage,
            "outcomes": {vin: o.value for vin, o in self.outcomes.items()},
            "pause_reason": self.pause_reason,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Campaign:
        try:
            return cls(
                spec=CampaignSpec.from_dict(d["spec"]),
                group=[str(v) for v in d["group"]],
                state=CampaignState(d["state"]),
                stage=int(d["stage"]),
                outcomes={str(v): VehicleOutcome(o) for v, o in d["outcomes"].items()},
                pause_reason=str(d["pause_reason"]),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise OtaError(f"malformed stored campaign: {e}") from e

    # -- operator ------------------------------------------------------------------------------
    def _move(self, allowed_from: tuple[CampaignState, ...], to: CampaignState) -> None:
        if self.state not in allowed_from:
            raise OtaError(f"campaign {self.spec.name!r} is {self.state}: cannot go to {to}")
        self.state = to

    def start(self) -> None:
        self._move((CampaignState.DRAFT,), CampaignState.RUNNING)

    def pause(self, reason: str = "paused by operator") -> None:
        self._move((CampaignState.RUNNING,), CampaignState.PAUSED)
        self.pause_reason = reason

    def resume(self) -> None:
        self._move((CampaignState.PAUSED,), CampaignState.RUNNING)
        self.pause_reason = ""

    def stop(self) -> None:
        """Emergency stop: withdraw every offer not yet installed."""
        self._move((CampaignState.RUNNING, CampaignState.PAUSED), CampaignState.STOPPED)

    def cancel(self) -> None:
        self._move((CampaignState.DRAFT, CampaignState.RUNNING, CampaignState.PAUSED),
                   CampaignState.CANCELLED)  # fmt: skip

    # -- rollout -------------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        """Offers stand (RUNNING or PAUSED: a pause stops new offers, not pending ones)."""
        return self.state in (CampaignState.RUNNING, CampaignState.PAUSED)

    def _stage_size(self) -> int:
        return math.ceil(len(self.group) * self.spec.stages_percent[self.stage] / 100.0)

    def offered_to(self, vin: str, now: datetime) -> bool:
        """Whether ``vin`` should be offered the images now (and mark it offered)."""
        if vin in self.outcomes:
            return self.active and self.outcomes[vin].pending
        if self.state is not CampaignState.RUNNING or not self.spec.in_window(now):
            return False
        if vin not in self.group[: self._stage_size()]:
            return False
        self.outcomes[vin] = VehicleOutcome.OFFERED
        return True

    def report(self, vin: str, outcome: VehicleOutcome) -> None:
        """Record a vehicle's result, then move on or pause by the thresholds."""
        if vin not in self.outcomes:
            return
        self.outcomes[vin] = outcome
        self._evaluate()

    def _evaluate(self) -> None:
        if self.state is not CampaignState.RUNNING:
            return
        offered = len(self.outcomes)
        failed = sum(o is VehicleOutcome.FAILED for o in self.outcomes.values())
        succeeded = sum(o is VehicleOutcome.SUCCEEDED for o in self.outcomes.values())
        if offered and failed / offered > self.spec.max_failure_ratio:
            self.pause(
                f"{failed} of {offered} vehicles failed (> {self.spec.max_failure_ratio:.0%})"
            )
            return
        if not offered or succeeded + failed < offered:
            return  # some offered cars have not answered yet
        if succeeded / offered < self.spec.min_success_ratio:
            self.pause(f"only {succeeded} of {offered} succeeded")
            return
        # move on past every stage already covered (a small group fills several at once)
        while offered >= self._stage_size() and self.stage + 1 < len(self.spec.stages_percent):
            self.stage += 1
        if offered >= len(self.group):
            self.state = CampaignState.COMPLETED

    def status(self) -> dict[str, Any]:
        """Stable JSON view: state, stage, counts."""
        counts = {o.value: 0 for o in VehicleOutcome}
        for o in self.outcomes.values():
            counts[o.value] += 1
        return {
            "name": self.spec.name,
            "state": self.state.value,
            "stage": self.stage,
            "stage_percent": self.spec.stages_percent[self.stage],
            "group_size": len(self.group),
            "vehicles": counts,
            "pause_reason": self.pause_reason,
            "consent": self.spec.consent,
        }
