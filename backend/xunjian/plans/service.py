"""Plans, their draw and publication, tasks, and conflicts of interest (回避).

Who: supervisors (and admins) manage plans of regions in their scope; inspectors read the plans they have tasks in;
anything else is 404. A plan is edited only while nothing is drawn; a draft draw may be replaced by drawing again
(the stored draw is always the latest); publishing makes it final and creates the tasks, and any draw afterwards is
409. Draw and publish lock the plan's row, so parallel requests leave exactly one draw.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import anyio
import msgspec

from .. import db
from ..accounts.principal import Principal
from ..accounts.tables import User, UserRegion
from ..audit import service as audit
from ..checklists import service as checklists
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..findings.service import lock_for_update
from ..jobs.sqlkit import dialect
from ..regions.tables import Region
from ..sites.tables import Site
from . import rules, sql
from .schemas import (ConflictCreate, ConflictRead, DrawCheck, DrawnTask, DrawRead, PlanCreate, PlanList, PlanRead,
                      PlanUpdate, PoolMember, Progress, TaskList, TaskRead)
from .tables import Plan, PlanConflict, PlanDraw, PlanTask

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
MANAGING_ROLES = {"admin", "supervisor"}
# PostgreSQL takes at most 32,767 arguments per statement: a draw over a province's (or the country's) sites reads
# and writes its rows in batches.
BATCH = 5000


def _batches(values: list) -> list[list]:
    return [values[i:i + BATCH] for i in range(0, len(values), BATCH)]


async def _rows_by_id(table, ids: list[int], *columns) -> dict[int, dict]:
    out: dict[int, dict] = {}
    for batch in _batches(sorted(set(ids))):
        out.update({r["id"]: r for r in await table.select(table.id, *columns).where(table.id.is_in(batch))})
    return out


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(LOCAL_TZ).date()


def public_url(plan_id: int) -> str:
    return f"/public/plans/{plan_id}"


# ------------------------------------------------------------------------------------------------ reading plans

_COLUMNS = (Plan.all_columns(), Plan.region._.name.as_alias("region_name"))


async def _visible(principal: Principal, row: dict | None) -> dict:
    """The plan if the caller may see it: managing roles by region, inspectors by having a task in it."""
    if row is not None:
        if principal.role in MANAGING_ROLES and principal.scope.holds_region(row["region_path"]):
            return row
        if principal.role == "inspector" and await PlanTask.exists().where(
                (PlanTask.plan == row["id"])
                & ((PlanTask.inspector_a == principal.id) | (PlanTask.inspector_b == principal.id))):
            return row
    raise NotFound("Plan not found")


async def _load(principal: Principal, plan_id: int, *, lock: bool = False) -> dict:
    query = Plan.select(*_COLUMNS).where(Plan.id == plan_id).output(load_json=True)
    if lock:
        query = lock_for_update(query, Plan)
    return await _visible(principal, await query.first())


async def _managed(principal: Principal, plan_id: int, *, lock: bool = False) -> dict:
    row = await _load(principal, plan_id, lock=lock)
    if principal.role not in MANAGING_ROLES:
        raise Forbidden("Only supervisors manage plans")
    return row


async def _progress(plan_ids: list[int], ended: dict[int, bool]) -> dict[int, Progress]:
    out = {pid: Progress() for pid in plan_ids}
    if not plan_ids:
        return out
    ids = ", ".join(str(int(i)) for i in plan_ids)
    rows = await db.fetch(f"SELECT plan, status, COUNT(*) AS n FROM plan_task WHERE plan IN ({ids}) "
                          "GROUP BY plan, status")
    for r in rows:
        status = rules.task_status(r["status"], ended[r["plan"]])
        progress = out[r["plan"]]
        setattr(progress, status, getattr(progress, status) + r["n"])
    return out


def _read(row: dict, progress: Progress) -> PlanRead:
    return PlanRead(
        id=row["id"], name=row["name"], kind=row["kind"], partner=row["partner"], region_id=row["region"],
        region_name=row["region_name"], site_kinds=row["site_kinds"], period_start=row["period_start"],
        period_end=row["period_end"], template_key=row["template_key"], count=row["draw_count"],
        share=row["draw_share"], tier_weights=row["tier_weights"], pool=row["pool"], status=row["status"],
        created_by=row["created_by"], created_at=row["created_at"], updated_at=row["updated_at"],
        published_at=row["published_at"], progress=progress,
        public_url=public_url(row["id"]) if row["status"] == "published" else None,
    )


async def _reads(rows: list[dict]) -> list[PlanRead]:
    now = today()
    progress = await _progress([r["id"] for r in rows], {r["id"]: r["period_end"] < now for r in rows})
    return [_read(r, progress[r["id"]]) for r in rows]


async def get_plan(principal: Principal, plan_id: int) -> PlanRead:
    return (await _reads([await _load(principal, plan_id)]))[0]


async def list_plans(principal: Principal, *, limit: int, offset: int) -> PlanList:
    query = Plan.select(*_COLUMNS).output(load_json=True)
    count = Plan.count()
    if principal.role == "inspector":
        mine = PlanTask.select(PlanTask.plan).where(
            (PlanTask.inspector_a == principal.id) | (PlanTask.inspector_b == principal.id))
        ids = sorted({r["plan"] for r in await mine})
        query, count = query.where(Plan.id.is_in(ids or [-1])), count.where(Plan.id.is_in(ids or [-1]))
    elif principal.role in MANAGING_ROLES:
        if not principal.scope.everything:
            cond = None
            for prefix in principal.scope.region_paths or ("\x00",):
                c = Plan.region_path.like(prefix + "%")
                cond = c if cond is None else cond | c
            query, count = query.where(cond), count.where(cond)
    else:
        raise Forbidden("Your role has no plans")
    rows = await query.order_by(Plan.period_start, ascending=False).order_by(Plan.id, ascending=False) \
        .limit(limit).offset(offset)
    return PlanList(items=await _reads(rows), total=await count, limit=limit, offset=offset)


# ------------------------------------------------------------------------------------------------ writing plans

_FIELDS = {"count": "draw_count", "share": "draw_share"}


async def _validated(principal: Principal, values: dict) -> dict:
    """The plan's columns from the merged fields, or 422 naming each field that is wrong."""
    errors = []
    region = await Region.select(Region.id, Region.path).where(Region.id == values["region_id"]).first()
    if region is None or not principal.scope.holds_region(region["path"]):
        errors.append({"field": "region_id", "message": "not a region in your scope"})
    if values["period_end"] < values["period_start"]:
        errors.append({"field": "period_end", "message": "before period_start"})
    if (values.get("count") is None) == (values.get("share") is None):
        errors.append({"field": "count", "message": "give exactly one of count and share"})
    partner = (values.get("partner") or "").strip()
    if values["kind"] == "joint" and not partner:
        errors.append({"field": "partner", "message": "a joint inspection names the partner department"})
    kinds = sorted(set(values["site_kinds"]))
    if values.get("template_key"):
        try:
            template = await checklists.get_template(values["template_key"])
        except NotFound:
            errors.append({"field": "template_key", "message": "no such checklist template"})
        else:
            if kinds != [template.site_kind]:
                errors.append({"field": "template_key", "message": f"a checklist for {template.site_kind} only"})
    pool = sorted(set(values["pool"]))
    if region is not None:
        errors += await _pool_errors(pool, region["path"])
    if errors:
        raise Invalid("The plan is not valid", details=errors)
    weights = values.get("tier_weights")
    return {
        Plan.name: values["name"].strip(), Plan.kind: values["kind"], Plan.partner: partner,
        Plan.region: region["id"], Plan.region_path: region["path"], Plan.site_kinds: kinds,
        Plan.period_start: values["period_start"], Plan.period_end: values["period_end"],
        Plan.template_key: values.get("template_key"), Plan.draw_count: values.get("count"),
        Plan.draw_share: values.get("share"), Plan.pool: pool,
        Plan.tier_weights: dict(rules.DEFAULT_TIER_WEIGHTS) if weights is None else {
            k: float(v) for k, v in weights.items()},
    }


