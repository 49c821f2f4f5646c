"""`make bench`: how the pipeline scales. Not a test: it prints numbers and writes them down.

For each scale (demo data `finsam demo-data --scale N`, generated once and kept in the work
folder), `finsam run` into an empty home, timed per stage (ingest, dbt build, GX checks, publish,
site build) from the run's Dagster step events, with the questionnaires per second and the peak
memory of the whole process tree (sampled every 0.1 s with psutil). Then, on each scale's
warehouse, a run with one new association file and a run with nothing new, each broken down:
Dagster's start, every step, and dbt's start, models and tests (from its run_results.json).

Results go to BENCH_OUT (default bench-results/) as bench-<time>.json and a Markdown table beside
it, so that runs can be compared over time; the targets of the performance issue are printed with
each run's verdict.

    python scripts/bench.py [--scales 1 10 100] [--work .bench] [--out bench-results] [--no-site]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import psutil

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FINSAM = str(Path(sys.executable).parent / "finsam")
SAMPLE_SECONDS = 0.1
STAGE_OF_STEP = {
    "raw_survey_data": "ingest",
    "finsam_dbt_assets": "dbt build",
    "published_snapshot": "publish",
    "evidence_site": "site build",
}
STAGES = ["ingest", "dbt build", "GX checks", "publish", "site build"]
GB = 1024**3


@dataclass
class Stage:
    name: str
    seconds: float
    peak_bytes: int
    rows_per_second: float | None


@dataclass
class Measurement:
    label: str
    scale: float
    questionnaires: int
    rows_loaded: int
    wall_seconds: float
    peak_bytes: int
    exit_code: int
    stages: list[Stage] = field(default_factory=list)
    # where the time went: Dagster's start, each step, dbt's models and tests (see breakdown())
    breakdown: dict = field(default_factory=dict)


class TreeMemory:
    """Samples the resident memory of a process and all its descendants."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            try:
                processes = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                processes = []
            for process in processes:
                with contextlib.suppress(psutil.NoSuchProcess):
                    total += process.memory_info().rss
            self.samples.append((time.time(), total))
            time.sleep(SAMPLE_SECONDS)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, start: float = 0.0, end: float = float("inf")) -> int:
        return max((rss for at, rss in self.samples if start <= at <= end), default=0)


