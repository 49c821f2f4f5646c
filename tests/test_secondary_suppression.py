"""Secondary suppression (dbt Python model int_results__secondary_suppression) on hand-made cubes.

A cube is one year x group x question: the national row and one row per association, each with
answers (and "Vet ej" answers) for alla, kvinna and man. Primary rules come as they would from
int_results__primary_suppression.
"""

import pytest

from tests.dbt_python_models import load_model

secondary = load_model("int_results__secondary_suppression")
M = 5


def row(forbund_id, alla, kvinna, man, dont_know=(0, 0, 0), rules=None):
    """A row of a cube; rules default to the primary rules a real row would get."""
    answers = {"alla": alla, "kvinna": kvinna, "man": man}
    given = {g: answers[g] + dk for g, dk in zip(("alla", "kvinna", "man"), dont_know, strict=True)}
    if rules is None:
        rules = primary_rules(answers, given)
    return secondary.Row(forbund_id, answers, given, dict(rules))


def primary_rules(answers, given):
    rest = answers["alla"] - answers["kvinna"] - answers["man"]
    rest_given = given["alla"] - given["kvinna"] - given["man"]
    blocked = answers["kvinna"] < M or answers["man"] < M or 1 <= rest < M or 1 <= rest_given < M
    rules = {}
    for gender in ("alla", "kvinna", "man"):
        if answers[gender] < M:
            rules[gender] = "threshold"
        elif gender != "alla" and blocked:
            rules[gender] = "gender_complement"
        else:
            rules[gender] = None
    return rules


def national_of(rows, dont_know=(0, 0, 0)):
    totals = {g: sum(r.answers[g] for r in rows) for g in ("alla", "kvinna", "man")}
    given = {g: sum(r.given[g] for r in rows) for g in ("alla", "kvinna", "man")}
    return row(
        None,
        totals["alla"],
        totals["kvinna"],
        totals["man"],
        tuple(given[g] - totals[g] for g in ("alla", "kvinna", "man")),
    )


def protect(members):
    national = national_of(members)
    steps = secondary.protect_cube([national, *members], M, protect_rest=True)
    return national, {r.forbund_id: r.rules for r in members}, steps


def test_a_lone_small_association_is_joined_by_the_smallest_other_one():
    members = [row("a", 3, 2, 1), row("b", 12, 6, 6), row("c", 40, 20, 20), row("d", 9, 5, 4)]
    national, rules, steps = protect(members)
    # a (3 answers) alone would be riket minus b, c, d; the smallest other total is d (9)
    assert rules["a"]["alla"] == "threshold"
    assert rules["d"] == {"alla": "secondary", "kvinna": "gender_complement", "man": "threshold"}
    assert rules["b"] == {"alla": None, "kvinna": None, "man": None}
    assert rules["c"] == {"alla": None, "kvinna": None, "man": None}
    assert national.rules == {"alla": None, "kvinna": None, "man": None}
    assert steps == 1


def test_nothing_is_hidden_when_no_remainder_needs_protection():
    members = [row("a", 12, 6, 6), row("b", 20, 10, 10), row("c", 15, 5, 5, (0, 0, 0))]
    national, rules, steps = protect(members)
    assert steps == 0
    # c's rest (5 answers of other or unknown gender) reaches the threshold: published too
    assert all(rule is None for r in rules.values() for rule in r.values())


def test_two_small_associations_that_together_reach_the_threshold_need_no_partner():
    members = [row("a", 3, 0, 0), row("b", 2, 0, 0), row("c", 30, 15, 15)]
    national, rules, steps = protect(members)
    assert steps == 0
    assert rules["c"] == {"alla": None, "kvinna": None, "man": None}


