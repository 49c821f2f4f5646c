"""The dbt docs site is made again only when the dbt project changed, and once per project and
warehouse layout on a machine."""

import duckdb
import pytest

from orchestration import dbt_docs, fingerprints
from orchestration.defs import transform
from orchestration.settings import load_settings


class RecordingDbt:
    """Stands in for DbtCliResource: writes the docs file as `dbt docs generate` would."""

    def __init__(self):
        self.calls = []

    def cli(self, args, target_path, raise_on_error):
        self.calls.append(args)
        target_path.mkdir(parents=True, exist_ok=True)
        page = f"docs {len(self.calls)} of {target_path}/compiled, {target_path}/run"
        (target_path / "static_index.html").write_text(page)
        return self

    def wait(self):
        return self


@pytest.fixture(autouse=True)
def shared_docs(tmp_path, monkeypatch):
    """The machine's kept pages in a folder of the test's own."""
    folder = tmp_path / "shared-docs"
    monkeypatch.setattr(dbt_docs, "SHARED_DOCS", folder)
    return folder


def home_with_warehouse(path, sql="create table marts.t (a integer)"):
    settings = load_settings(home=path)
    settings.ensure_dirs()
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("create schema marts")
        con.execute(sql)
    return settings


def test_docs_are_made_once_per_version_of_the_project(tmp_path, monkeypatch):
    settings = home_with_warehouse(tmp_path / "home")
    dbt = RecordingDbt()
    build = tmp_path / "build-target"

    assert transform.generate_docs(dbt, settings, build) == (settings.dbt_docs_path, True)
    assert transform.generate_docs(dbt, settings, build) == (settings.dbt_docs_path, False)
    assert dbt.calls == [["docs", "generate", "--static", "--no-compile"]]

    monkeypatch.setattr(transform, "dbt_project_fingerprint", lambda: "a changed model")
    assert transform.generate_docs(dbt, settings, build)[1] is True
    settings.dbt_docs_path.unlink()  # removed by hand: made again
    assert transform.generate_docs(dbt, settings, build)[1] is True
    assert len(dbt.calls) == 2  # the page of that project was kept: copied, not made
    assert settings.dbt_docs_path.read_text().startswith("docs 2 of ")


def test_a_new_home_copies_the_page_of_the_same_project_and_layout(tmp_path, shared_docs):
    dbt = RecordingDbt()
    first = home_with_warehouse(tmp_path / "first")
    first_build = first.dbt_target_dir / "run-1"
    assert transform.generate_docs(dbt, first, first_build, "p")[1] is True

    second = home_with_warehouse(tmp_path / "second")
    second_build = second.dbt_target_dir / "run-2"
    assert transform.generate_docs(dbt, second, second_build, "p") == (second.dbt_docs_path, True)
    assert len(dbt.calls) == 1
    # the page names the new home's run folder, never the first home's
    assert second.dbt_docs_path.read_text() == (
        f"docs 1 of {second_build}/compiled, {second_build}/run"
    )
    assert transform.generate_docs(dbt, second, second_build, "p")[1] is False  # stamped

    # another column, or another project: made by dbt
    other_layout = home_with_warehouse(tmp_path / "third", "create table marts.t (a varchar)")
    transform.generate_docs(dbt, other_layout, other_layout.dbt_target_dir / "run-3", "p")
    fourth = home_with_warehouse(tmp_path / "fourth")
    transform.generate_docs(dbt, fourth, fourth.dbt_target_dir / "run-4", "another project")
    assert len(dbt.calls) == 3
    assert fourth.dbt_docs_path.read_text().startswith("docs 3 of ")
    assert len(list(shared_docs.glob("*.html"))) == 3


def test_a_project_folder_that_cannot_be_written_only_costs_a_dbt_process(tmp_path, shared_docs):
    shared_docs.write_text("a file where the folder should be")
    dbt = RecordingDbt()
    for name in ("first", "second"):
        settings = home_with_warehouse(tmp_path / name)
        assert transform.generate_docs(dbt, settings, settings.dbt_target_dir / "r", "p")[1]
        assert settings.dbt_docs_path.read_text().startswith("docs ")
    assert len(dbt.calls) == 2


def test_the_fingerprint_follows_the_project_files(tmp_path, monkeypatch):
    project = tmp_path / "dbt_project"
    (project / "models").mkdir(parents=True)
    (project / "models" / "a.sql").write_text("select 1")
    (tmp_path / "seeds").mkdir()
    monkeypatch.setattr(fingerprints, "DBT_PROJECT_DIR", project)
    monkeypatch.setattr(fingerprints, "SEEDS_DIR", tmp_path / "seeds")
    monkeypatch.setattr(fingerprints, "PROJECT_ROOT", tmp_path)
    first = fingerprints.dbt_project_fingerprint()
    assert fingerprints.dbt_project_fingerprint() == first
    (project / "models" / "a.sql").write_text("select 2")
    assert fingerprints.dbt_project_fingerprint() != first


def test_a_warehouse_that_cannot_be_read_gets_a_page_from_dbt_and_shares_none(
    tmp_path, shared_docs
):
    settings = load_settings(home=tmp_path / "home")  # no warehouse file
    dbt = RecordingDbt()
    assert transform.generate_docs(dbt, settings, settings.dbt_target_dir / "r", "p")[1]
    assert len(dbt.calls) == 1 and not shared_docs.exists()