async def _pool_errors(pool: list[int], region_path: str) -> list[dict]:
    """Each member must be an active inspector working in (part of) the plan's region."""
    users = {u["id"] for u in await User.select(User.id).where(
        User.id.is_in(pool) & (User.role == "inspector") & (User.is_active == True))}  # noqa: E712
    paths = await _pool_paths(list(users))
    wrong = [uid for uid in pool if not any(rules.overlaps(p, region_path) for p in paths.get(uid, ()))]
    if not wrong:
        return []
    return [{"field": "pool", "message": "not an inspector working in the plan's region", "ids": wrong}]


async def _pool_paths(pool: list[int]) -> dict[int, tuple[str, ...]]:
    rows = await UserRegion.select(UserRegion.user, UserRegion.region._.path.as_alias("path")).where(
        UserRegion.user.is_in(pool or [-1]))
    out: dict[int, list[str]] = {}
    for r in rows:
        out.setdefault(r["user"], []).append(r["path"])
    return {uid: tuple(sorted(p)) for uid, p in out.items()}


def _fields(row: dict) -> dict:
    return {
        "name": row["name"], "kind": row["kind"], "partner": row["partner"], "region_id": row["region"],
        "site_kinds": row["site_kinds"], "period_start": row["period_start"], "period_end": row["period_end"],
        "pool": row["pool"], "count": row["draw_count"], "share": row["draw_share"],
        "template_key": row["template_key"], "tier_weights": row["tier_weights"],
    }