def test_a_gender_cell_hidden_alone_in_its_column_gets_a_partner():
    # a's split is blocked (3 men); riket's men minus the published men would give a's 3
    members = [row("a", 13, 10, 3), row("b", 14, 7, 7), row("c", 30, 15, 15)]
    national, rules, steps = protect(members)
    assert rules["a"] == {"alla": None, "kvinna": "gender_complement", "man": "threshold"}
    assert rules["b"] == {"alla": None, "kvinna": "secondary", "man": "secondary"}
    assert rules["c"] == {"alla": None, "kvinna": None, "man": None}
    assert steps == 1


def test_the_answers_of_other_or_unknown_gender_are_protected_across_associations():
    # a's split is blocked by its rest of 2; b's rest of 6 is published, so riket's rest (8)
    # minus b's would give a's 2: b's split is hidden as well
    members = [row("a", 22, 10, 10), row("b", 26, 10, 10), row("c", 30, 15, 15)]
    national, rules, steps = protect(members)
    assert rules["a"]["kvinna"] == "gender_complement"
    assert rules["b"] == {"alla": None, "kvinna": "secondary", "man": "secondary"}
    assert rules["c"] == {"alla": None, "kvinna": None, "man": None}


def test_dont_know_answers_of_a_hidden_cell_are_protected_too():
    # a has no substantive answer but 3 "Vet ej": riket minus b and c would show them
    members = [row("a", 0, 0, 0, (3, 2, 1)), row("b", 12, 6, 6), row("c", 30, 15, 15)]
    national, rules, steps = protect(members)
    assert rules["b"]["alla"] == "secondary"
    assert rules["c"]["alla"] is None


def test_a_hidden_national_split_is_not_given_away_by_published_association_splits():
    # riket's rest is 2 (primary suppression hides riket's split); every association's own
    # split passes, so the smallest association's split is hidden to keep riket's
    members = [row("a", 10, 5, 5), row("b", 12, 6, 6), row("c", 22, 10, 10)]
    members[2].rules = {"alla": None, "kvinna": "gender_complement", "man": "gender_complement"}
    national = national_of(members)
    national.rules = {"alla": None, "kvinna": "gender_complement", "man": "gender_complement"}
    secondary.protect_cube([national, *members], M, protect_rest=True)
    # c is already hidden, so the national split cannot be summed up: nothing more to hide
    assert members[0].rules["kvinna"] is None and members[1].rules["kvinna"] is None

    members = [row("a", 10, 5, 5), row("b", 12, 6, 6), row("c", 20, 10, 10)]
    national = national_of(members)
    national.rules = {"alla": None, "kvinna": "gender_complement", "man": "gender_complement"}
    secondary.protect_cube([national, *members], M, protect_rest=True)
    assert members[0].rules == {"alla": None, "kvinna": "secondary", "man": "secondary"}
    assert members[1].rules["kvinna"] is None


def test_the_gender_remainder_check_follows_its_setting():
    members = [row("a", 22, 10, 10, rules={"alla": None, "kvinna": None, "man": None})]
    members += [row("b", 26, 10, 10), row("c", 30, 15, 15)]
    members[1].rules = {"alla": None, "kvinna": None, "man": None}
    national = national_of(members)
    steps = secondary.protect_cube([national, *members], M, protect_rest=False)
    assert steps == 0


def test_inconsistent_counts_stop_the_build_rather_than_publish():
    # the national cell claims 100 answers but its only association has 3: nothing to hide
    members = [row("a", 3, 2, 1)]
    national = row(None, 100, 50, 50)
    with pytest.raises(ValueError, match="no association to hide"):
        secondary.protect_cube([national, *members], M, protect_rest=True)


