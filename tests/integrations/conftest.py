"""Fixtures of the labeling-tool tests: a real Label Studio server, started once per session
from its own virtualenv (the `label-studio` executable named by GUIDELINES_LABEL_STUDIO), on
SQLite in a temporary folder, on 127.0.0.1; and annotators who joined it through the
organisation's invite link, as people do, each with both kinds of token: the legacy one
(`/api/current-user/token`) and a personal access token (`POST /api/token/`, a JWT refresh token).

    def test_x(server, annotators):
        alice = annotators[0]; alice.legacy_token, alice.personal_token
        server.admin_user().personal_token

Without GUIDELINES_LABEL_STUDIO the tests that use `server` are skipped with that reason; in CI
(CI=true) they fail instead: there the round trip must run.

A killed pytest (SIGKILL, a CI timeout) leaves no server behind: the server process gets SIGTERM
when pytest dies (Linux's parent-death signal), and a watchdog in its own session ends the
server's whole process group (the workers it started too) once pytest is gone.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ENV_VARIABLE = "GUIDELINES_LABEL_STUDIO"
ADMIN = "admin@example.com"
ADMIN_PASSWORD = "admin-pass-4711"
ADMIN_TOKEN = "0123456789abcdef0123456789abcdef01234567"  # a legacy token, as the server makes them
START_TIMEOUT = 300.0  # the very first start migrates a new SQLite database (~90 s on a busy machine)

# Run as `python -c WATCHDOG GROUP`: waits while its parent (pytest) lives, then ends process
# group GROUP (SIGTERM, SIGKILL after 30 s). Gone as soon as the group is (a normal stop).
WATCHDOG = """
import os, signal, sys, time
group, parent = int(sys.argv[1]), os.getppid()
def alive():
    try:
        os.killpg(group, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
while alive() and os.getppid() == parent:
    time.sleep(1)
if alive():
    os.killpg(group, signal.SIGTERM)
    for _ in range(30):
        time.sleep(1)
        if not alive():
            break
    else:
        os.killpg(group, signal.SIGKILL)
"""


def _die_with_parent() -> None:
    """In the server's process before exec: SIGTERM when its parent (pytest) dies."""
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


@dataclass(frozen=True)
class User:
    email: str
    id: int
    legacy_token: str
    personal_token: str


class LabelStudioServer:
    def __init__(self, process: subprocess.Popen, url: str, log: Path,
                 watchdog: subprocess.Popen | None = None) -> None:
        self.process, self.url, self.log, self.watchdog = process, url, log, watchdog
        self.admin = httpx.Client(base_url=url, headers={"Authorization": f"Token {ADMIN_TOKEN}"}, timeout=60)
        self._admin_user: User | None = None

    @classmethod
    def start(cls, executable: str, folder: Path) -> LabelStudioServer:
        port = _free_port()
        log = folder / "label-studio.log"
        env = {**os.environ, "LABEL_STUDIO_BASE_DATA_DIR": str(folder / "data"),
               "LATEST_VERSION_CHECK": "false", "LABEL_STUDIO_LATEST_VERSION_CHECK": "false",
               "SENTRY_DSN": "", "FRONTEND_SENTRY_DSN": ""}
        env.pop(ENV_VARIABLE, None)
        with log.open("wb") as out:
            process = subprocess.Popen(
                [executable, "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port),
                 "--username", ADMIN, "--password", ADMIN_PASSWORD, "--user-token", ADMIN_TOKEN,
                 "--enable-legacy-api-token"],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=folder,
                start_new_session=True,  # its own process group: stop() ends everything it started
                preexec_fn=_die_with_parent)
        # its own session too, so that killing pytest's process group spares it
        watchdog = subprocess.Popen([sys.executable, "-c", WATCHDOG, str(process.pid)], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        server = cls(process, f"http://127.0.0.1:{port}", log, watchdog)
        server._wait_until_up(port)
        return server

    def _wait_until_up(self, port: int) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Label Studio exited ({self.process.returncode}):\n{self.log_tail()}")
            # it quietly moves to the next port when ours was taken meanwhile: believe its log
            moved = re.search(rb"Starting development server at http://127\.0\.0\.1:(\d+)/", self.log.read_bytes())
            if moved and int(moved[1]) != port:
                port = int(moved[1])
                self.url = f"http://127.0.0.1:{port}"
                self.admin = httpx.Client(base_url=self.url, headers={"Authorization": f"Token {ADMIN_TOKEN}"}, timeout=60)
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)
        self.stop()
        raise RuntimeError(f"Label Studio did not answer within {START_TIMEOUT:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.watchdog is not None and self.watchdog.poll() is None:
            self.watchdog.terminate()  # nothing left to watch
            self.watchdog.wait()

    # --- users -----------------------------------------------------------------------------

    def sign_up(self, email: str, password: str = "annotator-pass-4711") -> User:
        """A new user of the organisation, signed up through its invite link."""
        invite = self.admin.get("/api/invite")
        invite.raise_for_status()
        link = invite.json()["invite_url"]
        with httpx.Client(base_url=self.url, timeout=60) as browser:
            browser.get(link).raise_for_status()  # sets the CSRF cookie, as a browser would
            answer = browser.post(link, data={"email": email, "password": password,
                                              "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
                                  headers={"Referer": self.url + link})
            if answer.status_code != 302:
                raise RuntimeError(f"sign-up of {email} failed ({answer.status_code}): {answer.text[:300]}")
            legacy = browser.get("/api/current-user/token").json()["token"]
        return self._user(email, legacy)

    def admin_user(self) -> User:
        """The user the server was started with (a user has one personal access token)."""
        if self._admin_user is None:
            self._admin_user = self._user(ADMIN, ADMIN_TOKEN)
        return self._admin_user

    def _user(self, email: str, legacy: str) -> User:
        with httpx.Client(base_url=self.url, headers={"Authorization": f"Token {legacy}"}, timeout=60) as client:
            me = client.get("/api/current-user/whoami").json()
            personal = client.post("/api/token/")
            personal.raise_for_status()
        return User(email, int(me["id"]), legacy, personal.json()["token"])

    def set_legacy_tokens(self, enabled: bool) -> None:
        """Allow or refuse legacy tokens for the organisation (a personal access token asks)."""
        response = self.admin.post("/api/jwt/settings", json={"api_tokens_enabled": True,
                                                               "legacy_api_tokens_enabled": enabled},
                                   headers={"Authorization": f"Bearer {self.access_token(self.admin_user())}"})
        response.raise_for_status()

    def access_token(self, user: User) -> str:
        response = httpx.post(f"{self.url}/api/token/refresh/", json={"refresh": user.personal_token}, timeout=60)
        response.raise_for_status()
        return response.json()["access"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    executable = os.environ.get(ENV_VARIABLE)
    if not executable and os.environ.get("CI") == "true":
        pytest.fail(f"{ENV_VARIABLE} is not set: in CI the round trip must run (.ci/run installs Label Studio)")
    if not executable:
        pytest.skip(f"set {ENV_VARIABLE} to a Label Studio 1.23 `label-studio` executable (its own "
                    "virtualenv, sentry-sdk<3) to run the round trip against a real server")
    running = LabelStudioServer.start(executable, tmp_path_factory.mktemp("label-studio"))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def annotators(server):
    return [server.sign_up(f"{name}@example.com") for name in ("alice", "bob", "carol")]
