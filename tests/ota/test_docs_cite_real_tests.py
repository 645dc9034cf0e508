"""Every test docs/ota.md cites as a defence's proof exists (a renamed or deleted test makes
this fail, so the threat tables cannot point at nothing).

Citations are the backticked names in the document: ``tests/…/file.py``, ``file.py::test``,
``::test`` (in the file cited last), a bare ``test_…`` (anywhere under ``tests/``) and an
abbreviated ``..._suffix`` (a test in the file cited last, else anywhere, ending so).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ota.md"
TESTS = ROOT / "tests"


def _defs(path: Path) -> set[str]:
    return set(re.findall(r"^\s*(?:async\s+)?def (test_\w+)\(", path.read_text(), re.M))


def _find_file(name: str) -> Path | None:
    if name.startswith("tests/"):
        path = ROOT / name
        return path if path.is_file() else None
    found = sorted(TESTS.rglob(Path(name).name))
    return found[0] if len(found) == 1 else None


def citations(text: str) -> list[tuple[str, str]]:
    """``(kind, token)`` for each backticked test citation, in order."""
    out = []
    for token in re.findall(r"`([^`\n]+)`", text):
        for part in re.split(r"[,\s]+", token):
            part = part.strip()
            if re.fullmatch(r"(?:tests/[\w/]+/)?test_\w+\.py(?:::\w+)?", part):
                out.append(("file", part))
            elif re.fullmatch(r"::test_\w+", part):
                out.append(("in-last", part[2:]))
            elif re.fullmatch(r"test_\w+", part) and not part.endswith("_"):
                out.append(("bare", part))
            elif re.fullmatch(r"(?:::)?(?:\.\.\.|…)_\w+", part):
                out.append(("suffix", part.lstrip(":").lstrip(".…").lstrip("_")))
    return out


def missing_citations(text: str) -> tuple[list[str], int]:
    """The citations of ``text`` naming no existing test, and how many were checked."""
    every = {p: _defs(p) for p in TESTS.rglob("test_*.py")}
    all_names = set().union(*every.values())
    missing: list[str] = []
    last_file: Path | None = None
    checked = 0
    for kind, token in citations(text):
        checked += 1
        if kind == "file":
            file, _, name = token.partition("::")
            path = _find_file(file)
            if path is None:
                missing.append(f"{token}: no such test file")
                continue
            last_file = path
            if name and name not in every[path]:
                missing.append(f"{token}: no {name} in {path.relative_to(ROOT)}")
        elif kind == "in-last":
            if last_file is None or token not in every[last_file]:
                where = last_file.relative_to(ROOT) if last_file else "no file cited before"
                missing.append(f"::{token}: not in {where}")
        elif kind == "bare":
            if token not in all_names:
                missing.append(f"{token}: no such test")
        else:
            pool = every[last_file] if last_file is not None else all_names
            if not any(n.endswith("_" + token) for n in pool | all_names):
                missing.append(f"..._{token}: no test ends so")
    return missing, checked


def test_every_test_cited_in_docs_ota_exists() -> None:
    missing, checked = missing_citations(DOC.read_text())
    assert checked > 60, f"only {checked} citations found: the parser no longer sees them"
    assert missing == []


def test_the_citation_parser_sees_a_missing_test() -> None:
    text = "`tests/ota/test_attacks.py::test_no_such_thing`, `test_absent_too`, `..._nowhere_x`"
    kinds = [k for k, _ in citations(text)]
    assert kinds == ["file", "bare", "suffix"]
    missing, checked = missing_citations(text)
    assert checked == 3 and len(missing) == 3, missing
    real = "`tests/ota/test_attacks.py::test_partial_bundle_attack_installs_nothing`"
    assert missing_citations(real) == ([], 1)
