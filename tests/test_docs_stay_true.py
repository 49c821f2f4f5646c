"""The README and the docs say what the code does: the settings and their defaults, the commands
and their options, the snapshot's tables and downloads, and the figures they quote. Each test
reads the document as a reader would (its table, its synopsis, its list) and compares it with the
code, so that a change to either without the other fails here."""

from __future__ import annotations

import re
from pathlib import Path

import click
import duckdb
import yaml

from orchestration import settings as settings_module
from orchestration.cli import main
from orchestration.publish.snapshot import PUBLICATION_TABLES
from orchestration.run_log import KEEP_LOGS
from tests.conftest import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
MARTS_DOC = (PROJECT_ROOT / "docs" / "marts.md").read_text(encoding="utf-8")
# Variables the project sets for its own child processes (dbt's profile), not settings of users.
# exported for dbt's profile, never set by a user; and the test services' own (tests/)
INTERNAL_VARIABLES = {"FINSAM_WAREHOUSE", "FINSAM_DUCKDB_TEMP_DIR", "FINSAM_DBT_TARGET"}


def readme_settings() -> dict[str, str]:
    """The README's settings table: variable -> default as written."""
    section = README.split("Every setting, with its default", 1)[1].split("\n\n", 2)[1]
    rows = {}
    for line in section.splitlines():
        found = re.match(r"\| `(FINSAM_[A-Z_]+)` \| ([^|]*) \|", line)
        if found:
            rows[found[1]] = found[2].strip().strip("`")
    return rows


def variables_the_code_reads() -> set[str]:
    names = set()
    for path in (PROJECT_ROOT / "orchestration").rglob("*.py"):
        names |= set(re.findall(r"[\"'](FINSAM_[A-Z_]+)[\"']", path.read_text(encoding="utf-8")))
    return names - INTERNAL_VARIABLES


def test_every_setting_the_code_reads_is_in_the_readme_with_its_default(monkeypatch):
    documented = readme_settings()
    assert set(documented) == variables_the_code_reads()
    for name in documented:
        monkeypatch.delenv(name, raising=False)
    defaults = settings_module.load_settings()
    assert documented["FINSAM_HOME"] == "./data" and defaults.home == PROJECT_ROOT / "data"
    assert documented["FINSAM_LANDING"] == "HOME/landing"
    assert defaults.landing == defaults.home / "landing"
    assert documented["FINSAM_DUCKDB_MEMORY_LIMIT"] == defaults.memory_limit
    assert documented["FINSAM_DUCKDB_THREADS"] == str(defaults.threads)
    assert documented["FINSAM_PUBLISHER"] == defaults.publisher
    assert documented["FINSAM_CONTACT"] == defaults.contact
    assert float(documented["FINSAM_LOCK_WAIT_SECONDS"]) == defaults.lock_wait_seconds
    assert documented["FINSAM_KEEP_PUBLICATIONS"] == str(defaults.keep_publications)
    assert float(documented["FINSAM_MAX_FILE_MB"]) == defaults.max_file_mb
    assert float(documented["FINSAM_SETTLE_SECONDS"]) == defaults.settle_seconds
    assert documented["FINSAM_SOURCES"] == "sources/"
    assert documented["FINSAM_OPERATOR"] == "the login name"
    assert documented["FINSAM_KEEP_OPEN_TEXT_YEARS"] == str(defaults.keep_open_text_years)
    assert documented["FINSAM_KEEP_RAW_FILES_YEARS"] == str(defaults.keep_raw_files_years)
    assert documented["FINSAM_WAREHOUSE_MODE"] == defaults.warehouse_mode == "embedded"
    assert documented["FINSAM_LAKE_CATALOG"] == "HOME/lake/catalog.ducklake"
    assert defaults.lake_catalog_target == str(defaults.home / "lake" / "catalog.ducklake")
    assert documented["FINSAM_LAKE_DATA_PATH"] == "HOME/lake/data/"
    assert documented["FINSAM_MOTHERDUCK_DATABASE"] == defaults.motherduck_database


def readme_synopsis() -> dict[str, str]:
    """The README's command synopsis: command -> its line."""
    block = README.split("## Command line", 1)[1].split("```text", 1)[1].split("```", 1)[0]
    return {line.split()[1]: line.split("  #")[0] for line in block.strip().splitlines()}


def test_every_command_and_option_is_in_the_readme_synopsis():
    synopsis = readme_synopsis()
    assert set(synopsis) == set(main.commands)
    for name, command in main.commands.items():
        line = synopsis[name]
        written = set(re.findall(r"(--[a-z][a-z-]*)", line))
        options = {
            option
            for parameter in command.params
            if isinstance(parameter, click.Option)
            for option in parameter.opts
            if option.startswith("--") and option != "--help"
        }
        assert written == options, name
        for parameter in command.params:
            if isinstance(parameter, click.Argument):
                assert (parameter.metavar or parameter.name.upper()) in line, (name, parameter)


def readme_published_tables() -> set[str]:
    listed = README.split("Tables: ", 1)[1].split("The\nsnapshot file holds", 1)[0]
    return set(re.findall(r"`([a-z_]+)`", listed))