def _audited(values: dict) -> dict:
    return msgspec.to_builtins({c._meta.name: v for c, v in values.items()})


async def create_plan(principal: Principal, data: PlanCreate) -> PlanRead:
    if principal.role not in MANAGING_ROLES:
        raise Forbidden("Only supervisors create plans")
    fields = msgspec.structs.asdict(data)
    if data.tier_weights is not None:
        fields["tier_weights"] = msgspec.structs.asdict(data.tier_weights)
    values = await _validated(principal, fields)
    now = utcnow()
    async with db.write_transaction():
        rows = await Plan.insert(Plan(**{c._meta.name: v for c, v in values.items()}, created_by=principal.id,
                                      created_at=now, updated_at=now)).returning(Plan.id)
        plan_id = rows[0]["id"]
        await audit.record(principal, "plan.create", "plan", plan_id, after=_audited(values))
    return await get_plan(principal, plan_id)


async def update_plan(principal: Principal, plan_id: int, data: PlanUpdate) -> PlanRead:
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not None}
    if "tier_weights" in changes:
        changes["tier_weights"] = msgspec.structs.asdict(data.tier_weights)
    async with db.write_transaction():
        row = await _managed(principal, plan_id, lock=True)
        if row["status"] != "draft":
            raise Conflict("The plan is drawn; it can no longer be edited", code="plan_drawn")
        fields = _fields(row)
        if "count" in changes:
            fields["share"] = None
        if "share" in changes:
            fields["count"] = None
        fields.update(changes)
        values = await _validated(principal, fields)
        await Plan.update({**values, Plan.updated_at: utcnow()}).where(Plan.id == plan_id)
        await audit.record(principal, "plan.update", "plan", plan_id, before=msgspec.to_builtins(_fields(row)),
                           after=_audited(values))
    return await get_plan(principal, plan_id)


async def delete_plan(principal: Principal, plan_id: int) -> None:
    async with db.write_transaction():
        row = await _managed(principal, plan_id, lock=True)
        if row["status"] == "published":
            raise Conflict("A published plan is a public record and stays", code="plan_published")
        await PlanDraw.delete().where(PlanDraw.plan == plan_id)
        await Plan.delete().where(Plan.id == plan_id)
        await audit.record(principal, "plan.delete", "plan", plan_id, before=msgspec.to_builtins(_fields(row)))


