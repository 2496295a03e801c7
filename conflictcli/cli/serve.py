"""conflict serve: the reading room (conflictcli/web) on this machine."""

from __future__ import annotations

import ipaddress
import secrets
import socket
import threading
from typing import Annotated

import typer

from conflictcli.cli.group import rendering
from conflictcli.cli.options import IndexOpt, open_archive
from conflictcli.errors import UsageError

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _loopback(host: str) -> bool:
    if host.lower() in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    host: Annotated[
        str, typer.Option(help="The address to listen on (this machine's only, by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="The port (0: any free one).")] = 8765,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the address; open no browser.")
    ] = False,
    allow_remote: Annotated[
        bool,
        typer.Option(
            "--allow-remote",
            help="Let --host name an address other machines reach (anyone with the "
            "address and its token can then read the archive).",
        ),
    ] = False,
    index: IndexOpt = None,
) -> None:
    """Open the archive in the browser: search with filters and their counts, articles,
    timelines, a map, exports and watches (the `web` extra: pip install 'conflict[web]').

    It listens on 127.0.0.1 and prints an address holding a token that every page
    wants; Ctrl-C stops it. Nothing is asked of any other host.

    Example: conflict serve --port 8080 --no-browser
    """
    if not _loopback(host) and not allow_remote:
        raise UsageError(
            f"--host {host} would let other machines reach the archive.",
            "Add --allow-remote if that is meant; the address's token still guards it.",
        )
    try:
        import uvicorn

        from conflictcli.web.app import make_app
    except ImportError as e:
        raise UsageError(
            f"conflict serve needs the web extra ({e.name} is not installed).",
            "pip install 'conflict[web]'",
        ) from e
    out = rendering()
    if not _loopback(host):
        out.warning(f"listening on {host}: other machines can reach this archive.")
    sock = _bound(host, port)
    token = secrets.token_urlsafe(24)
    hosts = None if allow_remote and not _loopback(host) else LOOPBACK | {host.lower()}
    app = make_app(lambda: open_archive(index), token, hosts)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{sock.getsockname()[1]}/?token={token}"
    print(url, flush=True)
    out.note("The reading room is open at the address above; Ctrl-C stops it.")
    if not no_browser:
        import webbrowser

        threading.Timer(0.5, webbrowser.open, (url,)).start()
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


def _bound(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise UsageError(
            f"Cannot listen on {host}:{port}: {e.strerror or e}.",
            "Choose another --port (0 picks a free one).",
        ) from e
    sock.listen(128)
    sock.set_inheritable(True)
    return sock
