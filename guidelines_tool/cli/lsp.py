"""`lsp`: the language server for editors (the logic is in guidelines_tool/lsp/)."""

from __future__ import annotations

import click

from guidelines_tool.errors import EXIT_CLEAN


@click.command("lsp")
@click.option("--tcp", metavar="HOST:PORT", help="Listen on a TCP port instead of stdio.")
def lsp_command(tcp: str | None) -> int:
    """Run the language server for editors (stdio by default)."""
    from guidelines_tool.lsp import serve

    serve(tcp=tcp)
    return EXIT_CLEAN