# ------------------------------------------------------------------------------------------------ the draw

async def _inputs(principal: Principal, plan: dict) -> rules.DrawInputs:
    d = dialect()
    sites = await sql.eligible_sites(d, principal.scope, plan["region_path"], plan["site_kinds"])
    paths = await _pool_paths(plan["pool"])
    pairs = await sql.conflicting_pairs(d, plan["pool"], plan["region_path"], plan["site_kinds"])
    return rules.DrawInputs(
        sites=tuple((s["id"], s["tier"], s["region_path"]) for s in sites),
        pool=tuple((uid, paths.get(uid, ())) for uid in sorted(plan["pool"])),
        weights={k: float(v) for k, v in plan["tier_weights"].items()},
        count=plan["draw_count"], share=plan["draw_share"],
        conflicts=frozenset((p["inspector"], p["site"]) for p in pairs),
    )


async def draw(principal: Principal, plan_id: int, seed: str | None) -> DrawRead:
    seed = seed or secrets.token_hex(16)
    async with db.write_transaction():
        plan = await _managed(principal, plan_id, lock=True)
        if plan["status"] == "published":
            raise Conflict("The plan is published: its draw is final", code="plan_published")
        inputs = await _inputs(principal, plan)
        if not inputs.sites:
            raise Invalid("No active site of these kinds in the plan's region", code="nothing_to_draw")
        result = await anyio.to_thread.run_sync(rules.draw, inputs, seed)
        if result.uncovered:
            names = await _rows_by_id(Site, list(result.uncovered), Site.name)
            raise Invalid("Fewer than two inspectors of the pool can take these sites", code="pool_too_small",
                          details=[{"site_id": sid, "site_name": names.get(sid, {}).get("name", "")}
                                   for sid in result.uncovered])
        now = utcnow()
        await PlanDraw.delete().where(PlanDraw.plan == plan_id)
        await PlanDraw.insert(PlanDraw(plan=plan_id, seed=seed, algorithm_version=rules.ALGORITHM_VERSION,
                                       inputs=inputs.to_json(), result=result.to_json(), drawn_by=principal.id,
                                       drawn_at=now))
        await Plan.update({Plan.status: "drawn", Plan.updated_at: now}).where(Plan.id == plan_id)
        await audit.record(principal, "plan.draw", "plan", plan_id, before={"status": plan["status"]},
                           after={"seed": seed, "algorithm_version": rules.ALGORITHM_VERSION,
                                  "sites": len(result.tasks), "eligible": len(inputs.sites)})
    return await get_draw(principal, plan_id)


async def _stored_draw(principal: Principal, plan_id: int) -> tuple[dict, dict]:
    plan = await _load(principal, plan_id)
    row = await PlanDraw.select().where(PlanDraw.plan == plan_id).output(load_json=True).first()
    if row is None:
        raise NotFound("The plan is not drawn yet")
    return plan, row


async def get_draw(principal: Principal, plan_id: int) -> DrawRead:
    plan, row = await _stored_draw(principal, plan_id)
    tasks = row["result"]["tasks"]
    site_ids = [t[0] for t in tasks]
    user_ids = sorted({u for t in tasks for u in t[1]})
    sites = await _rows_by_id(Site, site_ids, Site.name, Site.kind)
    names = {uid: u["display_name"] for uid, u in (await _rows_by_id(User, user_ids, User.display_name)).items()}
    tiers = {s[0]: s[1] for s in row["inputs"]["sites"]}
    inputs = rules.DrawInputs.from_json(row["inputs"])
    return DrawRead(
        plan_id=plan_id, seed=row["seed"], algorithm_version=row["algorithm_version"], drawn_at=row["drawn_at"],
        drawn_by=row["drawn_by"], published=plan["status"] == "published", eligible=len(inputs.sites),
        requested=rules.sample_size(len(inputs.sites), inputs.count, inputs.share), inputs=row["inputs"],
        tasks=[DrawnTask(site_id=sid, site_name=sites.get(sid, {}).get("name", ""),
                         site_kind=sites.get(sid, {}).get("kind", ""), tier=tiers.get(sid, rules.UNRATED_TIER),
                         inspectors=list(pair), inspector_names=[names.get(u, "") for u in pair])
               for sid, pair in tasks],
    )


