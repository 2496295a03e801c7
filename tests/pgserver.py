#!/usr/bin/env python
"""A PostgreSQL server of our own, on loopback, for the tests and for development: a
primary and, with --replica, a streaming replica of it, in a folder of their own, made
with this machine's server binaries (Debian: apt-get install postgresql-15). As root,
the servers run as the user postgres (initdb refuses root).

    python tests/pgserver.py start /tmp/pg --replica   # prints the URLs to use
    python tests/pgserver.py stop /tmp/pg

`start` prints `CONFLICT_TEST_POSTGRES=postgresql://...` (and `..._REPLICA=`) lines;
the tests use a server named there, or start one of these themselves for the session.
Logins are trusted on 127.0.0.1 only: a server for tests, not for a team's archive.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

USER = "postgres"
DATABASE = "conflict"


def binaries() -> Path | None:
    """The newest server binaries here (pg_ctl, initdb, pg_basebackup), or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(p.split("/")[-3]) if p.split("/")[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).resolve().parent if pg_ctl else None


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    prefix = ["runuser", "-u", USER, "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *map(str, args)], capture_output=True, text=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _must(r: subprocess.CompletedProcess[str], what: str) -> None:
    if r.returncode != 0:
        raise RuntimeError(f"{what} failed: {(r.stderr or r.stdout).strip()[-400:]}")


def _url(port: int, database: str = DATABASE) -> str:
    return f"postgresql://{USER}@127.0.0.1:{port}/{database}"


def start(folder: Path, replica: bool = False) -> dict[str, str]:
    """A primary (and a replica) started in `folder`; their URLs by name."""
    bin_ = binaries()
    if bin_ is None:
        raise RuntimeError("no PostgreSQL server binaries here: apt-get install postgresql-15")
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o777)  # the server's user writes its data folders here
    primary, port = folder / "primary", _free_port()
    _must(_run(bin_ / "initdb", "-D", primary, "-A", "trust", "-U", USER), "initdb")
    with open(primary / "postgresql.conf", "a") as conf:
        conf.write(
            f"listen_addresses = '127.0.0.1'\nport = {port}\n"
            f"unix_socket_directories = '{folder}'\nwal_level = replica\n"
            "max_wal_senders = 4\nhot_standby = on\nfsync = off\n"
            "synchronous_commit = off\nfull_page_writes = off\n"
        )
    with open(primary / "pg_hba.conf", "a") as hba:
        hba.write("host replication postgres 127.0.0.1/32 trust\n")
    _must(
        _run(bin_ / "pg_ctl", "-D", primary, "-l", folder / "primary.log", "-w", "start"),
        "starting the primary",
    )
    psql = bin_ / "psql"
    base = ["-h", "127.0.0.1", "-p", str(port), "-U", USER, "-d", "postgres", "-Atc"]
    _must(_run(psql, *base, f"CREATE DATABASE {DATABASE}"), "CREATE DATABASE")
    urls = {"CONFLICT_TEST_POSTGRES": _url(port)}
    if replica:
        copy, rport = folder / "replica", _free_port()
        _must(
            _run(
                bin_ / "pg_basebackup",
                *("-h", "127.0.0.1", "-p", str(port), "-U", USER),
                *("-D", str(copy), "-R", "-c", "fast"),
            ),
            "pg_basebackup",
        )
        with open(copy / "postgresql.conf", "a") as conf:
            conf.write(f"port = {rport}\n")
        _must(
            _run(bin_ / "pg_ctl", "-D", copy, "-l", folder / "replica.log", "-w", "start"),
            "starting the replica",
        )
        urls["CONFLICT_TEST_POSTGRES_REPLICA"] = _url(rport)
    return urls


def stop(folder: Path) -> None:
    """Every server started in `folder` stopped (immediately: a test server)."""
    bin_ = binaries()
    for data in (folder / "replica", folder / "primary"):
        if bin_ is not None and (data / "postmaster.pid").exists():
            _run(bin_ / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        return 2
    folder = Path(argv[1]).absolute()
    if argv[0] == "stop":
        stop(folder)
        return 0
    t0 = time.perf_counter()
    try:
        urls = start(folder, replica="--replica" in argv)
    except RuntimeError as e:
        print(f"pgserver: {e}", file=sys.stderr)
        stop(folder)
        return 1
    for name, url in urls.items():
        print(f"{name}={url}")
    print(f"pgserver: started in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
