"""The landing sensor asks for a run exactly when the landing folder's listing changes."""

import os

import dagster as dg

from orchestration.defs.resources import FinsamSettings
from orchestration.defs.sensors import build_landing_sensor, build_nightly_schedule


def evaluate(sensor, cursor, settings: FinsamSettings):
    with dg.build_sensor_context(cursor=cursor, resources={"finsam": settings}) as context:
        result = sensor.evaluate_tick(context)
        return result, context.cursor


def test_sensor_requests_a_run_only_for_new_or_changed_files(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    settings = FinsamSettings(home=str(tmp_path), landing=str(landing))
    sensor = build_landing_sensor(dg.define_asset_job("any_job"))

    empty, cursor = evaluate(sensor, None, settings)
    assert empty.run_requests == [] and cursor is None

    (landing / "a.csv").write_text("svar_id,forbund\n")
    first, cursor = evaluate(sensor, None, settings)
    assert len(first.run_requests) == 1
    assert first.run_requests[0].tags["finsam/landing_files"] == "1"

    unchanged, same_cursor = evaluate(sensor, cursor, settings)
    assert unchanged.run_requests == [] and same_cursor == cursor

    (landing / ".hidden").write_text("not an export")
    ignored, _ = evaluate(sensor, cursor, settings)
    assert ignored.run_requests == []

    (landing / "a.csv").write_text("svar_id,forbund,enkat\n")
    os.utime(landing / "a.csv", (1, 1))
    changed, new_cursor = evaluate(sensor, cursor, settings)
    assert len(changed.run_requests) == 1 and new_cursor != cursor


def test_nightly_schedule_is_off_until_switched_on():
    schedule = build_nightly_schedule(dg.define_asset_job("any_job"))
    assert schedule.cron_schedule == "30 5 * * *"
    assert schedule.execution_timezone == "Europe/Stockholm"
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
