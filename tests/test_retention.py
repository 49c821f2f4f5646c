"""Retention rules and `finsam purge` on small real warehouses, in process (no dbt): open texts
and archived files past the rules are deleted and audited, a year that needs a deleted file is not
replayed, and a purged file's bytes stay out until they are allowed again."""

from __future__ import annotations

from datetime import datetime

import pytest

from orchestration.catalog import load_catalog
from orchestration.ingest.purge import PurgeError, allow_again, purge
from orchestration.ingest.reload import ReloadError, reload_year
from orchestration.settings import SettingsError, load_settings
from tests.conftest import run_finsam
from tests.corpus import Landing, Warehouse, csv_bytes, row

# 2025-06-01 lies in measurement year 2025: the latest year that has ended is 2024.
NOW = datetime(2025, 6, 1, 12, 0)
OPEN_TEXT = "Handläggaren Karin på kontoret i Ronneby hjälpte mig"


def two_years(tmp_path, monkeypatch, open_text: str, raw_files: str) -> tuple[Landing, Warehouse]:
    """old.csv: 2021, two questionnaires with open texts; new.csv: 2024, one with, one without."""
    monkeypatch.setenv("FINSAM_KEEP_OPEN_TEXT_YEARS", open_text)
    monkeypatch.setenv("FINSAM_KEEP_RAW_FILES_YEARS", raw_files)
    landing = Landing(tmp_path / "landing")
    warehouse = Warehouse.at(tmp_path / "home", landing.path)
    landing.add(
        "old.csv",
        csv_bytes(
            [
                row(1, inskickad="2021-03-01 10:00", fritext=OPEN_TEXT),
                row(2, inskickad="2021-03-02 10:00", fritext="Bra stöd"),
            ]
        ),
    )
    landing.add("new.csv", csv_bytes([row(3, fritext="Tack för hjälpen"), row(4, fritext="")]))
    return landing, warehouse


def archive_files(warehouse: Warehouse) -> list[str]:
    return sorted(p.name for p in warehouse.settings.archive_dir.rglob("*") if p.is_file())


def test_the_settings_are_read_and_checked(monkeypatch):
    monkeypatch.delenv("FINSAM_KEEP_OPEN_TEXT_YEARS")
    monkeypatch.delenv("FINSAM_KEEP_RAW_FILES_YEARS")
    defaults = load_settings(home="/tmp/x")
    assert (defaults.keep_open_text_years, defaults.keep_raw_files_years) == (2, 5)
    monkeypatch.setenv("FINSAM_KEEP_OPEN_TEXT_YEARS", "Forever")
    monkeypatch.setenv("FINSAM_KEEP_RAW_FILES_YEARS", "0")
    chosen = load_settings(home="/tmp/x")
    assert (chosen.keep_open_text_years, chosen.keep_raw_files_years) == (None, 0)
    assert chosen.environment()["FINSAM_KEEP_OPEN_TEXT_YEARS"] == "forever"
    monkeypatch.setenv("FINSAM_KEEP_RAW_FILES_YEARS", "-1")
    with pytest.raises(SettingsError, match="FINSAM_KEEP_RAW_FILES_YEARS must be a whole number"):
        load_settings(home="/tmp/x")


def test_a_wrong_retention_setting_stops_the_command_with_status_2(tmp_path, monkeypatch):
    monkeypatch.setenv("FINSAM_KEEP_OPEN_TEXT_YEARS", "två")
    result = run_finsam("status", "--home", str(tmp_path), home=tmp_path)
    assert result.returncode == 2
    assert "FINSAM_KEEP_OPEN_TEXT_YEARS must be a whole number of years" in result.stderr