async def verify_draw(principal: Principal, plan_id: int) -> DrawCheck:
    """Recompute the stored draw from its stored seed and inputs."""
    _, row = await _stored_draw(principal, plan_id)
    if row["algorithm_version"] != rules.ALGORITHM_VERSION:
        raise Conflict(f"Drawn with algorithm version {row['algorithm_version']}; this server runs "
                       f"{rules.ALGORITHM_VERSION}", code="algorithm_changed")
    recomputed = await anyio.to_thread.run_sync(rules.draw, rules.DrawInputs.from_json(row["inputs"]), row["seed"])
    again = recomputed.to_json()
    return DrawCheck(matches=again == row["result"], algorithm_version=row["algorithm_version"], seed=row["seed"],
                     stored=row["result"], recomputed=again)


async def publish(principal: Principal, plan_id: int) -> PlanRead:
    async with db.write_transaction():
        plan = await _managed(principal, plan_id, lock=True)
        if plan["status"] == "published":
            raise Conflict("The plan is already published", code="plan_published")
        row = await PlanDraw.select(PlanDraw.seed, PlanDraw.result).where(PlanDraw.plan == plan_id) \
            .output(load_json=True).first()
        if row is None:
            raise Conflict("Draw the plan before publishing it", code="plan_not_drawn")
        now = utcnow()
        for batch in _batches(row["result"]["tasks"]):
            await PlanTask.insert(*[PlanTask(plan=plan_id, site=sid, inspector_a=a, inspector_b=b, updated_at=now)
                                    for sid, (a, b) in batch])
        await Plan.update({Plan.status: "published", Plan.published_at: now, Plan.updated_at: now}).where(
            Plan.id == plan_id)
        await audit.record(principal, "plan.publish", "plan", plan_id, before={"status": plan["status"]},
                           after={"status": "published", "seed": row["seed"], "tasks": len(row["result"]["tasks"])})
    return await get_plan(principal, plan_id)


# ------------------------------------------------------------------------------------------------ tasks

async def list_tasks(principal: Principal, *, mine: bool, plan: int | None, limit: int, offset: int) -> TaskList:
    """The caller's own tasks (always, for an inspector), or those of the plans in a supervisor's scope."""
    if principal.role == "inspector" or mine:
        cond = (PlanTask.inspector_a == principal.id) | (PlanTask.inspector_b == principal.id)
    elif principal.role in MANAGING_ROLES:
        cond = None
        if not principal.scope.everything:
            for prefix in principal.scope.region_paths or ("\x00",):
                c = PlanTask.plan._.region_path.like(prefix + "%")
                cond = c if cond is None else cond | c
    else:
        raise Forbidden("Your role has no tasks")
    if plan is not None:
        await _load(principal, plan)
        c = PlanTask.plan == plan
        cond = c if cond is None else cond & c
    cols = (PlanTask.id, PlanTask.plan, PlanTask.site, PlanTask.inspector_a, PlanTask.inspector_b, PlanTask.status,
            PlanTask.inspection, PlanTask.plan._.name.as_alias("plan_name"),
            PlanTask.plan._.kind.as_alias("plan_kind"), PlanTask.plan._.period_start.as_alias("period_start"),
            PlanTask.plan._.period_end.as_alias("period_end"),
            PlanTask.plan._.template_key.as_alias("template_key"), PlanTask.site._.name.as_alias("site_name"),
            PlanTask.site._.kind.as_alias("site_kind"),
            PlanTask.inspector_a._.display_name.as_alias("a_name"),
            PlanTask.inspector_b._.display_name.as_alias("b_name"))
    query, count = PlanTask.select(*cols), PlanTask.count()
    if cond is not None:
        query, count = query.where(cond), count.where(cond)
    # Undone first (open, in_progress, done sort backwards), the plan ending soonest first.
    rows = await query.order_by(PlanTask.status, ascending=False).order_by(PlanTask.plan._.period_end) \
        .order_by(PlanTask.id).limit(limit).offset(offset)
    now = today()
    items = [TaskRead(
        id=r["id"], plan_id=r["plan"], plan_name=r["plan_name"], plan_kind=r["plan_kind"],
        period_start=r["period_start"], period_end=r["period_end"], template_key=r["template_key"],
        site_id=r["site"], site_name=r["site_name"], site_kind=r["site_kind"],
        inspectors=[r["inspector_a"], r["inspector_b"]], inspector_names=[r["a_name"], r["b_name"]],
        status=rules.task_status(r["status"], r["period_end"] < now), inspection_id=r["inspection"],
    ) for r in rows]
    return TaskList(items=items, total=await count, limit=limit, offset=offset)


