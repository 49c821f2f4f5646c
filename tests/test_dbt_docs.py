"""The dbt docs site is made again only when the dbt project changed."""

from orchestration import fingerprints
from orchestration.defs import transform
from orchestration.settings import load_settings


class RecordingDbt:
    """Stands in for DbtCliResource: writes the docs file as `dbt docs generate` would."""

    def __init__(self):
        self.calls = []

    def cli(self, args, target_path, raise_on_error):
        self.calls.append(args)
        target_path.mkdir(parents=True, exist_ok=True)
        (target_path / "static_index.html").write_text(f"docs {len(self.calls)}")
        return self

    def wait(self):
        return self


def test_docs_are_made_once_per_version_of_the_project(tmp_path, monkeypatch):
    settings = load_settings(home=tmp_path / "home")
    dbt = RecordingDbt()
    build = tmp_path / "build-target"

    assert transform.generate_docs(dbt, settings, build) == (settings.dbt_docs_path, True)
    assert transform.generate_docs(dbt, settings, build) == (settings.dbt_docs_path, False)
    assert dbt.calls == [["docs", "generate", "--static", "--no-compile"]]

    monkeypatch.setattr(transform, "dbt_project_fingerprint", lambda: "a changed model")
    assert transform.generate_docs(dbt, settings, build)[1] is True
    settings.dbt_docs_path.unlink()  # removed by hand: made again
    assert transform.generate_docs(dbt, settings, build)[1] is True
    assert len(dbt.calls) == 3
    assert settings.dbt_docs_path.read_text() == "docs 3"


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