def test_open_texts_past_the_rule_are_emptied_and_audited(tmp_path, monkeypatch):
    _landing, warehouse = two_years(tmp_path, monkeypatch, "2", "forever")
    report = warehouse.ingest(NOW, run_id="r1")
    # 2024 - 2 = 2022: the open texts of 2021 go, those of 2024 stay; the questionnaires stay
    assert (report.retention.open_texts, report.retention.open_text_years) == (2, [2021])
    assert warehouse.query(
        "select svar_id, measurement_year, fritext from raw.submissions order by svar_id"
    ) == [
        ("1", 2021, None),
        ("2", 2021, None),
        ("3", 2024, "Tack för hjälpen"),
        ("4", 2024, None),
    ]
    assert warehouse.query(
        "select run_id, kind, setting, keep_years, measurement_year, file_name, items, bytes "
        "from audit.retention"
    ) == [("r1", "open_text", "FINSAM_KEEP_OPEN_TEXT_YEARS", 2, 2021, "old.csv", 2, None)]
    # no content in the audit, and the texts left the file's bytes too (compacted)
    assert OPEN_TEXT.encode() not in warehouse.settings.warehouse_path.read_bytes()
    # the next ingest has nothing more to delete
    assert warehouse.ingest(NOW).retention.open_texts == 0
    assert warehouse.query("select count(*) from audit.retention") == [(1,)]


def test_a_replayed_year_does_not_bring_open_texts_back(tmp_path, monkeypatch):
    _landing, warehouse = two_years(tmp_path, monkeypatch, "2", "forever")
    warehouse.ingest(NOW)
    reload_year(warehouse.settings, load_catalog(), 2021, now=NOW)
    assert warehouse.query(
        "select count(*), count(fritext) from raw.submissions where measurement_year = 2021"
    ) == [(2, 0)]
    assert OPEN_TEXT.encode() not in warehouse.settings.warehouse_path.read_bytes()
    # the reload emptied them again, and said so
    assert warehouse.query(
        "select count(*), sum(items) from audit.retention where kind = 'open_text'"
    ) == [(2, 4)]


def test_archived_files_past_the_rule_are_deleted_and_their_years_not_replayed(
    tmp_path, monkeypatch
):
    _landing, warehouse = two_years(tmp_path, monkeypatch, "forever", "2")
    before = archive_files(warehouse)
    assert before == []
    report = warehouse.ingest(NOW, run_id="r1")
    assert report.retention.raw_files == ["old.csv"]
    new_sha = warehouse.query("select sha256 from audit.file_loads where file_name = 'new.csv'")
    assert archive_files(warehouse) == [f"{new_sha[0][0]}.csv"]
    assert warehouse.query(
        "select file_name, archive_deleted_at is not null from audit.file_loads order by 1"
    ) == [("new.csv", False), ("old.csv", True)]
    size = len(csv_bytes([row(1, inskickad="2021-03-01 10:00", fritext=OPEN_TEXT)]))
    audited = warehouse.query(
        "select kind, measurement_year, file_name, items, bytes > ? from audit.retention", [size]
    )
    assert audited == [("raw_file", 2021, "old.csv", 1, True)]
    # its rows stay; its year cannot be replayed, a later year can
    assert warehouse.query("select count(*) from raw.submissions") == [(4,)]
    with pytest.raises(ReloadError, match="FINSAM_KEEP_RAW_FILES_YEARS, so measurement year 2021"):
        reload_year(warehouse.settings, load_catalog(), 2021, now=NOW)
    reloaded = reload_year(warehouse.settings, load_catalog(), 2024, now=NOW)
    assert (reloaded.files_read, reloaded.submissions_after) == (1, 2)


