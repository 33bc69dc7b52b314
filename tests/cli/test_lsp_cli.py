"""`guidelines lsp`: stdio by default (every other test), `--tcp HOST:PORT` on request."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

from click.testing import CliRunner

from guidelines_tool.cli import cli


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def message(payload: dict) -> bytes:
    body = json.dumps(payload).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def test_tcp_serves_the_protocol():
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "guidelines_tool", "lsp", "--tcp", f"127.0.0.1:{port}"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = socket.create_connection(("127.0.0.1", port), timeout=30)
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, server.stderr.read()
                time.sleep(0.1)
        with connection:
            connection.sendall(message({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                                        "params": {"processId": None, "rootUri": None, "capabilities": {}}}))
            received = b""
            while b"\r\n\r\n" not in received:
                received += connection.recv(65536)
            header, _, body = received.partition(b"\r\n\r\n")
            fields = dict(line.split(b":", 1) for line in header.split(b"\r\n"))
            length = int(fields[b"Content-Length"])
            while len(body) < length:
                body += connection.recv(65536)
        answer = json.loads(body[:length])
        assert answer["id"] == 1
        assert answer["result"]["serverInfo"]["name"] == "guidelines"
        assert answer["result"]["capabilities"]["renameProvider"]
    finally:
        server.kill()
        server.wait()


def test_a_bad_tcp_address_is_a_usage_error():
    result = CliRunner().invoke(cli, ["lsp", "--tcp", "nowhere"])
    assert result.exit_code == 2
    assert "--tcp takes HOST:PORT (like 127.0.0.1:2087), not 'nowhere'" in result.stderr
