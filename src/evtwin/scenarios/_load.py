"""Find and read scenario files: bundled ones by name, or any TOML file by path."""

from __future__ import annotations

import tomllib
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from evtwin.errors import ScenarioError, UnknownScenarioError
from evtwin.scenarios._model import Scenario, parse_scenario

__all__ = ["bundled_scenarios", "load_scenario"]


def _bundled_dir() -> Traversable:
    return resources.files("evtwin").joinpath("data", "scenarios")


def bundled_scenarios() -> list[str]:
    """Names of the scenarios shipped with evtwin."""
    return sorted(
        f.name.removesuffix(".toml") for f in _bundled_dir().iterdir() if f.name.endswith(".toml")
    )


def _parse_text(text: str, source: str) -> Scenario:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{source}: not valid TOML: {e}") from e
    return parse_scenario(raw, source=source)


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A bundled scenario by name (``winter_commute``) or a scenario file by path."""
    text = str(name_or_path)
    path = Path(text)
    if path.suffix == ".toml" or path.exists():
        try:
            return _parse_text(path.read_text(encoding="utf-8"), str(path))
        except FileNotFoundError:
            raise UnknownScenarioError(f"scenario file not found: {path}") from None
        except (OSError, UnicodeDecodeError) as e:
            raise ScenarioError(f"cannot read scenario {path}: {e}") from e
    names = bundled_scenarios()
    if text not in names:
        import difflib

        close = difflib.get_close_matches(text, names, n=2, cutoff=0.5)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise UnknownScenarioError(
            f"unknown scenario {text!r}{hint}; bundled: {', '.join(names)}; or give a .toml path"
        )
    file = _bundled_dir().joinpath(f"{text}.toml")
    return _parse_text(file.read_text(encoding="utf-8"), f"bundled:{text}")
