"""Benchmark: a full load of the demo history versus loading one new file on top of it.

    .venv/bin/python benchmarks/ingest.py [--scale 1.0] [--work DIR]

Prints seconds for (1) writing the demo exports, (2) loading all of them into an empty
warehouse, (3) loading one new file into the warehouse that holds the full history, and (4) a
second pass over the unchanged landing folder. Numbers, not assertions: run it before and after a
change to the loader.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path

from orchestration.catalog import load_catalog
from orchestration.demo_data import write_demo_exports
from orchestration.ingest import ingest_landing
from orchestration.settings import load_settings

NEW_FILE = """svar_id;forbund;enkat;inskickad;kon;DP01A;DP07A
bench-1;Blekinge;deltagare_pagaende;{day} 10:00;Kvinna;8;7
bench-2;Blekinge;deltagare_pagaende;{day} 11:00;Man;6;Vet ej
"""


def timed(label: str, action):
    started = time.perf_counter()
    result = action()
    print(f"{label:<55} {time.perf_counter() - started:7.1f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="finsam-bench-"))
    shutil.rmtree(work, ignore_errors=True)
    settings = load_settings(home=work, landing=work / "landing")
    catalog = load_catalog()

    summary = timed(
        f"write demo exports (scale {args.scale})",
        lambda: write_demo_exports(settings.landing, scale=args.scale, catalog=catalog),
    )
    full = timed(
        f"full load: {summary.files_written} files into an empty warehouse",
        lambda: ingest_landing(settings, catalog),
    )
    print(f"{'':<55} {full.rows_loaded} questionnaires loaded")

    new_file = settings.landing / "bench_new_export.csv"
    new_file.write_text(NEW_FILE.format(day=datetime.now().strftime("%Y-%m-%d")), "utf-8")
    os.utime(new_file)
    one = timed(
        "one new file on top of the full history", lambda: ingest_landing(settings, catalog)
    )
    print(f"{'':<55} {len(one.files)} file, {one.rows_loaded} questionnaires loaded")
    timed("unchanged landing folder (nothing new)", lambda: ingest_landing(settings, catalog))
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
