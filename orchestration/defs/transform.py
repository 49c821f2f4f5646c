"""dbt through dagster-dbt: `dbt build`, so every dbt test shows up as an asset check."""

import shutil
import signal
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliInvocation,
    DbtCliResource,
    dbt_assets,
)

from orchestration import dbt_outcomes
from orchestration.dbt_docs import copy_shared_docs, docs_key, install_made_docs
from orchestration.dbt_project import dbt_project, keep_parse_state, seed_parse_state
from orchestration.defs.quality import record_check_results
from orchestration.defs.resources import FinsamSettings
from orchestration.failures import explain, is_transient, step_failures
from orchestration.fingerprints import dbt_project_fingerprint
from orchestration.ingest.audit import carry_check_results
from orchestration.instance import WRITER_POOL
from orchestration.project_nodes import project_only_keys, project_only_tests
from orchestration.settings import Settings


class FinsamDbtTranslator(DagsterDbtTranslator):
    """Groups follow the dbt folders (seeds become 'catalog'); sources keep the default
    [source, table] keys, which are the ingest assets' keys, so the lineage is connected."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "catalog"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


# dbt's unit tests pin the logic of the models with hand-made inputs: they test the code, not the
# data, so they run in `make test` and CI on a typed, empty build (tests/test_dbt_unit_tests.py),
# and a production build leaves them out (docs/dbt-unit-tests.md says why).
PRODUCTION_BUILD = ("build", "--exclude-resource-type", "unit_test")


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=FinsamDbtTranslator(
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
    ),
    # one rebuild of the warehouse at a time across every run of the instance
    pool=WRITER_POOL,
)
def finsam_dbt_assets(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, finsam: FinsamSettings
):
    settings = finsam.settings()
    # taken once, before dbt starts: the build and the docs are stamped with the project they used
    project = dbt_project_fingerprint()
    full_refresh = finsam.rebuild or project_changed_since_last_build(settings, project)
    if full_refresh:
        context.log.info("dbt build --full-refresh: every model built by year is rebuilt whole.")
    # a build that does not finish leaves tables of no known project: until one finishes, the
    # next run rebuilds everything (a run with this project would otherwise trust them)
    forget_build(settings)
    build_target = settings.dbt_target_dir / f"run-{context.run_id}"
    seed_parse_state(settings.dbt_target_dir)
    invocation = dbt.cli(
        [*PRODUCTION_BUILD, *(["--full-refresh"] if full_refresh else [])],
        context=context,
        target_path=build_target,
    )
    with step_failures(output=lambda: dbt_outcomes.error_messages(invocation)):
        try:
            yield from invocation.stream()
        except Exception as error:
            stop_dbt(invocation)
            unknown = node_unknown_to_this_run(error)
            if unknown:
                raise dg.Failure(
                    description=f"dbt ran {unknown}, which the definitions this run loaded do "
                    "not have: the dbt project was changed while the run was going on. Run "
                    "again; nothing was published from this run.",
                    allow_retries=False,
                ) from error
            keep_parse_state(build_target, settings.dbt_target_dir)
            # dbt has let go of the warehouse: its failing tests can be read again for examples
            tests = dbt_outcomes.test_rows(context.run_id, invocation, settings)
            record_check_results(settings, tests)
            sentence = dbt_outcomes.build_failure(tests, invocation)
            printed = dbt_outcomes.error_messages(invocation)
            # a lock held a moment too long is retried; a full disk is said by step_failures
            if sentence is None or is_transient(error, printed) or explain(error, printed):
                raise
            raise dg.Failure(description=sentence, allow_retries=False) from error
        # Every data test is taken from run_results.json, also the singular tests with several
        # parents that Dagster reports only as observations.
        record_check_results(
            settings,
            dbt_outcomes.test_rows(context.run_id, invocation, settings),
            then=carried_outcomes(context, full_refresh),
        )
        keep_parse_state(build_target, settings.dbt_target_dir)
        record_build(settings, project)
        docs, made = generate_docs(dbt, settings, build_target, project)
    context.log.info(
        f"dbt docs for analysts (lineage and column docs): {docs}"
        + ("" if made else " (unchanged: the dbt project has not changed since they were made)")
    )
    prune_run_targets(settings)


def carried_outcomes(context: dg.AssetExecutionContext, full_refresh: bool):
    """When the run left the project-only nodes as the last build of this very project made
    them (orchestration/project_nodes.py), what keeps their tests' outcomes among this run's."""
    left, _ = project_only_keys(finsam_dbt_assets)
    if full_refresh or left & context.selected_asset_keys:
        return None
    names = sorted(project_only_tests())
    return lambda con: carry_check_results(con, context.run_id, names)


def stop_dbt(invocation: DbtCliInvocation) -> None:
    """End dbt when reading its events failed. dagster-dbt forwards an interrupt to dbt but
    nothing else: dbt went on building and held the warehouse while the run reported its
    failure (and the report, opening the warehouse, died on DuckDB's lock)."""
    process = invocation.process
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)  # as dagster-dbt does: dbt ends its queries cleanly
    try:
        process.wait(timeout=invocation.termination_timeout_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


DBT_NODE_KINDS = ("model.", "seed.", "test.", "snapshot.", "unit_test.")


def node_unknown_to_this_run(error: Exception) -> str | None:
    """The dbt node dagster-dbt could not find in the manifest the definitions loaded (a KeyError
    of its unique id), when that is what failed."""
    key = error.args[0] if isinstance(error, KeyError) and error.args else None
    return key if isinstance(key, str) and key.startswith(DBT_NODE_KINDS) else None


def _build_stamp(settings: Settings) -> Path:
    return settings.dbt_target_dir.parent / ".build-project-fingerprint"


def project_changed_since_last_build(settings: Settings, project: str | None = None) -> bool:
    """Whether the dbt project (models, macros, seeds, dbt's version; `project` is its
    fingerprint) differs from the one that last built this home's warehouse. The models built by
    measurement year (dbt_project/macros/incremental_by_year.sql) keep the rows of unchanged
    years, so new code or seeds must rebuild them whole."""
    return not _is_stamped(_build_stamp(settings), project or dbt_project_fingerprint())


def record_build(settings: Settings, project: str | None = None) -> None:
    """Remember the project a successful `dbt build` used (the next build compares)."""
    _write_stamp(_build_stamp(settings), project or dbt_project_fingerprint())


def forget_build(settings: Settings) -> None:
    """No build of a known project made the warehouse's tables (one is under way)."""
    _build_stamp(settings).unlink(missing_ok=True)


def _is_stamped(stamp: Path, fingerprint: str) -> bool:
    return stamp.is_file() and stamp.read_text() == fingerprint


def _write_stamp(stamp: Path, fingerprint: str) -> None:
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fingerprint)


