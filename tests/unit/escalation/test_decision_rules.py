"""Who records which decision on a site, on which sites, and in which order (彩票管理条例 第四十一条)."""

from xunjian.escalation.decision_rules import decision_problem, state, title

OUTLET, HOME = "lottery_outlet", "eldercare"


def code(kind, role="supervisor", site=OUTLET, earlier=(), amount=None):
    problem = decision_problem(kind, role, site, list(earlier), amount)
    return None if problem is None else (problem.status, problem.code)


def test_a_fine_is_2000_to_10000_yuan_and_only_a_fine_has_an_amount():
    assert code("fine", amount=2000) is None and code("fine", amount=10000) is None
    assert code("fine", amount=1999) == code("fine", amount=10001) == code("fine") == (422, "invalid")
    assert code("correction_ordered", amount=3000) == (422, "invalid")


def test_each_side_records_its_own_kinds_on_outlets_only():
    assert code("fine", role="lottery_centre", amount=5000)[0] == 403
    assert code("terminal_suspended")[0] == 403
    assert code("terminal_suspended", role="lottery_centre") is None
    assert code("fine", site=HOME, amount=5000) == (422, "invalid")
    assert code("talk", site=HOME) is None


def test_the_contract_ends_after_a_fine_and_nothing_of_the_centre_follows():
    centre = "lottery_centre"
    assert code("contract_ended", role=centre, earlier=["correction_ordered"]) == (409, "no_penalty")
    assert code("contract_ended", role=centre, earlier=["fine"]) is None
    after = ["fine", "contract_ended"]
    assert code("terminal_suspended", role=centre, earlier=after) == (409, "contract_ended")
    assert code("contract_ended", role=centre, earlier=after) == (409, "contract_ended")


def test_a_terminal_is_suspended_once_and_restored_once():
    centre = "lottery_centre"
    assert code("terminal_restored", role=centre) == (409, "not_suspended")
    assert code("terminal_suspended", role=centre, earlier=["terminal_suspended"]) == (409, "already_suspended")
    assert state(["terminal_suspended", "suspension", "terminal_restored"], "terminal_suspended") is False
    assert state(["terminal_suspended", "suspension", "terminal_restored"], "suspension") is True
    assert title("fine", 5000) == "罚款 5000元" and title("talk", None) == "约谈"
