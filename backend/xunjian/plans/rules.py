"""The random draw of 双随机一公开, as a pure function: which sites a plan inspects and which two inspectors go.

Sites: weighted sampling without replacement by Efraimidis–Spirakis keys (key = ln(u) / w, the largest k keys win),
which draws exactly k distinct sites with each site's chance growing with its tier's weight. Each site's u comes from
SHA-256 of the seed and the site id rather than from a stream generator, so the draw depends on no iteration order
and anyone can recompute it from the published seed and inputs in any language.

Inspectors: the drawn sites, in draw order, each get the two inspectors of the pool with the fewest tasks so far
among those whose regions cover the site and who have no recorded conflict with it (回避); ties go by a seeded order
of the pool. While every inspector can take every site, loads then differ by at most one.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from decimal import Decimal

# Bump when anything below changes what a given seed and inputs draw; stored with every draw.
ALGORITHM_VERSION = 1

PLAN_KINDS = ("routine", "special", "complaint", "joint")
# Street patrols are never drawn: a patrol zone is not an inspected party.
DRAWABLE_KINDS = ("eldercare", "lottery_outlet", "rescue_station")
TIERS = ("red", "orange", "yellow", "blue")
# A red site is four times as likely as a blue one to be the next drawn (the default of every plan).
DEFAULT_TIER_WEIGHTS = {"red": 4, "orange": 3, "yellow": 2, "blue": 1}
UNRATED_TIER = "blue"  # a site the risk job has not graded yet


@dataclass(frozen=True)
class DrawInputs:
    """Everything a draw depends on, as stored with it. `sites`: (id, tier, region_path) sorted by id; `pool`:
    (user id, region paths) sorted by id; `conflicts`: (inspector id, site id) pairs never to be drawn together."""

    sites: tuple[tuple[int, str, str], ...]
    pool: tuple[tuple[int, tuple[str, ...]], ...]
    weights: dict[str, float]
    count: int | None = None
    share: float | None = None
    conflicts: frozenset[tuple[int, int]] = field(default_factory=frozenset)

    def to_json(self) -> dict:
        return {
            "sites": [list(s) for s in self.sites], "pool": [[i, list(p)] for i, p in self.pool],
            "weights": dict(self.weights), "count": self.count, "share": self.share,
            "conflicts": sorted([list(c) for c in self.conflicts]),
        }

    @classmethod
    def from_json(cls, data: dict) -> "DrawInputs":
        return cls(
            sites=tuple((int(i), str(t), str(p)) for i, t, p in data["sites"]),
            pool=tuple((int(i), tuple(p)) for i, p in data["pool"]),
            weights={k: float(v) for k, v in data["weights"].items()}, count=data.get("count"),
            share=data.get("share"), conflicts=frozenset((int(a), int(b)) for a, b in data.get("conflicts", [])),
        )


@dataclass(frozen=True)
class Task:
    site_id: int
    inspectors: tuple[int, int]


@dataclass(frozen=True)
class DrawResult:
    tasks: tuple[Task, ...]
    uncovered: tuple[int, ...]  # drawn sites that fewer than two eligible inspectors can take

    def to_json(self) -> dict:
        return {"tasks": [[t.site_id, list(t.inspectors)] for t in self.tasks], "uncovered": list(self.uncovered)}


def sample_size(eligible: int, count: int | None, share: float | None) -> int:
    """How many sites to draw: a number (at most all of them) or a share rounded up (0.1 of 31 sites is 4).
    The share is read as the decimal the user wrote, so 0.1 × 30 is 3, not the 4 that binary floats round up to."""
    if share is not None:
        return min(eligible, math.ceil(Decimal(repr(float(share))) * eligible))
    return min(eligible, int(count or 0))


def _uniform(seed: str, label: str, ident: int) -> float:
    digest = hashlib.sha256(f"{seed}:{label}:{ident}".encode()).digest()
    return ((int.from_bytes(digest[:8], "big") >> 11) + 0.5) / 2**53  # in (0, 1), never 0 or 1


def draw_sites(inputs: DrawInputs, seed: str) -> list[int]:
    """The drawn site ids, highest key first."""
    k = sample_size(len(inputs.sites), inputs.count, inputs.share)
    keyed = []
    for site_id, tier, _ in inputs.sites:
        weight = float(inputs.weights.get(tier, inputs.weights.get(UNRATED_TIER, 1)))
        if weight <= 0:
            continue
        keyed.append((math.log(_uniform(seed, "site", site_id)) / weight, -site_id))
    keyed.sort(reverse=True)
    return [-neg_id for _, neg_id in keyed[:k]]


def _covers(paths: tuple[str, ...], region_path: str) -> bool:
    return any(region_path.startswith(p) for p in paths)


def draw(inputs: DrawInputs, seed: str) -> DrawResult:
    drawn = draw_sites(inputs, seed)
    path_of = {site_id: path for site_id, _, path in inputs.sites}
    tiebreak = {uid: _uniform(seed, "inspector", uid) for uid, _ in inputs.pool}
    load = {uid: 0 for uid, _ in inputs.pool}
    # Who covers a region, in the seeded order, computed once per region rather than per site.
    by_path: dict[str, list[int]] = {}
    conflicts = inputs.conflicts
    tasks, uncovered = [], []
    for site_id in drawn:
        path = path_of[site_id]
        if path not in by_path:
            by_path[path] = sorted((uid for uid, paths in inputs.pool if _covers(paths, path)),
                                   key=lambda u: (tiebreak[u], u))
        # The two lowest loads; in a tie the earlier in the seeded order (strict comparisons keep it).
        first = second = None
        low1 = low2 = math.inf
        for uid in by_path[path]:
            if conflicts and (uid, site_id) in conflicts:
                continue
            n = load[uid]
            if n < low1:
                first, second, low1, low2 = uid, first, n, low1
            elif n < low2:
                second, low2 = uid, n
        if second is None:
            uncovered.append(site_id)
            continue
        load[first] += 1
        load[second] += 1
        tasks.append(Task(site_id, (first, second)))
    return DrawResult(tuple(tasks), tuple(uncovered))


def overlaps(a: str, b: str) -> bool:
    """Two regions overlap when one lies inside the other (an inspector's region and a plan's)."""
    return a.startswith(b) or b.startswith(a)


def task_status(status: str, period_end_passed: bool) -> str:
    """What a task shows: done as recorded; anything undone once the plan's period has ended is overdue."""
    if status != "done" and period_end_passed:
        return "overdue"
    return status
