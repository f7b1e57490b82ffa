"""The locks (requirements/*.lock, made by scripts/lock.sh) agree with pyproject.toml: every declared dependency is
pinned there, at a version its range admits, with hashes; the run lock is the test lock's subset at the same pins."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def read_lock(name: str) -> dict[str, tuple[Version, int]]:
    """{package: (version, number of hashes)} of a pip-compile lock."""
    pins: dict[str, tuple[Version, int]] = {}
    current = None
    for line in (ROOT / "requirements" / name).read_text().splitlines():
        m = PIN.match(line)
        if m:
            current = canonicalize_name(m.group(1))
            pins[current] = (Version(m.group(2)), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
        elif line and not line.startswith(" "):
            current = None
    return pins


def declared(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    if extra:
        reqs += project["optional-dependencies"][extra]
    return [Requirement(r) for r in reqs]


def _disagreements(lock: dict, reqs: list[Requirement]) -> list[str]:
    problems = []
    for req in reqs:
        pin = lock.get(canonicalize_name(req.name))
        if pin is None:
            problems.append(f"{req} is not in the lock")
        elif not req.specifier.contains(pin[0], prereleases=True):
            problems.append(f"{req} does not admit the locked {pin[0]}")
    return problems


def test_the_run_lock_pins_every_dependency_within_its_range():
    assert _disagreements(read_lock("run.lock"), declared()) == []


def test_the_test_lock_pins_every_dependency_and_test_extra_within_its_range():
    assert _disagreements(read_lock("test.lock"), declared("test")) == []


def test_every_pin_carries_hashes_and_both_locks_agree():
    run, test = read_lock("run.lock"), read_lock("test.lock")
    assert [name for name, (_, hashes) in {**run, **test}.items() if hashes == 0] == []
    assert {name: run[name][0] for name in run} == {name: test[name][0] for name in run if name in test}
    assert set(run) <= set(test)


def test_a_disagreement_is_caught():
    lock = {"litestar": (Version("2.25.0"), 1)}
    assert _disagreements(lock, [Requirement("litestar>=3")]) == ["litestar>=3 does not admit the locked 2.25.0"]
    assert _disagreements(lock, [Requirement("msgspec")]) == ["msgspec is not in the lock"]