def demo_landing(work: Path, scale: float) -> Path:
    """Demo exports at `scale`, generated once per work folder."""
    landing = work / f"landing-scale-{scale:g}"
    marker = landing / ".complete"
    if not marker.exists():
        shutil.rmtree(landing, ignore_errors=True)
        started = time.perf_counter()
        subprocess.run(
            [FINSAM, "demo-data", "--out", str(landing), "--scale", str(scale)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        marker.write_text(f"{time.perf_counter() - started:.1f} s\n")
    return landing


def step_windows(home: Path, since: float) -> tuple[str | None, dict[str, tuple[float, float]]]:
    """The id of the home's latest run and the (start, end) of each of its steps; nothing when
    no run was started after `since` (a run with nothing new answers without one)."""
    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        records = instance.get_run_records(limit=1)
        if not records or records[0].create_timestamp.timestamp() < since:
            return None, {}
        run = records[0].dagster_run
        started: dict[str, float] = {}
        windows: dict[str, tuple[float, float]] = {}
        for record in instance.all_logs(run.run_id):
            event = record.dagster_event
            if event is None or event.step_key is None:
                continue
            kind = event.event_type_value
            if kind == "STEP_START":
                started[event.step_key] = record.timestamp
            elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in started:
                windows[event.step_key] = (started.pop(event.step_key), record.timestamp)
    return run.run_id, windows


def stage_of(step: str) -> str | None:
    return STAGE_OF_STEP.get(step) or ("GX checks" if step.startswith("gx_") else None)


def warehouse_counts(home: Path, since_load_id: int) -> tuple[int, int, int]:
    """Questionnaires in the warehouse, rows loaded after `since_load_id`, the last load_id."""
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        questionnaires = con.execute("select count(*) from raw.submissions").fetchone()[0]
        loaded, last = con.execute(
            "select coalesce(sum(rows_loaded), 0), coalesce(max(load_id), 0) "
            "from audit.file_loads where load_id > ?",
            [since_load_id],
        ).fetchone()
    finally:
        con.close()
    return questionnaires, int(loaded), int(last)


def last_load_id(home: Path) -> int:
    if not (home / "warehouse.duckdb").exists():
        return 0
    return warehouse_counts(home, 0)[2]


def measure(label: str, scale: float, home: Path, landing: Path, site: bool) -> Measurement:
    before = last_load_id(home)
    args = [FINSAM, "run", "--home", str(home), "--landing", str(landing)]
    if not site:
        args.append("--no-site")
    log = home.parent / f"{home.name}-{label.replace(' ', '-')}.log"
    home.mkdir(parents=True, exist_ok=True)
    since = time.time()
    started = time.perf_counter()
    with log.open("w") as output:
        process = subprocess.Popen(args, stdout=output, stderr=subprocess.STDOUT)
        memory = TreeMemory(process.pid)
        code = process.wait()
        memory.stop()
    wall = time.perf_counter() - started
    questionnaires, loaded, _ = warehouse_counts(home, before)
    measurement = Measurement(label, scale, questionnaires, loaded, wall, memory.peak(), code)
    run_id, windows = step_windows(home, since)
    by_stage: dict[str, list[tuple[float, float]]] = {}
    for step, window in windows.items():
        if stage_of(step):
            by_stage.setdefault(stage_of(step), []).append(window)
    for stage in STAGES:
        spans = by_stage.get(stage)
        if not spans:
            continue
        seconds = sum(end - start for start, end in spans)
        rows = loaded if stage == "ingest" else questionnaires
        measurement.stages.append(
            Stage(
                stage,
                seconds,
                max(memory.peak(start, end) for start, end in spans),
                rows / seconds if seconds > 0 and rows else None,
            )
        )
    if run_id is not None:
        measurement.breakdown = breakdown(home, run_id, since, wall, windows)
    status = "ok" if code == 0 else f"FAILED (exit {code}, log {log})"
    print(f"  {label}: {wall:.1f} s, peak {measurement.peak_bytes / GB:.2f} GB, {status}")
    return measurement


def _covered_seconds(spans: list[tuple[float, float]]) -> float:
    """Wall-clock seconds covered by at least one of the spans (dbt runs nodes on two threads:
    the sum of their times would count the overlap twice)."""
    covered, reach = 0.0, float("-inf")
    for start, end in sorted(spans):
        if end > reach:
            covered += end - max(start, reach)
            reach = end
    return covered


def dbt_nodes(target: Path) -> tuple[float, list[dict]]:
    """dbt's own elapsed time and every node's (unique_id, resource type, seconds, span) from
    the run_results.json of one invocation's target folder."""
    results_file = target / "run_results.json"
    if not results_file.is_file():
        return 0.0, []
    results = json.loads(results_file.read_text())
    nodes = []
    for result in results.get("results", []):
        spans = [
            (
                datetime.fromisoformat(timing["started_at"].replace("Z", "+00:00")).timestamp(),
                datetime.fromisoformat(timing["completed_at"].replace("Z", "+00:00")).timestamp(),
            )
            for timing in result.get("timing", [])
            if timing.get("started_at") and timing.get("completed_at")
        ]
        kind = result["unique_id"].split(".")[0]
        nodes.append(
            {
                "node": result["unique_id"].split(".", 2)[-1],
                "kind": "test" if kind in ("test", "unit_test") else kind,
                "seconds": result.get("execution_time", 0.0),
                "span": (min(s for s, _ in spans), max(e for _, e in spans)) if spans else None,
            }
        )
    return results.get("elapsed_time", 0.0), nodes


def breakdown(home: Path, run_id: str, since: float, wall_seconds: float, windows: dict) -> dict:
    """Where a run's time went: from the command to Dagster's first step, each step, and inside
    dbt's step its start and parse, its models, its tests and what follows them."""
    found: dict = {}
    if windows:
        first = min(start for start, _ in windows.values())
        last = max(end for _, end in windows.values())
        found["command start to first step"] = first - since
        found["steps"] = {step: end - start for step, (start, end) in sorted(windows.items())}
        # Dagster between steps: starting each step's process, its events, the run's end
        found["between steps"] = (last - first) - _covered_seconds(list(windows.values()))
        found["last step to command end"] = since + wall_seconds - last
    target = home / "dbt" / "target" / f"run-{run_id}"
    elapsed, nodes = dbt_nodes(target)
    if nodes:
        spans = {kind: [n["span"] for n in nodes if n["kind"] == kind and n["span"]] for kind in
                 ("seed", "model", "test")}  # fmt: skip
        found["dbt"] = {
            "invocation seconds (dbt's elapsed_time)": elapsed,
            **{f"{kind} seconds (wall)": _covered_seconds(s) for kind, s in spans.items()},
            **{
                f"{kind} count": sum(1 for n in nodes if n["kind"] == kind)
                for kind in ("seed", "model", "test")
            },
        }
        dbt_step = windows.get("finsam_dbt_assets")
        if dbt_step:
            all_spans = [n["span"] for n in nodes if n["span"]]
            first_node = min(s for s, _ in all_spans)
            last_node = max(e for _, e in all_spans)
            found["dbt"]["step start to first node (process, parse)"] = first_node - dbt_step[0]
            found["dbt"]["last node to step end (results, docs)"] = dbt_step[1] - last_node
        found["dbt slowest nodes"] = [
            {"node": n["node"], "kind": n["kind"], "seconds": round(n["seconds"], 2)}
            for n in sorted(nodes, key=lambda n: -n["seconds"])[:15]
        ]
    outcome_elapsed, _ = dbt_nodes(home / "dbt" / "target" / f"run-{run_id}-outcomes")
    if outcome_elapsed:
        found["publish: dbt run of the check outcomes (dbt's elapsed_time)"] = outcome_elapsed
    return found


def breakdown_markdown(measurements: list[Measurement]) -> str:
    """One table per run that has a breakdown: the fixed costs first, then the slowest nodes."""
    parts = []
    for m in measurements:
        b = m.breakdown
        if not b:
            continue
        lines = [
            f"### {m.label}, scale {m.scale:g}: where {m.wall_seconds:.1f} s went",
            "",
            "| part | seconds |",
            "|---|---:|",
        ]
        start = b.get("command start to first step")
        if start is not None:
            lines.append(f"| command start to first step | {start:.1f} |")
        for step, seconds in b.get("steps", {}).items():
            lines.append(f"| step `{step}` | {seconds:.1f} |")
        for part in ("between steps", "last step to command end"):
            if part in b:
                lines.append(f"| {part} | {b[part]:.1f} |")
        for part, value in b.get("dbt", {}).items():
            shown = f"{value}" if part.endswith("count") else f"{value:.1f}"
            lines.append(f"| dbt: {part} | {shown} |")
        for part, value in b.items():
            if part.startswith("publish:"):
                lines.append(f"| {part} | {value:.1f} |")
        slowest = b.get("dbt slowest nodes", [])
        if slowest:
            lines += ["", "| slowest dbt nodes | kind | seconds |", "|---|---|---:|"]
            lines += [f"| `{n['node']}` | {n['kind']} | {n['seconds']:.2f} |" for n in slowest]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + ("\n" if parts else "")


def add_one_association_file(landing: Path) -> Path:
    """A new export of the latest year: its largest CSV export in the contract's columns (the
    survey tools' own exports carry no response id to renew), with new response ids."""
    csvs = sorted(landing.glob("*.csv"))
    latest_year = csvs[-1].name[:4]
    of_latest_year = [path for path in csvs if path.name.startswith(latest_year)]
    for source in sorted(of_latest_year, key=lambda path: -path.stat().st_size):
        # Latin-1 maps every byte to one character and back: the file's own encoding is kept.
        text = source.read_bytes().decode("latin-1")
        separator = ";" if ";" in text.partition("\n")[0] else ","
        rows = list(csv.reader(io.StringIO(text), delimiter=separator))
        header = [cell.strip().lower().lstrip("\xef\xbb\xbf") for cell in rows[0]]
        id_column = next(
            (i for i, name in enumerate(header) if "svar" in name and "id" in name), None
        )
        if id_column is not None:
            break
    else:
        raise SystemExit(f"No CSV export of {latest_year} in {landing} has a response id.")
    for row in rows[1:]:
        if len(row) > id_column:
            row[id_column] = f"bench-{row[id_column]}"
    target = landing / f"bench-new-{source.name}"
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=separator).writerows(rows)
    target.write_bytes(buffer.getvalue().encode("latin-1"))
    return target


BASELINE_SQL = PROJECT_ROOT / "scripts" / "baseline.sql"
BASELINE_KEYS = [
    "measurement_year",
    "scope",
    "forbund_id",
    "respondent_group",
    "question_id",
    "gender",
]
# Compared on every cell. The baseline leaves out secondary suppression (an iterative Python
# model), so its primary_suppression_rule is compared with the mart's rule unless that is
# 'secondary', and is_suppressed, suppression_reason, comparison_note and like_for_like_* are not
# compared at all.
BASELINE_COLUMNS = [
    "indicator_number", "forbund_name", "comparability_key", "n_respondents", "n_answers",
    "n_dont_know", "n_positive", "mean_score", "sd_score", "share_positive", "share_ci_low",
    "share_ci_high", "mean_ci_low", "mean_ci_high", "previous_year", "primary_suppression_rule",
]  # fmt: skip
# Compared where the mart shows a change: the baseline shows one wherever neither cell has a
# primary rule, a superset of the mart's (which also needs no secondary rule).
BASELINE_CHANGE_COLUMNS = [
    "previous_n_answers", "previous_share_positive", "previous_mean_score",
    "share_positive_change", "mean_score_change", "share_change_z", "is_change_significant",
    "share_change_p_value", "mean_change_p_value", "is_mean_change_significant",
]  # fmt: skip
TOLERANCE = 1e-9
MART_VALUE = {"primary_suppression_rule": "nullif(m.suppression_rule, 'secondary')"}


def run_baseline(warehouse: Path) -> dict:
    """Times scripts/baseline.sql (plain DuckDB, from the raw tables) on `warehouse` and compares
    its cells with marts.fct_indicator_results; the baseline schema is dropped afterwards."""
    temp = warehouse.parent / f"{warehouse.stem}-baseline-tmp"
    config = {"memory_limit": "8GB", "threads": 2, "temp_directory": str(temp)}
    con = duckdb.connect(str(warehouse), config=config)
    con.execute("set enable_progress_bar = false")
    try:
        script = BASELINE_SQL.read_text().replace("{seeds}", str(PROJECT_ROOT / "seeds"))
        started = time.perf_counter()
        con.execute(script)
        seconds = time.perf_counter() - started
        doubles = {
            name
            for name, kind in con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'baseline' and table_name = 'indicator_results'"
            ).fetchall()
            if kind == "DOUBLE"
        }

        def differs(column: str) -> str:
            mart = MART_VALUE.get(column, f"m.{column}")
            if column in doubles:
                beyond = f"abs(b.{column} - {mart}) > {TOLERANCE}"
                return f"coalesce({beyond}, (b.{column} is null) <> ({mart} is null))"
            return f"b.{column} is distinct from {mart}"

        keys = " and ".join(f"b.{key} is not distinct from m.{key}" for key in BASELINE_KEYS)
        plain = " or ".join(differs(column) for column in BASELINE_COLUMNS)
        change = " or ".join(differs(column) for column in BASELINE_CHANGE_COLUMNS)
        rows, mart_rows, mismatched = con.execute(
            f"""select
                count(b.scope), count(m.scope),
                count(*) filter (where b.scope is null or m.scope is null or {plain}
                    or (m.previous_n_answers is not null and ({change})))
            from baseline.indicator_results as b
            full join marts.fct_indicator_results as m on {keys}"""
        ).fetchone()
    finally:
        con.execute("drop schema if exists baseline cascade")
        con.close()
        shutil.rmtree(temp, ignore_errors=True)
    return {
        "seconds": seconds,
        "rows": rows,
        "matches": rows == mart_rows and mismatched == 0,
        "mismatched_rows": mismatched,
        "columns_compared": [*BASELINE_KEYS, *BASELINE_COLUMNS, *BASELINE_CHANGE_COLUMNS],
        "compared_where_mart_shows_a_change": BASELINE_CHANGE_COLUMNS,
    }


