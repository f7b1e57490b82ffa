import msgspec
from litestar import Request, Router, get

from ..accounts.principal import Caller
from . import rules


class RungRead(msgspec.Struct):
    step: str
    level: int
    level_name: str
    offset_days: float  # from the deadline; negative = before it
    notify: list[str]
    title: str
    proposal: bool  # a proposal to list (挂牌督办) that a supervisor confirms or declines


class LevelRead(msgspec.Struct):
    level: int
    name: str


class LadderRead(msgspec.Struct):
    subject_type: str  # finding | follow_up_case
    levels: list[LevelRead]
    grades: dict[str, list[RungRead]]


@get("/api/escalation/ladders", tags=["escalation"],
     summary="The escalation ladders in force: each subject type's level names (催办, 督办, 挂牌督办) and rungs")
async def ladders(request: Request, principal: Caller) -> list[LadderRead]:
    configured = rules.load_ladders(request.app.state.settings.extra)
    return [
        LadderRead(subject_type=subject_type,
                   levels=[LevelRead(level=k, name=v) for k, v in sorted(ladder.levels.items())],
                   grades={grade: [RungRead(step=r.step, level=r.level, level_name=ladder.level_name(r.level),
                                            offset_days=r.offset_days, notify=list(r.notify), title=r.title,
                                            proposal=r.proposal) for r in rungs]
                           for grade, rungs in ladder.grades.items()})
        for subject_type, ladder in configured.by_subject.items()
    ]


router = Router(path="/", route_handlers=[ladders])
