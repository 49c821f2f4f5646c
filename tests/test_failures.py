"""Which failures the retry policy retries, and the sentence the others get."""

import errno
import shutil

import dagster as dg
import duckdb
import pytest
from dagster_dbt.errors import DagsterDbtCliRuntimeError

from orchestration import failures
from orchestration.failures import explain, is_transient, step_failures


def test_a_full_disk_is_named_with_its_path_and_not_retried():
    error = OSError(errno.ENOSPC, "No space left on device", "/srv/finsam/archive/ab/x.csv")
    assert explain(error) == (
        "The disk is full (/srv/finsam/archive/ab/x.csv): free some space, or give the run a home "
        "folder on a disk with room (--home or FINSAM_HOME), and run again; nothing was "
        "published from this run."
    )
    assert not is_transient(error)


def test_duckdb_and_dbt_say_it_in_words_only():
    duck = duckdb.IOException(
        'IO Error: Could not write file "/srv/finsam/warehouse.duckdb.wal": No space left on device'
    )
    assert explain(duck).startswith("The disk is full (/srv/finsam/warehouse.duckdb.wal)")
    wrapped = RuntimeError("dbt failed")
    assert explain(wrapped, text="Runtime Error\n  Disk quota exceeded").startswith(
        "The disk is full:"
    )


@pytest.mark.parametrize("code", [errno.EACCES, errno.EPERM, errno.EROFS])
def test_an_unwritable_place_is_named(code):
    error = PermissionError(code, "not allowed", "/srv/finsam")
    assert explain(error).startswith("The pipeline may not write here (/srv/finsam):")
    assert not is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable"),
        TimeoutError("timed out"),
        duckdb.IOException('Could not set lock on file "/srv/finsam/warehouse.duckdb"'),
        ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"),
    ],
)
def test_transient_failures_are_retried(error):
    assert is_transient(error)
    with pytest.raises(type(error)), step_failures():
        raise error


@pytest.mark.parametrize(
    "error",
    [ValueError("a bug"), KeyError("column"), duckdb.BinderException("no such column")],
)
def test_everything_else_fails_at_once(error):
    assert not is_transient(error)
    with pytest.raises(dg.Failure) as raised, step_failures():
        raise error
    assert raised.value.allow_retries is False
    assert raised.value.description == str(error)


def test_a_failing_dbt_build_fails_at_once_and_a_locked_one_is_retried():
    """dagster-dbt's error is a dagster.Failure that allows retries: a failing test made the
    retry policy run the whole build three times."""
    failed_test = DagsterDbtCliRuntimeError(
        "The dbt CLI process with command `dbt build` failed with exit code `1`.\n"
        "Errors parsed from dbt logs:\n245 of 246 FAIL 1 codebook_describes_every_published_column"
    )
    with pytest.raises(dg.Failure) as raised, step_failures():
        raise failed_test
    assert raised.value.allow_retries is False
    assert raised.value.description == failed_test.description
    locked = DagsterDbtCliRuntimeError("dbt failed")
    lock = 'IO Error: Could not set lock on file "/srv/finsam/warehouse.duckdb"'
    with pytest.raises(DagsterDbtCliRuntimeError), step_failures(output=lambda: lock):
        raise locked
    ours = dg.Failure("The disk is full (/srv/x): ...", allow_retries=False)
    with pytest.raises(dg.Failure) as raised, step_failures():
        raise ours
    assert raised.value is ours


def test_a_full_disk_fails_at_once_with_the_sentence():
    with pytest.raises(dg.Failure) as raised, step_failures():
        raise OSError(errno.ENOSPC, "No space left on device", "/srv/x")
    assert raised.value.allow_retries is False
    assert raised.value.description.startswith("The disk is full (/srv/x)")


def test_a_tools_printed_output_decides_too():
    with pytest.raises(dg.Failure) as raised, step_failures(output=lambda: "No space left"):
        raise RuntimeError("`npm run build` failed")
    assert raised.value.description == "`npm run build` failed"  # "No space left" is not enough
    with pytest.raises(RuntimeError), step_failures(output=lambda: "Connection reset by peer"):
        raise RuntimeError("`npm run build` failed")


def test_sqlite_says_a_full_disk_in_its_own_words(tmp_path, monkeypatch):
    # Dagster's run storage: SQLITE_FULL has words of its own; a journal that cannot be written
    # is a bare "disk I/O error", a full disk only when the home folder has no room left
    full = RuntimeError("(sqlite3.OperationalError) database or disk is full")
    assert "The disk is full" in explain(full)
    bare = RuntimeError(
        '(sqlite3.OperationalError) disk I/O error [SQL: PRAGMA main.table_xinfo("runs")]'
    )
    assert explain(bare, folder=tmp_path) is None  # room left: some other I/O error
    monkeypatch.setattr(failures.shutil, "disk_usage", lambda _: shutil._ntuple_diskusage(1, 1, 0))
    sentence = explain(bare, folder=tmp_path)
    assert sentence.startswith(f"The disk is full ({tmp_path})")
    assert "nothing was published from this run" in sentence
    assert explain(bare) is None  # without the folder nothing says the disk was full