async def task_partner(principal: Principal, task_id: int) -> int | None:
    """The other inspector of the caller's pair on this task (the inspection's default co-inspector); None when the
    task is not the caller's (link_inspection then refuses it)."""
    row = await PlanTask.select(PlanTask.inspector_a, PlanTask.inspector_b).where(PlanTask.id == task_id).first()
    if row is None or principal.id not in (row["inspector_a"], row["inspector_b"]):
        return None
    return row["inspector_b"] if row["inspector_a"] == principal.id else row["inspector_a"]


async def link_inspection(principal: Principal, task_id: int, site_id: int, inspection_id: uuid.UUID,
                          submitted: bool) -> None:
    """Called in the transaction that writes an inspection started from a task: the caller must be one of the
    task's pair and the site the task's; the task is then in progress, or done once the inspection is submitted."""
    row = await lock_for_update(PlanTask.select(
        PlanTask.id, PlanTask.site, PlanTask.inspector_a, PlanTask.inspector_b, PlanTask.status,
        PlanTask.inspection).where(PlanTask.id == task_id), PlanTask).first()
    error = None
    if row is None or principal.id not in (row["inspector_a"], row["inspector_b"]):
        error = "not a task of yours"
    elif row["site"] != site_id:
        error = "the task is for another site"
    elif row["status"] == "done" and row["inspection"] != inspection_id:
        error = "the task is already done by another inspection"
    if error:
        raise Invalid("The inspection does not fit its task", details=[{"field": "task_id", "message": error}])
    status = "done" if submitted else ("done" if row["status"] == "done" else "in_progress")
    await PlanTask.update({PlanTask.status: status, PlanTask.inspection: inspection_id,
                           PlanTask.updated_at: utcnow()}).where(PlanTask.id == task_id)
    if status != row["status"]:
        await audit.record(principal, "task." + status, "plan_task", task_id, site_id=site_id,
                           before={"status": row["status"]}, after={"status": status,
                                                                    "inspection": str(inspection_id)})


async def list_inspectors(principal: Principal, region_id: int) -> list[PoolMember]:
    """Who may be in a plan's pool for this region: active inspectors working in (part of) it."""
    if principal.role not in MANAGING_ROLES:
        raise Forbidden("Only supervisors manage plans")
    region = await Region.select(Region.path).where(Region.id == region_id).first()
    if region is None or not principal.scope.holds_region(region["path"]):
        raise NotFound("Region not found")
    users = await User.select(User.id, User.display_name, User.username).where(
        (User.role == "inspector") & (User.is_active == True)).order_by(User.id)  # noqa: E712
    paths = await _pool_paths([u["id"] for u in users])
    return [PoolMember(id=u["id"], display_name=u["display_name"] or u["username"])
            for u in users if any(rules.overlaps(p, region["path"]) for p in paths.get(u["id"], ()))]