def test_the_readme_lists_every_table_of_the_snapshot_and_every_download(pipeline_run):
    with duckdb.connect(str(pipeline_run.snapshot), read_only=True) as con:
        tables = {name for (name,) in con.execute("show tables").fetchall()}
        downloads = con.execute("select table_name, file_name from downloads").fetchall()
    documented = readme_published_tables()
    assert tables == documented | set(PUBLICATION_TABLES) | {"downloads"}
    assert all(f"`{table}`" in README for table in PUBLICATION_TABLES)
    # every table but the list itself is a download, as CSV and as Parquet, named after it
    assert {(t, f) for t, f in downloads} == {
        (table, f"{table}.{extension}")
        for table in tables - {"downloads"}
        for extension in ("csv", "parquet")
    }


def test_the_marts_doc_names_only_schemas_that_exist(pipeline_run):
    """docs/marts.md names `marts.*` (the analysts' copy and the warehouse) and the snapshot's own
    tables; a schema `published.*` exists only inside the warehouse, and only there is it named."""
    with duckdb.connect(str(pipeline_run.snapshot), read_only=True) as con:
        schemas = {
            name
            for (name,) in con.execute(
                "select schema_name from duckdb_schemas() where database_name = current_database()"
            ).fetchall()
        }
    assert "published" not in schemas
    mentions = re.findall(r"`published\.([a-z_]+)`", MARTS_DOC)
    assert mentions == ["indicator_results"]  # the one sentence that explains the copy


def test_figures_the_docs_quote_are_the_codes():
    variables = yaml.safe_load((PROJECT_ROOT / "dbt_project" / "dbt_project.yml").read_text())[
        "vars"
    ]
    indicators = (PROJECT_ROOT / "seeds" / "indicators.csv").read_text(encoding="utf-8")
    assert variables["min_answers"] == 5
    assert "fewer\nthan 5 substantive answers, dbt var `min_answers`" in README
    assert variables["significance_level"] == 0.05
    assert "var('significance_level'), 5 %" in MARTS_DOC
    assert f"The newest {KEEP_LOGS} are kept." in README
    kept = settings_module.DEFAULT_KEEP_PUBLICATIONS
    assert f"The newest {kept} are kept (`FINSAM_KEEP_PUBLICATIONS`)" in README
    count = len(indicators.strip().splitlines()) - 1
    assert f"turns them into {count} indicators" in README


def test_the_count_of_nodes_a_run_may_leave_is_the_projects():
    from orchestration.defs.transform import finsam_dbt_assets
    from orchestration.project_nodes import project_only_keys

    assets, checks = project_only_keys(finsam_dbt_assets)
    flowing = " ".join(README.split())
    assert f"({len(assets)} models and seeds and {len(checks)} tests) read no source" in flowing
    built = len(finsam_dbt_assets.keys) - len(assets)
    tested = len(finsam_dbt_assets.check_keys) - len(checks)
    line = f"{built} models and seeds, {tested} tests ({len(assets)} and {len(checks)} unchanged)"
    assert line in flowing
    assert f"({len(assets)} models and seeds, {len(checks)} tests;" in flowing


def test_the_marts_doc_lists_the_marts_that_exist(pipeline_run):
    marts = {
        name
        for (name,) in pipeline_run.query(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        )
    }
    listed = set(re.findall(r"^\| `((?:fct|dim)_[a-z_]+)` \|", MARTS_DOC, flags=re.MULTILINE))
    assert listed <= marts
    assert {name for name in marts if name.startswith("fct_")} <= listed | {
        "fct_submissions",
        "fct_answers",
    }


def test_the_analysts_copy_holds_the_marts_the_docs_say(pipeline_run):
    copy = Path(pipeline_run.home) / "published" / "marts.duckdb"
    with duckdb.connect(str(copy), read_only=True) as con:
        tables = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
    marts = {
        name
        for (name,) in pipeline_run.query(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        )
    }
    assert tables == marts - {"fct_submissions", "fct_answers"}
    assert "except the questionnaire-level `fct_submissions` and `fct_answers`" in README


def test_every_page_of_the_site_states_its_publication():
    """Each page ends with the publication facts (date, years, publisher, contact); a page added
    without them fails here before any build."""
    pages = sorted((PROJECT_ROOT / "reports" / "pages").rglob("*.md"))
    assert len(pages) >= 12
    missing = [
        str(page.relative_to(PROJECT_ROOT))
        for page in pages
        if "<Publicering data={publicering} />" not in page.read_text(encoding="utf-8")
        or "from finsam.publicering" not in page.read_text(encoding="utf-8")
    ]
    assert missing == []


def test_make_lint_runs_the_tools_the_readme_names_and_ci_runs_it_first():
    recipe = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8").split("\nlint:", 1)[1]
    recipe = recipe.split("\n\n", 1)[0]
    described = " ".join(README.split("`make lint` (", 1)[1].split(")", 1)[0].split())
    for command in ("ruff check", "ruff format --check", "sqlfluff lint"):
        assert f"`{command}`" in described and f"/{command}" in recipe, command
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert ci.index("make lint") < ci.index("make test")
