"""`python -m studio.cli.lifeline COMMAND ...`: run a `knotwork` command as a child that
ends with its parent. The parent (the studio) holds the other end of our stdin; when it
goes, however it went (quit, crash, kill), stdin reaches end-of-file and we stop as on
SIGTERM, so a local model server never outlives the studio that started it."""

from __future__ import annotations

import os
import signal
import sys
import threading

GRACE_SECONDS = 10.0  # a graceful stop (the monitoring store flushes) may take this long


def _stop_when_parent_leaves() -> None:
    try:
        while sys.stdin.buffer.read(65536):
            pass  # the parent writes nothing; anything written is ignored
    except (OSError, ValueError):
        pass
    os.kill(os.getpid(), signal.SIGTERM)
    threading.Timer(GRACE_SECONDS, os._exit, args=(0,)).start()


def main(argv: list[str] | None = None) -> int:
    threading.Thread(target=_stop_when_parent_leaves, name="lifeline", daemon=True).start()
    from studio.cli.main import main as knotwork

    return knotwork(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
