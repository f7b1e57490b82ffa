"""Pure rules of the decisions on a site: which kinds exist, who records each, on which sites, on what basis, and
whether the site's earlier decisions allow it.

彩票管理条例 (国务院令第554号, read in LawRefBook/Laws 行政法规/彩票管理条例.md): 第四十一条 has the civil-affairs
department order an outlet to correct (责令改正) and fine it 2,000 to 10,000 yuan for sub-agency or lending the
terminal, misleading promotion, unfair competition, selling to minors or on credit; its second paragraph lets the
sales centre (彩票销售机构, the provincial welfare-lottery centre) end the agency contract of an outlet so punished.
第十六条: the betting terminal belongs to the sales centre and may not be lent, rented or sold; suspending and
restoring it is the centre's measure under the agency contract (the contract text was not read: 检查实践).
"""

from __future__ import annotations

from dataclasses import dataclass

LOTTERY_OUTLET = "lottery_outlet"
FINE_MIN, FINE_MAX = 2000, 10000  # yuan, 第四十一条第一款


@dataclass(frozen=True)
class DecisionKind:
    name: str  # zh-CN, shown and used as the notification's title
    deciders: frozenset[str]
    basis: str = ""
    lottery_only: bool = False  # only on a lottery outlet
    final: bool = False  # the outlet leaves service: no centre decision after it, the site becomes inactive


_SUPERVISORS = frozenset({"supervisor"})
_CENTRE = frozenset({"lottery_centre"})
ART_41_1 = "《彩票管理条例》第四十一条第一款"
ART_41_2 = "《彩票管理条例》第四十一条第二款"
TERMINAL_BASIS = "《彩票管理条例》第十六条（投注专用设备属彩票销售机构所有）；彩票代销合同（检查实践）"

KINDS: dict[str, DecisionKind] = {
    "talk": DecisionKind("约谈", _SUPERVISORS),
    "suspension": DecisionKind("停业整顿", _SUPERVISORS),
    "suspension_lifted": DecisionKind("恢复营业", _SUPERVISORS),
    "correction_ordered": DecisionKind("责令改正", _SUPERVISORS, ART_41_1, lottery_only=True),
    "fine": DecisionKind("罚款", _SUPERVISORS, ART_41_1, lottery_only=True),
    "terminal_suspended": DecisionKind("暂停销售终端", _CENTRE, TERMINAL_BASIS, lottery_only=True),
    "terminal_restored": DecisionKind("恢复销售终端", _CENTRE, TERMINAL_BASIS, lottery_only=True),
    "contract_ended": DecisionKind("终止代销合同", _CENTRE, ART_41_2, lottery_only=True, final=True),
}
# A state a decision puts a site in and the decision that ends it.
TOGGLES = {"suspension": "suspension_lifted", "terminal_suspended": "terminal_restored"}
DECIDER_ROLES = frozenset(r for k in KINDS.values() for r in k.deciders)


def state(kinds: list[str], on: str) -> bool:
    """Whether a site whose decisions were `kinds` (oldest first) is in the state `on` starts (e.g. suspended)."""
    off = TOGGLES[on]
    current = False
    for kind in kinds:
        if kind in (on, off):
            current = kind == on
    return current


@dataclass(frozen=True)
class Problem:
    status: int  # 403, 409 or 422
    code: str
    message: str
    field: str | None = None


def decision_problem(kind: str, role: str, site_kind: str, earlier: list[str],
                     amount_yuan: int | None) -> Problem | None:
    """Why `role` may not record `kind` on a site of `site_kind` whose decisions so far were `earlier`, or None."""
    spec = KINDS[kind]
    if role not in spec.deciders:
        who = "the welfare-lottery centre" if spec.deciders == _CENTRE else "supervisors"
        return Problem(403, "forbidden", f"Only {who} record {kind}")
    if spec.lottery_only and site_kind != LOTTERY_OUTLET:
        return Problem(422, "invalid", f"{kind} is a decision on a lottery outlet", "kind")
    if kind == "fine":
        if amount_yuan is None or not FINE_MIN <= amount_yuan <= FINE_MAX:
            return Problem(422, "invalid", f"A fine is {FINE_MIN} to {FINE_MAX} yuan (第四十一条)", "amount_yuan")
    elif amount_yuan is not None:
        return Problem(422, "invalid", "Only a fine has an amount", "amount_yuan")
    if "contract_ended" in earlier and spec.deciders == _CENTRE:
        return Problem(409, "contract_ended", "The outlet's agency contract has ended")
    if kind == "contract_ended" and "fine" not in earlier:
        # 第四十一条第二款: the contract may be ended once the outlet has been punished for a 第一款 act.
        return Problem(409, "no_penalty", "No fine under 第四十一条 is recorded for this outlet")
    for on, off in TOGGLES.items():
        if kind == on and state(earlier, on):
            return Problem(409, "already_suspended", f"The site is already {KINDS[on].name}")
        if kind == off and not state(earlier, on):
            return Problem(409, "not_suspended", f"The site is not {KINDS[on].name}")
    return None


def title(kind: str, amount_yuan: int | None) -> str:
    name = KINDS[kind].name
    return f"{name} {amount_yuan}元" if amount_yuan is not None else name