def test_a_purged_file_is_gone_and_its_bytes_stay_out_until_allowed(tmp_path, monkeypatch):
    landing, warehouse = two_years(tmp_path, monkeypatch, "forever", "forever")
    warehouse.ingest(NOW)
    old = landing.path / "old.csv"
    kept_bytes = old.read_bytes()
    ((load_id, sha),) = warehouse.query(
        "select load_id, sha256 from audit.file_loads where file_name = 'old.csv'"
    )
    with pytest.raises(PurgeError, match="needs a reason"):
        purge(warehouse.settings, load_catalog(), "old.csv", " ")
    report = purge(
        warehouse.settings, load_catalog(), sha[:10], "registrerads begäran", by="dpo", now=NOW
    )
    plan = report.plan
    assert (plan.questionnaires, plan.answers, plan.open_texts, len(plan.archive)) == (2, 6, 2, 1)
    assert not old.exists()  # the landing copy of the same bytes went too
    ((new_sha,),) = warehouse.query("select sha256 from audit.file_loads")
    assert archive_files(warehouse) == [f"{new_sha}.csv"]
    for table in ("raw.submissions", "raw.answers", "audit.file_loads", "audit.rejected_records"):
        assert warehouse.query(f"select count(*) from {table} where load_id = ?", [load_id]) == [
            (0,)
        ], table
    assert OPEN_TEXT.encode() not in warehouse.settings.warehouse_path.read_bytes()
    assert warehouse.query(
        "select purge_id, load_ids, file_name, sha256, measurement_years, questionnaires, "
        "answers, open_texts, archive_files, landing_files, reason, purged_by from audit.purges"
    ) == [(1, str(load_id), "old.csv", sha, "2021", 2, 6, 2, 1, 1, "registrerads begäran", "dpo")]
    with pytest.raises(PurgeError, match="already purged by dpo"):
        purge(warehouse.settings, load_catalog(), "old.csv", "igen")

    # put back (under another name): refused unread, naming the purge; nothing archived
    landing.add("old-again.csv", kept_bytes)
    warehouse.ingest(NOW)
    refused = warehouse.dicts(
        "select load_id, status, refusal_cause, rows_loaded, archived_path, message "
        "from audit.file_loads where file_name = 'old-again.csv'"
    )
    assert len(refused) == 1
    assert refused[0]["load_id"] > load_id  # a purged load's id is not given again
    assert (refused[0]["status"], refused[0]["refusal_cause"]) == ("rejected", "purged")
    assert (refused[0]["rows_loaded"], refused[0]["archived_path"]) == (0, None)
    assert "raderades med finsam purge (radering 1" in refused[0]["message"]
    assert warehouse.query("select count(*) from raw.submissions where svar_id in ('1', '2')") == [
        (0,)
    ]
    # and again on the next ingest
    assert warehouse.ingest(NOW).files == []

    allow_again(warehouse.settings, sha[:12], "inskickad på nytt med samtycke", by="dpo")
    warehouse.ingest(NOW)
    assert warehouse.query(
        "select count(*) from raw.submissions where source_file = 'old-again.csv'"
    ) == [(2,)]
    assert warehouse.query("select allowed_again_by, allow_reason from audit.purges") == [
        ("dpo", "inskickad på nytt med samtycke")
    ]


def test_the_archive_listing_finds_every_copy_of_a_file_and_only_its_own(tmp_path):
    from orchestration.ingest.retention import ArchiveListing

    settings = load_settings(home=tmp_path / "home")
    sha, other = "ab" + "1" * 62, "ab" + "2" * 62
    shard = settings.archive_dir / "ab"
    shard.mkdir(parents=True)
    names = [f"{sha}.csv", f"{sha}.redacted.xlsx", f".{sha}.partial", f"{other}.csv"]
    for name in names:
        (shard / name).write_bytes(b"x")
    (shard / f"{sha}.d").mkdir()  # a folder is no copy
    elsewhere = tmp_path / "other-home" / f"{sha}.csv"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(b"x")
    listing = ArchiveListing(settings)
    found = listing.paths(sha, [str(shard / f"{sha}.csv"), str(elsewhere), None])
    assert [p.name for p in found] == sorted(names[:3])
    assert [p.name for p in listing.paths(other, [])] == [f"{other}.csv"]
    assert listing.paths("cd" + "3" * 62, []) == []  # no shard folder at all
