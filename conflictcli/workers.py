"""Worker processes: how many there are (CONFLICT_WORKERS, default one per core, 0 for
none) and how they start. Ingest reads and analyses files in them; a search cuts the
snippets of a long page of results in them."""

from __future__ import annotations

import os
import signal
import sys


def count() -> int:
    """How many worker processes to use: CONFLICT_WORKERS, else one per core (none on
    one core: this process does the work)."""
    given = os.environ.get("CONFLICT_WORKERS", "").strip()
    if given.isdigit():
        return int(given)
    # as many workers as cores: the main process waits on them part of the time (more
    # workers than cores measured slower)
    cores = os.cpu_count() or 1
    return min(8, cores) if cores > 1 else 0


def can_fork() -> bool:
    """Whether workers can start as copies of this process (Linux): no start-up, no
    imports, nothing to pickle but the jobs. Elsewhere (macOS, Windows) forking a
    process that holds open files and libraries is unsafe, and the work stays here."""
    return sys.platform.startswith("linux")


def init(parent: int) -> None:
    """Run first in every worker: Ctrl-C is the main process's to handle, and a worker
    whose main process is gone (killed, even by kill -9) ends within a second. (Its
    pool's queue would keep it waiting for work forever: every worker holds both ends
    of the queue's pipe, so it never reads an end of file.) `parent`: the main
    process's id, as it gave it: it can be gone before this runs."""
    import threading
    import time

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(ORPHAN_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="conflict-orphan-watch", daemon=True).start()


ORPHAN_CHECK_S = 0.5  # how often a worker looks for its main process
