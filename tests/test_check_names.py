"""Every quality check the project defines has a Swedish name and a sentence on what it protects
(orchestration/check_names.py, seeds/check_*_sv.csv): the dbt data tests and unit tests of the
manifest and the expectations of the GX suites. A new check, or an existing kind of test on a new
table or column, fails here until the codebook can name it."""

import json
import re

import pytest

from orchestration import check_names, dbt_outcomes
from orchestration.dbt_project import dbt_project
from orchestration.defs.quality import load_suites

# A technical identifier: words joined by underscores, or a name of a test or an expectation.
TECHNICAL = re.compile(r"\w+_\w+|\bnot_null\b|\baccepted_values\b|\bexpect_|\bdbt\b|\bgx\b")


def manifest_checks() -> list[tuple[str, dict]]:
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    return [(node["name"], node) for node in [*tests, *manifest["unit_tests"].values()]]


def gx_checks() -> list[tuple[str, check_names.Check]]:
    return [
        (
            expectation["meta"]["check_name"],
            check_names.gx_check(expectation["meta"]["check_name"], suite.asset_key.path),
        )
        for suite in load_suites()
        for expectation in suite.expectations
    ]


def all_checks() -> list[tuple[str, check_names.Check]]:
    return [(name, check_names.dbt_check(node)) for name, node in manifest_checks()] + gx_checks()


def test_the_project_has_checks_of_every_source():
    checks = all_checks()
    kinds = {check.kind for _, check in checks}
    assert len(checks) > 150
    assert {"not_null", "unique", "accepted_values", "relationships"} <= kinds
    assert any(kind.startswith("singular/") for kind in kinds)
    assert any(kind.startswith("unit_test/") for kind in kinds)
    assert any(kind.startswith("gx/") for kind in kinds)


def test_every_check_has_a_swedish_name_and_what_it_protects():
    unnamed, technical = [], []
    for name, check in all_checks():
        try:
            swedish = check_names.swedish(check)
        except check_names.UnnamedCheck as problem:
            unnamed.append(str(problem))
            continue
        for column in ("check_name_sv", "protects_sv", "table_sv"):
            text = swedish[column]
            if not text or text == name or TECHNICAL.search(text) or "{" in text:
                technical.append(f"{name}: {column} = {text!r}")
        assert swedish["check_group"] in check_names.books().groups
    assert unnamed == [], "checks the codebook cannot name:\n" + "\n".join(sorted(set(unnamed)))
    assert technical == [], "Swedish texts that are not plain Swedish:\n" + "\n".join(technical)


def test_names_are_told_apart():
    """Two checks may share a name only when they are the same check on the same table (the
    same test in two severities, say)."""
    seen: dict[str, str] = {}
    clashes = []
    for name, check in all_checks():
        swedish = check_names.swedish(check)
        key = swedish["check_name_sv"]
        if key in seen and seen[key] != name:
            clashes.append(f"{seen[key]} and {name}: {key}")
        seen.setdefault(key, name)
    assert clashes == []


def test_a_check_the_codebook_does_not_know_is_reported():
    with pytest.raises(check_names.UnnamedCheck, match="no row for this check kind"):
        check_names.swedish(check_names.Check("expect_something_new", ("fct_submissions",)))
    with pytest.raises(check_names.UnnamedCheck, match="the column brand_new_column"):
        check_names.swedish(
            check_names.Check("not_null", ("fct_submissions",), ("brand_new_column",))
        )
    with pytest.raises(check_names.UnnamedCheck, match="the table brand_new_model"):
        check_names.swedish(check_names.Check("not_null", ("brand_new_model",), ("gender",)))
    new_gx = check_names.gx_check("something_new", ["marts", "fct_submissions"])
    assert check_names.swedish_or_none(new_gx) == {
        "check_kind": "gx/something_new",
        "check_group": None,
        "check_name_sv": None,
        "protects_sv": None,
        "table_sv": None,
    }


def test_templates_use_only_the_fields_a_check_can_give():
    fields = {
        "tabell",
        "tabeller",
        "kolumn",
        "kolumner",
        "till_tabell",
        "till_kolumn",
        "lag",
        "hog",
    }
    for kind, row in check_names.books().kinds.items():
        for text in (row["name_sv"], row["protects_sv"]):
            assert set(re.findall(r"{(\w+)}", text)) <= fields, kind
            assert "_" not in re.sub(r"{\w+}", "", text), kind


def test_a_dbt_result_is_recorded_with_its_swedish_name():
    name, node = next(
        (name, node)
        for name, node in manifest_checks()
        if (node.get("test_metadata") or {}).get("name") == "accepted_values"
        and node["attached_node"].endswith(".fct_indicator_results")
        and node["column_name"] == "suppression_rule"
    )
    row = dbt_outcomes.test_row(
        "run-1", {"unique_id": node["unique_id"], "status": "pass", "failures": 0}, node, {}
    )
    assert row["check_name"] == name
    assert row["check_kind"] == "accepted_values"
    assert row["check_name_sv"].startswith("Resultat per fråga: ")
    assert row["check_group"] == "rojandeskydd"  # the column is the rule that hides a cell
    assert "_" not in row["check_name_sv"] + row["protects_sv"]