def test_protect_cells_returns_one_verdict_per_input_cell():
    records = []
    for forbund_id, counts in (("a", (3, 2, 1)), ("b", (9, 5, 4)), ("c", (40, 20, 20))):
        cells = dict(zip(("alla", "kvinna", "man"), counts, strict=True))
        rules = primary_rules(cells, cells)
        for gender, n in cells.items():
            records.append(
                {
                    "measurement_year": 2022,
                    "respondent_group": "personal",
                    "question_id": "P03A",
                    "scope": "forbund",
                    "forbund_id": forbund_id,
                    "gender": gender,
                    "n_answers": n,
                    "n_dont_know": 0,
                    "primary_rule": rules[gender],
                }
            )
    for gender, n in (("alla", 52), ("kvinna", 27), ("man", 25)):
        records.append(
            {
                **records[0],
                "scope": "riket",
                "forbund_id": None,
                "gender": gender,
                "n_answers": n,
                "primary_rule": None,
            }
        )
    verdicts = secondary.protect_cells(records, M, protect_rest=True)
    assert len(verdicts) == len(records)
    by_cell = {(v["forbund_id"], v["gender"]): v["suppression_rule"] for v in verdicts}
    assert by_cell[("b", "alla")] == "secondary"
    assert by_cell[("a", "alla")] == "threshold"
    assert by_cell[(None, "alla")] is None and by_cell[("c", "man")] is None


def test_a_hidden_count_pinned_by_its_bounds_gets_a_partner_with_room():
    # a (3 answers of 3 questionnaires) and b (2 of 2) are hidden together (5 answers), but a
    # reader knows each is at most its questionnaires: 3 + 2 = 5 pins both. c has a blank
    # questionnaire (14 answers of 15), so hiding it leaves room: a could be 2 or 3.
    a, b = row("a", 3, 3, 0), row("b", 2, 2, 0)
    c, d = row("c", 14, 7, 7), row("d", 12, 6, 6)
    a.questionnaires, b.questionnaires, c.questionnaires, d.questionnaires = 3, 2, 15, 12
    national = national_of([a, b, c, d])
    secondary.protect_cube([national, a, b, c, d], M, protect_rest=True)
    assert c.rules["alla"] == "secondary"
    assert d.rules["alla"] is None  # d answered every questionnaire: no room, not chosen


def test_bounds_that_leave_room_need_no_partner():
    a, b = row("a", 3, 3, 0), row("b", 2, 2, 0)
    c = row("c", 30, 15, 15)
    a.questionnaires, b.questionnaires, c.questionnaires = 4, 2, 30
    national = national_of([a, b, c])
    assert secondary.protect_cube([national, a, b, c], M, protect_rest=True) == 0


def answered(r, positive: int, score: int, gender: str = "alla"):
    """Gives a row's cell what its answers were (positives and their sum)."""
    r.positive[gender], r.score[gender] = positive, score
    return r


def with_totals(members):
    national = national_of(members)
    for measure in ("positive", "score"):
        for gender in ("alla", "kvinna", "man"):
            getattr(national, measure)[gender] = sum(m.count(gender, measure) for m in members)
    return national


def a_year_where_every_association_answered_in_full(hidden_positive):
    """Found by the random subsets (2021, DA06B): two published associations, three hidden ones
    with 2, 1 and 2 questionnaires, every questionnaire answered. Riket minus the published
    associations gives the hidden five's positives; their questionnaires pin each one's size."""

    def women(forbund_id, n, positive, score):  # one gender keeps the cube to its alla column
        member = answered(row(forbund_id, n, n, 0), positive, score)
        return answered(member, positive, score, "kvinna")

    big = [women("a", 10, 7, 70), women("b", 8, 5, 52)]
    small = [
        women(forbund_id, n, positive, 7 * n + positive)
        for forbund_id, n, positive in zip("cde", (2, 1, 2), hidden_positive, strict=True)
    ]
    members = [*big, *small]
    for member in members:
        member.questionnaires = member.answers["alla"]
    return with_totals(members), members


def test_pinned_sizes_whose_remainder_is_all_positive_get_a_partner():
    # all five hidden answers positive: with each size pinned, every one of them is known. Hiding
    # b too (8 answers, 5 positive) leaves the sizes pinned (a known limit) but not the answers.
    national, members = a_year_where_every_association_answered_in_full((2, 1, 2))
    rows = [national, *members]
    assert {row.forbund_id for row, _ in secondary.value_leaks(rows, M, True, (1, 10))} == {
        "c",
        "d",
        "e",
    }
    secondary.protect_cube(rows, M, protect_rest=True)
    assert secondary.value_leaks(rows, M, True, (1, 10)) == []
    assert [m.rules["alla"] for m in members[:2]] == [None, "secondary"]
    assert national.rules["alla"] is None