def prune_run_targets(settings: Settings, keep: int = 5) -> None:
    """Keep the artefacts (run_results.json, compiled SQL) of the latest runs only."""
    runs = sorted(settings.dbt_target_dir.glob("run-*"), key=lambda path: path.stat().st_mtime)
    for old in runs[:-keep]:
        shutil.rmtree(old, ignore_errors=True)


def generate_docs(
    dbt: DbtCliResource, settings: Settings, build_target: Path, project: str | None = None
) -> tuple[Path, bool]:
    """`dbt docs generate --static` over the build's own compiled project (`--no-compile` with
    its target path: half the time of compiling again): one self-contained HTML file under
    HOME/dbt/docs, made again only when the dbt project changed, and taken from another home on
    this machine with the same project and warehouse layout when there is one
    (orchestration/dbt_docs.py). Returns the file and whether it was made now."""
    docs = settings.dbt_docs_path
    stamp = docs.with_name(".project-fingerprint")
    project = project or dbt_project_fingerprint()
    if docs.is_file() and _is_stamped(stamp, project):
        return docs, False
    key = docs_key(settings, project)
    if not copy_shared_docs(key, docs, build_target):
        dbt.cli(
            ["docs", "generate", "--static", "--no-compile"],
            target_path=build_target,
            raise_on_error=True,
        ).wait()
        install_made_docs(key, build_target / "static_index.html", docs, build_target)
    _write_stamp(stamp, project)
    return docs, True
