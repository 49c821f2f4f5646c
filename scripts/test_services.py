#!/usr/bin/env python3
"""The lake mode's test services, on 127.0.0.1 only: a PostgreSQL 15 cluster (the DuckLake and
Dagster catalogs) and moto's S3 server (the Parquet data).

    python scripts/test_services.py start DIR   # start both; writes DIR/services.env
    python scripts/test_services.py stop DIR    # stop both; nothing is left running

DIR/services.env holds shell `export` lines (FINSAM_TEST_*) that `.ci/run` sources and the
tests read (tests/lake_services.py). Where PostgreSQL's server binaries are missing, `start`
says so in one sentence, starts only the S3 server and writes no PostgreSQL lines, and the
PostgreSQL tests skip. A step that fails ends the script with one sentence on stderr (and the
tail of the PostgreSQL log where there is one), exit code 1.

Standard library and moto only (with boto3, which moto brings): no project imports, so it runs
before anything else of the project is importable.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Debian's PostgreSQL 15; FINSAM_TEST_PG_BIN names another folder with initdb and pg_ctl.
PG_BIN = Path(os.environ.get("FINSAM_TEST_PG_BIN") or "/usr/lib/postgresql/15/bin")
PG_MISSING = (
    "PostgreSQL's server binaries (Debian package postgresql-15) are missing here, so the lake "
    "mode with a PostgreSQL catalog is not tested"
)
DATABASES = ("finsam", "finsam_dagster")
BUCKET = "finsam-lake"
S3_KEY_ID = "testing"
S3_SECRET = "testing"
S3_REGION = "us-east-1"
HOST = "127.0.0.1"
# The server runs as this user when we are root (PostgreSQL refuses to run as root).
PG_OS_USER = "postgres"
# A unix socket's path has at most 107 bytes on Linux.
SOCKET_PATH_MAX = 100


class Failed(Exception):
    """A step failed; the message is the one sentence the script prints."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def state_path(root: Path) -> Path:
    return root / "state.json"


def read_state(root: Path) -> dict:
    try:
        return json.loads(state_path(root).read_text())
    except (OSError, ValueError):
        return {}


def write_state(root: Path, state: dict) -> None:
    state_path(root).write_text(json.dumps(state, indent=2) + "\n")


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie has ended: only its parent's wait is missing (ours may be long gone)
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


# --- PostgreSQL --------------------------------------------------------------------------------


def run_as() -> tuple[list[str], str]:
    """The command prefix that runs a PostgreSQL binary as a non-root user, and that user's name
    (also the cluster's superuser)."""
    if os.geteuid() != 0:
        return [], pwd.getpwuid(os.geteuid()).pw_name
    try:
        pwd.getpwnam(PG_OS_USER)
    except KeyError:
        raise Failed(
            f"PostgreSQL refuses to run as root and there is no '{PG_OS_USER}' user to run it as"
        ) from None
    if shutil.which("runuser"):
        return ["runuser", "-u", PG_OS_USER, "--"], PG_OS_USER
    return ["setpriv", f"--reuid={PG_OS_USER}", f"--regid={PG_OS_USER}", "--init-groups"], (
        PG_OS_USER
    )


def pg_root_for(root: Path, prefix: list[str]) -> tuple[Path, bool]:
    """The folder of the cluster (data, socket, log), owned by the user that runs the server:
    DIR/pg where that user can reach it and the socket path is short enough; otherwise a fresh
    temporary folder (pytest's folders are private to root), which `stop` removes."""
    inside = root / "pg"
    if inside.is_symlink():
        inside.unlink()
    if len(str(inside / "sock" / ".s.PGSQL.65535")) <= SOCKET_PATH_MAX:
        inside.mkdir(exist_ok=True)
        if prefix:
            shutil.chown(inside, PG_OS_USER, PG_OS_USER)
        inside.chmod(0o700)
        reachable = subprocess.run([*prefix, "test", "-w", str(inside)], cwd="/", check=False)
        if reachable.returncode == 0:
            return inside, False
        inside.rmdir()
    outside = Path(tempfile.mkdtemp(prefix="finsam-pg-"))
    if prefix:
        shutil.chown(outside, PG_OS_USER, PG_OS_USER)
    if not inside.exists() and len(str(inside)) < 4000:
        inside.symlink_to(outside)  # to find it from DIR; `stop` removes both
    return outside, True


def log_tail(log: Path, lines: int = 15) -> str:
    try:
        tail = log.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return "\n".join(["--- PostgreSQL log, last lines:", *tail]) if tail else ""