def test_when_no_association_can_make_room_riket_is_hidden():
    # only the three small associations: riket's 5 answers are theirs, all positive, and each size
    # is pinned by its questionnaires; no published association is left to hide
    _, members = a_year_where_every_association_answered_in_full((2, 1, 2))
    members = members[2:]
    national = with_totals(members)
    assert secondary.value_leaks([national, *members], M, True, (1, 10))
    secondary.protect_cube([national, *members], M, protect_rest=True)
    assert national.rules["alla"] == "secondary"
    assert secondary.value_leaks([national, *members], M, True, (1, 10)) == []


def test_pinned_sizes_with_mixed_answers_keep_riket():
    # 3 of the 5 hidden answers positive: sizes are pinned (a known limit), answers are not
    national, members = a_year_where_every_association_answered_in_full((1, 1, 1))
    secondary.protect_cube([national, *members], M, protect_rest=True)
    assert national.rules["alla"] is None


def test_a_womens_cell_worked_out_through_the_mens_bound_gets_a_partner():
    """Found by the random subsets (2020, DP02A): k's split is hidden, its men's cell by the gender
    rule (so a reader knows it has at least 5), f and v answered only by women. Riket's men minus
    o's published men leave 5, which pins k's men at 5, and k's published alla minus them gives
    k's 2 women, with their positives and mean. Hiding o's split leaves room."""
    f = answered(answered(row("f", 3, 3, 0), 3, 23), 3, 23, "kvinna")
    v = answered(answered(row("v", 3, 3, 0), 1, 21), 1, 21, "kvinna")
    k = answered(answered(answered(row("k", 7, 2, 5), 4, 47), 0, 11, "kvinna"), 4, 36, "man")
    o = answered(answered(answered(row("o", 12, 6, 6), 10, 93), 6, 49, "kvinna"), 4, 44, "man")
    for member, questionnaires in ((f, 3), (v, 3), (k, 7), (o, 12)):
        member.questionnaires = questionnaires
    national = with_totals([f, k, o, v])
    rows = [national, f, k, o, v]
    assert (k, "kvinna") in secondary.value_leaks(rows, M, True, (1, 10))
    secondary.protect_cube(rows, M, protect_rest=True)
    assert secondary.value_leaks(rows, M, True, (1, 10)) == []
    assert o.rules == {"alla": None, "kvinna": "secondary", "man": "secondary"}
    assert national.rules == {"alla": None, "kvinna": None, "man": None}


def scored(r, values, gender="alla", positive_from=7):
    """Gives a row's cell its substantive answers, one value each (positive from 7 up)."""
    assert len(values) == r.answers[gender]
    r.positive[gender] = sum(value >= positive_from for value in values)
    r.score[gender] = sum(values)
    r.squares[gender] = sum(value * value for value in values)
    return r


def with_all_totals(members):
    national = with_totals(members)
    for gender in ("alla", "kvinna", "man"):
        national.squares[gender] = sum(m.count(gender, "squares") for m in members)
    return national


def test_all_alike_is_every_answer_agreeing():
    # answers, given, positive, sum, sum of squares
    assert secondary.is_all_alike(7, 7, 7, 60, 520)  # all positive
    assert secondary.is_all_alike(4, 6, 0, 10, 30)  # none positive (and two "Vet ej")
    assert secondary.is_all_alike(3, 3, 0, 9, 27)  # all the same value, 3
    assert secondary.is_all_alike(0, 2, 0, 0, 0)  # all "Vet ej"
    assert not secondary.is_all_alike(3, 3, 2, 24, 206)  # 9, 9 and 6
    assert not secondary.is_all_alike(0, 0, 0, 0, 0)  # nobody answered: nothing to say


