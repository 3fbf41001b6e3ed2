"""The application on a real HTTP port (waitress in a thread), for browser and HTTP tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from waitress.server import create_server


@contextmanager
def live(app: Any, threads: int = 4) -> Iterator[str]:
    """Serve `app` on a free loopback port; yields its base URL, stops it on exit.

    Closing waitress's socket from another thread races with its select() loop, which
    may then die with EBADF (Pylons/waitress#468, fixed after 3.0.2): an error raised
    once we are stopping is the stop, not a failure.
    """
    server = create_server(app, host="127.0.0.1", port=0, threads=threads)
    stopping = threading.Event()

    def run() -> None:
        try:
            server.run()
        except OSError:
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    old_server_name = app.config.get("SERVER_NAME")
    app.config["SERVER_NAME"] = None
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        app.config["SERVER_NAME"] = old_server_name
        stopping.set()
        server.close()
        thread.join(timeout=5)
