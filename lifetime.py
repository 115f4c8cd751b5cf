"""Helper processes that end with the process that started them.

A pool's worker process (the PDF renderer, the image decoder) waits for work on a pipe whose
both ends it holds, so it never notices its parent die: a web process or worker killed with
SIGKILL would leave it running for good, and with it the forkserver and resource tracker that
wait for every such process to end. Each pool starts its processes with `end_with(parent)`.
The web server's processes do the same with their supervisor, gracefully: an orphaned one would
go on serving the shared socket with no one to stop it.
"""

from __future__ import annotations

import os
import select
import signal
import threading


def end_with(parent_pid: int, *, gracefully: bool = False) -> None:
    """In the child: end this process as soon as `parent_pid` ends (watched on a pidfd by a
    daemon thread, so it costs nothing while the parent lives) — at once, or `gracefully` by
    SIGTERM, which a server answers by finishing the requests it holds."""
    try:
        watched = os.pidfd_open(parent_pid)
    except ProcessLookupError:  # gone already
        os._exit(0)

    def watch() -> None:
        select.select([watched], [], [])
        if gracefully:
            os.kill(os.getpid(), signal.SIGTERM)
        else:
            os._exit(0)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()