def the_referrers_of_2024(hidden_values=((8, 9, 10), (7, 8, 9, 10))):
    """The issue's example (make run, 2024, referrers, RE12A): riket minus the published
    associations leaves 7 answers of two hidden associations (3 and 4 answers), all positive."""
    small = [
        scored(row(name, len(values), 0, 0), list(values))
        for name, values in zip("ab", hidden_values, strict=True)
    ]
    mixed = scored(row("c", 9, 0, 0), [3, 5, 7, 7, 8, 8, 9, 9, 10])
    positive = scored(row("d", 6, 0, 0), [7, 8, 8, 9, 9, 10])
    large = scored(row("e", 12, 0, 0), [2, 4, 6, 7, 7, 8, 8, 8, 9, 9, 10, 10])
    members = [*small, mixed, positive, large]
    return with_all_totals(members), members


def test_a_remainder_of_small_cells_that_is_all_positive_gets_a_partner_with_other_answers():
    national, members = the_referrers_of_2024()
    a, b, c, d, e = members
    secondary.protect_cube([national, *members], M, protect_rest=True)
    # 7 answers (enough) but all positive: d (6 answers, all positive too) would not help, c does
    assert [m.rules["alla"] for m in members] == [
        "threshold",
        "threshold",
        "secondary",
        None,
        None,
    ]
    assert national.rules["alla"] is None


def test_a_remainder_with_mixed_answers_needs_no_partner():
    national, members = the_referrers_of_2024(((8, 9, 10), (3, 8, 9, 10)))
    assert secondary.protect_cube([national, *members], M, protect_rest=True) == 0


def test_a_remainder_all_of_one_value_or_all_dont_know_gets_a_partner():
    national, members = the_referrers_of_2024(((5, 5, 5), (5, 5, 5, 5)))
    secondary.protect_cube([national, *members], M, protect_rest=True)
    # none positive: d, the smallest published association, has positive answers
    assert [m.rules["alla"] for m in members[2:]] == [None, "secondary", None]
    shy = [row(name, 0, 0, 0, dont_know=(3, 0, 0)) for name in "ab"]
    national, members = the_referrers_of_2024()
    members[:2] = shy
    national = with_all_totals(members)
    secondary.protect_cube([national, *members], M, protect_rest=True)
    # 6 "Vet ej" and nothing else: d's answers are all positive, so c, the next, ends it
    assert [m.rules["alla"] for m in members[2:]] == ["secondary", None, None]


def test_riket_all_positive_says_it_of_everyone_and_is_left_alone():
    national, members = the_referrers_of_2024()
    members = [members[0], members[1], members[3]]  # a, b and d: every answer positive
    national = with_all_totals(members)
    assert secondary.protect_cube([national, *members], M, protect_rest=True) == 0


def split_row(name, women, men):
    r = row(name, len(women) + len(men), len(women), len(men))
    return scored(scored(scored(r, [*women, *men]), women, "kvinna"), men, "man")


def test_a_gender_column_remainder_that_is_all_alike_gets_a_partner():
    # a and b's splits are hidden (a has 2 women, b 3 men); riket's women minus c's and d's
    # published women leaves a's 2 and b's 4 women: 6, all positive
    a = split_row("a", [9, 9], [3, 4, 5, 6, 7, 8])
    b = split_row("b", [8, 8, 9, 10], [2, 3, 7])
    c = split_row("c", [1, 2, 3, 7, 8], [2, 4, 6, 8, 10])
    d = split_row("d", [7, 8, 9, 9, 10], [1, 3, 5, 7, 9])
    national = with_all_totals([a, b, c, d])
    secondary.protect_cube([national, a, b, c, d], M, protect_rest=True)
    # d's women are all positive too; c's are not, so c's split is hidden
    assert c.rules == {"alla": None, "kvinna": "secondary", "man": "secondary"}
    assert d.rules == {"alla": None, "kvinna": None, "man": None}
    assert national.rules == {"alla": None, "kvinna": None, "man": None}