def markdown(measurements: list[Measurement]) -> str:
    lines = [
        "| run | questionnaires | stage | seconds | questionnaires/s | peak memory |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for m in measurements:
        lines.append(
            f"| {m.label} | {m.questionnaires:,} | **whole run** | {m.wall_seconds:.1f} | "
            f"| {m.peak_bytes / GB:.2f} GB |"
        )
        for stage in m.stages:
            rate = f"{stage.rows_per_second:,.0f}" if stage.rows_per_second else ""
            lines.append(
                f"| | | {stage.name} | {stage.seconds:.1f} | {rate} | "
                f"{stage.peak_bytes / GB:.2f} GB |"
            )
    return "\n".join(lines).replace(",", " ") + "\n"


def baseline_against(measurement: Measurement, warehouse: Path) -> dict:
    """The baseline on the warehouse a full run just built, with the ratio of that run's
    transform stage (dbt build and GX checks) to it."""
    if measurement.exit_code != 0:
        return {"error": "the run failed; no baseline"}
    try:
        found = run_baseline(warehouse)
    except duckdb.Error as error:  # the table of the other measurements is still written
        print(f"  baseline failed: {error}")
        return {"error": f"the baseline failed: {error}"}
    transform = sum(s.seconds for s in measurement.stages if s.name in ("dbt build", "GX checks"))
    found.update(transform_seconds=transform, ratio=transform / max(found["seconds"], 1e-9))
    print(
        f"  baseline {found['seconds']:.1f} s ({found['rows']:,} cells, "
        f"{'identical to' if found['matches'] else 'DIFFERENT FROM'} the mart); "
        f"transform {transform:.1f} s = {found['ratio']:.1f}x"
    )
    return found


def baseline_table(baselines: dict[float, dict]) -> str:
    lines = [
        "| scale | baseline seconds | cells | same cells as the mart | transform seconds | ratio |",
        "|---:|---:|---:|---|---:|---:|",
    ]
    for scale, found in baselines.items():
        if "error" in found:
            lines.append(f"| {scale:g} | | | {found['error']} | | |")
            continue
        lines.append(
            f"| {scale:g} | {found['seconds']:.2f} | {found['rows']:,} | "
            f"{'yes' if found['matches'] else 'NO'} | {found['transform_seconds']:.1f} | "
            f"{found['ratio']:.1f}x |".replace(",", " ")
        )
    return "\n".join(lines) + "\n"


def verdicts(measurements: list[Measurement], baselines: dict[float, dict]) -> list[str]:
    """The targets of the performance issue, each with this run's figures."""
    runs = {(m.label, m.scale): m for m in measurements}
    lines = []
    if ("full", 100) in runs:
        lines.append(f"scale 100 under 4 min: {runs['full', 100].wall_seconds / 60:.1f} min")
    for (label, scale), m in runs.items():
        if label == "one new file" and ("full", scale) in runs:
            share = m.wall_seconds / runs["full", scale].wall_seconds
            lines.append(f"one new file at scale {scale:g} under 10 % of the full run: {share:.0%}")
            if scale == 10:
                lines.append(f"one new file at scale 10 under 15 s: {m.wall_seconds:.1f} s")
        if label == "nothing new":
            lines.append(f"nothing new at scale {scale:g} under 10 s: {m.wall_seconds:.1f} s")
    for scale, found in baselines.items():
        full = runs.get(("full", scale))
        dbt = (full.breakdown.get("dbt") or {}) if full else {}
        if "seconds" not in found or not dbt:
            continue
        models = dbt["seed seconds (wall)"] + dbt["model seconds (wall)"]
        checks = dbt["test seconds (wall)"] + sum(
            s.seconds for s in full.stages if s.name == "GX checks"
        )
        lines.append(
            f"dbt model time within 3x of the baseline at scale {scale:g}: "
            f"{models / max(found['seconds'], 1e-9):.1f}x ({models:.1f} s against "
            f"{found['seconds']:.2f} s; same cells: {'yes' if found['matches'] else 'NO'})"
        )
        lines.append(
            f"checks (dbt tests and GX) within the model time at scale {scale:g}: "
            f"{checks:.1f} s against {models:.1f} s"
        )
    for m in measurements:
        site = next((s for s in m.stages if s.name == "site build"), None)
        if site is not None:
            lines.append(
                f"site build ({m.label}, scale {m.scale:g}) under 60 s and 2 GB: "
                f"{site.seconds:.1f} s, {site.peak_bytes / GB:.2f} GB"
            )
    if measurements:
        worst = max(measurements, key=lambda m: m.peak_bytes)
        lines.append(
            f"peak memory under 3 GB at every scale: {worst.peak_bytes / GB:.2f} GB at most "
            f"({worst.label}, scale {worst.scale:g})"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1, 10, 100])
    parser.add_argument("--work", type=Path, default=PROJECT_ROOT / ".bench")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(os.environ.get("BENCH_OUT", PROJECT_ROOT / "bench-results")),
    )
    parser.add_argument("--no-site", action="store_true", help="Time every stage but the site.")
    options = parser.parse_args()

    options.work.mkdir(parents=True, exist_ok=True)
    measurements: list[Measurement] = []
    baselines: dict[float, dict] = {}
    for scale in options.scales:
        print(f"scale {scale:g}:")
        landing = demo_landing(options.work, scale)
        home = options.work / f"home-scale-{scale:g}"
        shutil.rmtree(home, ignore_errors=True)
        site = not options.no_site
        measurements.append(measure("full", scale, home, landing, site=site))
        baselines[scale] = baseline_against(measurements[-1], home / "warehouse.duckdb")
        added = add_one_association_file(landing)
        try:
            print(f"scale {scale:g}, one new file ({added.name}):")
            measurements.append(measure("one new file", scale, home, landing, site=site))
            print(f"scale {scale:g}, nothing new:")
            measurements.append(measure("nothing new", scale, home, landing, site=site))
        finally:
            added.unlink()

    options.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    machine = {
        "cpus": os.cpu_count(),
        "memory_bytes": psutil.virtual_memory().total,
        "python": sys.version.split()[0],
    }
    results = {
        "created_at": stamp,
        "machine": machine,
        "measurements": [asdict(m) for m in measurements],
        "baselines": {f"{scale:g}": found for scale, found in baselines.items()},
        "targets": verdicts(measurements, baselines),
    }
    (options.out / f"bench-{stamp}.json").write_text(json.dumps(results, indent=2))
    table = "\n".join(
        [markdown(measurements), baseline_table(baselines), breakdown_markdown(measurements)]
    )
    targets = "\n".join(f"- {line}" for line in results["targets"])
    (options.out / f"bench-{stamp}.md").write_text(
        f"# Benchmark {stamp}\n\n{machine}\n\n{table}\n## Targets\n\n{targets}\n"
    )
    print("\n" + table + "\n" + targets)
    print(f"\nWritten to {options.out / f'bench-{stamp}.json'} and .md beside it.")
    return 0 if all(m.exit_code == 0 for m in measurements) else 1


if __name__ == "__main__":
    sys.exit(main())
