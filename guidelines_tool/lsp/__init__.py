"""`guidelines lsp`: a Language Server Protocol server for guideline authoring (pygls).

It works on the project around the opened files, with unsaved buffers overlaying the disk, and
gives the findings `guidelines validate` gives (the same engine), completion, hover, navigation,
rename, code actions and formatting. See `server.py` for the wiring and `state.py` for how a
keystroke is checked without re-reading the project.
"""

from __future__ import annotations

import gc
import logging

from guidelines_tool.errors import GuidelinesError


def serve(*, tcp: str | None = None) -> None:
    """Run the server on stdio, or listening on `tcp` (`HOST:PORT`), until the client exits."""
    address = _address(tcp) if tcp is not None else None
    logging.basicConfig(level=logging.WARNING, format="guidelines lsp: %(levelname)s: %(message)s")
    # pygls and lsprotocol define a thousand classes on import: the collector's passes over them
    # find no garbage and cost ~10 % of the start-up; what they leave lives as long as the server
    gc.disable()
    try:
        from guidelines_tool.lsp.handlers import build

        server = build()
        gc.freeze()
    finally:
        gc.enable()
    if address is None:
        server.start_io()
    else:
        server.start_tcp(*address)


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise GuidelinesError(f"--tcp takes HOST:PORT (like 127.0.0.1:2087), not {text!r}")
    return host.strip("[]"), int(port)