# ------------------------------------------------------------------------------------------------ conflicts (回避)

def _conflict_read(r: dict) -> ConflictRead:
    return ConflictRead(id=r["id"], inspector_id=r["inspector"], inspector_name=r["inspector_name"],
                        site_id=r["site"], site_name=r["site_name"], operator=r["operator"], note=r["note"],
                        created_by=r["created_by"], created_at=r["created_at"])


_CONFLICT_COLUMNS = (PlanConflict.all_columns(), PlanConflict.inspector._.display_name.as_alias("inspector_name"),
                     PlanConflict.site._.name.as_alias("site_name"))


def _require_managing(principal: Principal) -> None:
    if principal.role not in MANAGING_ROLES:
        raise Forbidden("Only supervisors record conflicts of interest")


async def _inspectors_in_scope(principal: Principal, inspector_ids: list[int]) -> set[int]:
    """The inspectors a supervisor may see, of these: those working in (part of) the supervisor's regions."""
    ids = sorted(set(inspector_ids))
    inspectors = {r["id"] for r in await User.select(User.id).where(
        User.id.is_in(ids or [-1]) & (User.role == "inspector"))}
    if principal.scope.everything:
        return inspectors
    paths = await _pool_paths(sorted(inspectors))
    return {i for i in inspectors
            if any(rules.overlaps(p, q) for p in paths.get(i, ()) for q in principal.scope.region_paths)}


async def _inspector_in_scope(principal: Principal, inspector_id: int) -> bool:
    return inspector_id in await _inspectors_in_scope(principal, [inspector_id])


async def list_conflicts(principal: Principal) -> list[ConflictRead]:
    _require_managing(principal)
    rows = await PlanConflict.select(*_CONFLICT_COLUMNS).order_by(PlanConflict.id)
    visible = await _inspectors_in_scope(principal, [r["inspector"] for r in rows])  # two queries, not two per row
    return [_conflict_read(r) for r in rows if r["inspector"] in visible]


async def create_conflict(principal: Principal, data: ConflictCreate) -> ConflictRead:
    _require_managing(principal)
    errors = []
    if (data.site_id is None) == (data.operator is None):
        errors.append({"field": "site_id", "message": "give exactly one of site_id and operator"})
    if not await _inspector_in_scope(principal, data.inspector_id):
        errors.append({"field": "inspector_id", "message": "not an inspector in your scope"})
    if data.site_id is not None and not await principal.scope.restrict(
            Site.select(Site.id).where(Site.id == data.site_id)).first():
        errors.append({"field": "site_id", "message": "not a site in your scope"})
    if errors:
        raise Invalid("The conflict of interest is not valid", details=errors)
    async with db.write_transaction():
        rows = await PlanConflict.insert(PlanConflict(
            inspector=data.inspector_id, site=data.site_id, operator=(data.operator or "").strip(),
            note=data.note, created_by=principal.id)).returning(PlanConflict.id)
        conflict_id = rows[0]["id"]
        await audit.record(principal, "conflict.create", "plan_conflict", conflict_id, site_id=data.site_id,
                           after=msgspec.to_builtins(data))
    row = await PlanConflict.select(*_CONFLICT_COLUMNS).where(PlanConflict.id == conflict_id).first()
    return _conflict_read(row)


async def delete_conflict(principal: Principal, conflict_id: int) -> None:
    _require_managing(principal)
    async with db.write_transaction():
        row = await PlanConflict.select().where(PlanConflict.id == conflict_id).first()
        if row is None or not await _inspector_in_scope(principal, row["inspector"]):
            raise NotFound("Conflict of interest not found")
        await PlanConflict.delete().where(PlanConflict.id == conflict_id)
        await audit.record(principal, "conflict.delete", "plan_conflict", conflict_id, site_id=row["site"],
                           before={"inspector": row["inspector"], "site": row["site"], "operator": row["operator"]})