def pg(prefix: list[str], cwd: Path, *args: str, what: str, log: Path | None = None) -> str:
    """Run one PostgreSQL binary as the server's user; fail with one sentence."""
    result = subprocess.run(
        [*prefix, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        tail = log_tail(log) if log else ""
        raise Failed(f"PostgreSQL could not {what}: {' / '.join(detail)}\n{tail}".rstrip())
    return result.stdout


def start_postgres(root: Path, state: dict) -> dict:
    prefix, superuser = run_as()
    pg_root, outside = pg_root_for(root, prefix)
    state["pg"] = {
        "root": str(pg_root),
        "outside": outside,
        "link": str(root / "pg"),
        "user": superuser,
    }
    write_state(root, state)
    data, sock, log = pg_root / "data", pg_root / "sock", pg_root / "postgres.log"
    for old in (data, sock):
        if old.exists():
            shutil.rmtree(old)
    sock.mkdir()
    if prefix:
        shutil.chown(sock, PG_OS_USER, PG_OS_USER)
    pg(
        prefix,
        pg_root,
        str(PG_BIN / "initdb"),
        "--pgdata",
        str(data),
        "--username",
        superuser,
        "--auth",
        "trust",
        "--encoding",
        "UTF8",
        "--locale",
        "C",
        "--no-sync",
        what="create its cluster (initdb)",
    )
    # Trust, on loopback only: no other host can connect, and nothing listens elsewhere.
    (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
    for attempt in range(3):
        port = free_port()
        settings = {
            "listen_addresses": f"'{HOST}'",
            "port": str(port),
            "unix_socket_directories": f"'{sock}'",
            # A throwaway cluster: durability costs time and buys nothing here.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "100",
        }
        with (data / "postgresql.conf").open("a") as conf:  # a later line wins
            conf.write("\n# finsam test services\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        started = subprocess.run(
            [*prefix, str(PG_BIN / "pg_ctl"), "start", "-w", "-t", "60"]
            + ["-D", str(data), "-l", str(log)],
            cwd=pg_root,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if started.returncode == 0:
            break
        # Another program may have taken the free port between our look and the server's bind.
        if attempt < 2 and "could not bind" in log.read_text(errors="replace"):
            continue
        raise Failed(f"PostgreSQL did not start (pg_ctl start failed)\n{log_tail(log)}")
    state["pg"].update({"data": str(data), "port": port, "log": str(log)})
    write_state(root, state)
    for name in DATABASES:
        pg(
            prefix,
            pg_root,
            str(PG_BIN / "createdb"),
            "-h",
            HOST,
            "-p",
            str(port),
            "-U",
            superuser,
            name,
            what=f"create the database {name}",
            log=log,
        )
    return state


def stop_postgres(state: dict) -> None:
    info = state.get("pg") or {}
    if not info.get("root"):
        return
    prefix, _ = run_as()
    data = Path(info.get("data") or Path(info["root"]) / "data")
    if (data / "postmaster.pid").exists():
        pg(
            prefix,
            Path(info["root"]),
            str(PG_BIN / "pg_ctl"),
            "stop",
            "-m",
            "fast",
            "-w",
            "-D",
            str(data),
            what="stop (pg_ctl stop)",
            log=Path(info["log"]) if info.get("log") else None,
        )
    if info.get("outside"):
        shutil.rmtree(info["root"], ignore_errors=True)
        link = Path(info["link"]) if info.get("link") else None
        if link and link.is_symlink():
            link.unlink()


def port_open(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


def postgres_running(state: dict) -> bool:
    info = state.get("pg") or {}
    return bool(info.get("port")) and port_open(info["port"])


# --- S3 (moto) -----------------------------------------------------------------------------------


def s3_client(port: int):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=f"http://{HOST}:{port}",
        aws_access_key_id=S3_KEY_ID,
        aws_secret_access_key=S3_SECRET,
        region_name=S3_REGION,
    )


def start_moto(root: Path, state: dict) -> dict:
    try:
        import boto3  # noqa: F401
        import moto.server  # noqa: F401
    except ImportError as error:
        raise Failed(
            f"moto's S3 server is not installed ({error}): run `make setup-python`"
        ) from None
    log = root / "moto.log"
    for attempt in range(3):
        port = free_port()
        with log.open("ab") as out:
            # A process of its own (its own session): it outlives this script until `stop`.
            process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, "AWS_ACCESS_KEY_ID": S3_KEY_ID},
            )
        state["moto"] = {"pid": process.pid, "port": port, "log": str(log)}
        (root / "moto.pid").write_text(f"{process.pid}\n")
        write_state(root, state)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with socket.create_connection((HOST, port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)
        if process.poll() is None and time.monotonic() < deadline:
            break
        stop_moto(state)
        if attempt == 2:
            tail = log.read_text(errors="replace").splitlines()[-10:]
            raise Failed("moto's S3 server did not start on 127.0.0.1:\n" + "\n".join(tail))
    try:
        client = s3_client(port)
        existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
        if BUCKET not in existing:
            client.create_bucket(Bucket=BUCKET)
    except Exception as error:  # noqa: BLE001 - any failure is reported in one sentence
        raise Failed(f"moto's S3 server did not create the bucket {BUCKET}: {error}") from None
    return state


def stop_moto(state: dict) -> None:
    pid = (state.get("moto") or {}).get("pid")
    if not pid_alive(pid):
        return
    try:
        os.killpg(pid, signal.SIGTERM)  # its own session and group: the server and any child
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:  # our child when start failed
                return
        except ChildProcessError:
            pass
        if not pid_alive(pid):
            return
        time.sleep(0.1)
    os.killpg(pid, signal.SIGKILL)


def moto_running(state: dict) -> bool:
    info = state.get("moto") or {}
    return pid_alive(info.get("pid")) and port_open(info["port"])


# --- Commands ------------------------------------------------------------------------------------


def env_lines(state: dict) -> list[str]:
    values = {}
    if state.get("pg", {}).get("port"):
        user, port = state["pg"]["user"], state["pg"]["port"]
        values.update(
            {
                "FINSAM_TEST_POSTGRES_URL": f"postgresql://{user}@{HOST}:{port}/finsam",
                "FINSAM_TEST_POSTGRES_LIBPQ": f"host={HOST} port={port} user={user} dbname=finsam",
                # SQLAlchemy's form, for Dagster's `postgres_url`: SQLAlchemy 2.1 reads a bare
                # postgresql:// as psycopg 3, which is not installed (psycopg2 is).
                "FINSAM_TEST_DAGSTER_POSTGRES_URL": (
                    f"postgresql+psycopg2://{user}@{HOST}:{port}/finsam_dagster"
                ),
            }
        )
    else:
        values["FINSAM_TEST_POSTGRES_MISSING"] = PG_MISSING
    values.update(
        {
            "FINSAM_TEST_S3_ENDPOINT": f"{HOST}:{state['moto']['port']}",
            "FINSAM_TEST_S3_BUCKET": BUCKET,
            "FINSAM_TEST_S3_KEY_ID": S3_KEY_ID,
            "FINSAM_TEST_S3_SECRET": S3_SECRET,
        }
    )
    return [f"export {key}={shlex.quote(value)}" for key, value in values.items()]


def start(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    root = root.resolve()
    state = read_state(root)
    have_pg = (PG_BIN / "pg_ctl").exists() and (PG_BIN / "initdb").exists()
    if (
        state
        and moto_running(state)
        and (postgres_running(state) or not have_pg)
        and (root / "services.env").exists()
    ):
        print(f"The test services in {root} are already running.")
        return
    stop(root, quiet=True)  # whatever a broken earlier start left
    state = {}
    began = time.monotonic()
    try:
        if have_pg:
            state = start_postgres(root, state)
            pg_seconds = time.monotonic() - began
        else:
            print(PG_MISSING + ".")
        moto_began = time.monotonic()
        state = start_moto(root, state)
        moto_seconds = time.monotonic() - moto_began
    except BaseException:
        with contextlib.suppress(Failed):  # the first failure is the one to tell
            stop(root, quiet=True)
        raise
    (root / "services.env").write_text("\n".join(env_lines(state)) + "\n")
    if have_pg:
        print(
            f"PostgreSQL 15 on {HOST}:{state['pg']['port']} "
            f"(databases {', '.join(DATABASES)}) in {pg_seconds:.1f} s;",
            end=" ",
        )
    print(
        f"moto S3 on {HOST}:{state['moto']['port']} (bucket {BUCKET}) in {moto_seconds:.1f} s; "
        f"variables in {root / 'services.env'}"
    )


def stop(root: Path, quiet: bool = False) -> None:
    state = read_state(root)
    failure = None
    try:
        stop_postgres(state)
    except Failed as error:
        failure = error
    stop_moto(state)
    for name in ("services.env", "moto.pid", "state.json"):
        (root / name).unlink(missing_ok=True)
    if failure:
        raise failure
    if state and not quiet:
        print(f"The test services in {root} are stopped.")


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in ("start", "stop"):
        print("usage: test_services.py start|stop DIR", file=sys.stderr)
        return 2
    try:
        (start if argv[1] == "start" else stop)(Path(argv[2]))
    except Failed as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
