"""The one scoping mechanism: which sites a user may see.

inspector → the sites of their regions' subtrees; supervisor → their regions' subtrees; manager → their own sites;
lottery_centre (福彩中心) → the lottery outlets of their regions' subtrees (`site_kinds`);
admin → everything. Every query of site-owned data filters through `Scope.where(...)` (Piccolo) or `Scope.sql(...)`
(raw SQL); single records are fetched through `Scope.get_site` / `ensure_site`. Out of scope is 404, so existence
does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from piccolo.columns import Column, ForeignKey
from piccolo.columns.combination import Where

from .errors import NotFound


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    region_paths: tuple[str, ...] = ()
    site_ids: frozenset[int] = field(default_factory=frozenset)
    # When set, only sites of these kinds (the code's own constants, never input) are in scope, whatever the regions.
    site_kinds: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.everything and not self.region_paths and not self.site_ids

    def holds(self, site_id: int, region_path: str, kind: str | None = None) -> bool:
        if self.everything:
            return True
        if self.site_kinds and kind not in self.site_kinds:
            return False
        if site_id in self.site_ids:
            return True
        return any(region_path.startswith(p) for p in self.region_paths)

    def holds_region(self, region_path: str) -> bool:
        """A region is visible when it is inside one of the user's subtrees (or the user sees everything)."""
        return self.everything or any(region_path.startswith(p) for p in self.region_paths)

    def where(self, site: Any = None) -> Where | Any | None:
        """A Piccolo condition limiting rows to this scope.

        `site` is a ForeignKey column to Site (e.g. `Finding.site`), or None for the Site table itself.
        Returns None when nothing needs filtering (admin).
        """
        from .sites.tables import Site

        if self.everything:
            return None
        if site is None:
            id_col: Column = Site.id
            path_col: Column = Site.region_path
            kind_col: Column = Site.kind
        else:
            assert isinstance(site, ForeignKey)
            id_col = site
            path_col = site._.region_path
            kind_col = site._.kind
        cond = None
        for prefix in self.region_paths:
            c = path_col.like(prefix + "%")
            cond = c if cond is None else cond | c
        if self.site_ids:
            c = id_col.is_in(sorted(self.site_ids))
            cond = c if cond is None else cond | c
        if cond is None:
            cond = id_col == -1  # nothing is visible
        if self.site_kinds:
            cond = cond & kind_col.is_in(list(self.site_kinds))
        return cond

    def sql(self, site_alias: str = "site") -> tuple[str, list]:
        """A raw-SQL predicate over a joined `site` row, with `{}` placeholders for Piccolo's QueryString."""
        if self.everything:
            return "TRUE", []
        parts: list[str] = []
        args: list = []
        for prefix in self.region_paths:
            parts.append(f"{site_alias}.region_path LIKE {{}}")
            args.append(prefix + "%")
        if self.site_ids:
            parts.append(f"{site_alias}.id IN (" + ", ".join(str(int(i)) for i in sorted(self.site_ids)) + ")")
        if not parts:
            return "FALSE", []
        where = "(" + " OR ".join(parts) + ")"
        if self.site_kinds:
            where = f"({where} AND {site_alias}.kind IN (" + ", ".join(f"'{k}'" for k in self.site_kinds) + "))"
        return where, args

    def restrict(self, query, site: Any = None):
        """`query` limited to this scope (see `where` for `site`)."""
        cond = self.where(site)
        return query if cond is None else query.where(cond)

    async def get_site(self, site_id: int, *columns) -> dict:
        """The site's row (those columns, or all of them) as Piccolo's select gives it; 404 outside the scope.
        One plain statement: every submission asks this first, and the query builder cost more than the query."""
        from . import db

        names = ", ".join(f"site.{c._meta.db_column_name}" for c in columns) if columns else "site.*"
        where, args = self.sql("site")
        rows = await db.fetch(f"SELECT {names} FROM site WHERE site.id = {{}} AND {where}", site_id, *args)
        if not rows:
            raise NotFound("Site not found")
        return rows[0]
