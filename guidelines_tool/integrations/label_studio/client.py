"""The connection to a Label Studio server through the official `label-studio-sdk`: the only
module that imports it, and the one place its errors become messages a lead can act on (server
down, wrong URL, a token refused and why) instead of tracebacks.

Both kinds of token work, as the SDK tells them apart: a personal access token (a JWT refresh
token, Label Studio 1.23's default) is exchanged for short-lived access tokens at
`/api/token/refresh/`; a legacy token is sent as `Token <key>`, which a server accepts only with
legacy tokens enabled (`LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN=true`).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import shlex
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from guidelines_tool.integrations import IntegrationError

TOKEN_VARIABLE = "LABEL_STUDIO_API_KEY"
SDK_REQUIREMENT = "label-studio-sdk>=2.1,<3"  # the `label-studio` extra (pyproject.toml)
TIMEOUT = 60.0
TOKEN_HELP = (f"Put a personal access token in {TOKEN_VARIABLE} (Label Studio: Account & Settings → "
              "Personal Access Token); a legacy token works only when the server allows legacy tokens "
              "(LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN=true, or Organization → API Tokens Settings)")


def sdk_missing_message() -> str:
    """What to install, as a command that works as printed for the Python running the tool."""
    return (f"the Label Studio commands need the Label Studio SDK, which is an optional extra of "
            f"guidelines-tool: install it with\n  {shlex.quote(sys.executable)} -m pip install "
            f"{shlex.quote(_requirement())}")


def _requirement() -> str:
    """The extra's requirement as the installed package declares it (one place: pyproject)."""
    try:
        for requirement in importlib.metadata.requires("guidelines-tool") or ():
            name, _, marker = requirement.partition(";")
            if "label-studio" in marker and name.strip().startswith("label-studio-sdk"):
                return name.strip()
    except importlib.metadata.PackageNotFoundError:
        pass
    return SDK_REQUIREMENT


class Connection:
    """A Label Studio server, with the calls push and pull make."""

    def __init__(self, url: str, token: str) -> None:
        self.url = checked_url(url)
        self._token = token.strip()
        self._client: Any = None

    @property
    def client(self) -> Any:
        """The SDK's client, made on first use (a dry run of a new project needs no server)."""
        if self._client is None:
            if not self._token:
                raise IntegrationError(f"{TOKEN_VARIABLE} is not set. {TOKEN_HELP}")
            try:
                from label_studio_sdk import LabelStudio
            except ImportError:
                raise IntegrationError(sdk_missing_message()) from None
            with self.talking("connecting"):  # the SDK checks a JWT's expiry as it starts
                self._client = LabelStudio(base_url=self.url, api_key=self._token, timeout=TIMEOUT)
        return self._client

    # --- projects --------------------------------------------------------------------------

    def project(self, project_id: str) -> dict[str, Any]:
        with self.talking(f"reading project {project_id}", missing=self._no_project(project_id)):
            return self.client.projects.get(id=_number(project_id)).model_dump(mode="json")

    def create_project(self, title: str, config: str, instructions: str) -> tuple[dict[str, Any], datetime | None]:
        """The new project, and the server's time of the answer (None when it sent none)."""
        with self.talking(f"creating project {title!r}"):
            response = self.client.projects.with_raw_response.create(
                title=title, label_config=config, expert_instruction=instructions, show_instruction=True)
        return response.data.model_dump(mode="json"), _server_time(response.headers)

    def update_project(self, project_id: str, config: str, instructions: str) -> tuple[dict[str, Any], datetime | None]:
        with self.talking(f"updating project {project_id}", missing=self._no_project(project_id)):
            response = self.client.projects.with_raw_response.update(
                id=_number(project_id), label_config=config, expert_instruction=instructions, show_instruction=True)
        return response.data.model_dump(mode="json"), _server_time(response.headers)

    # --- tasks and their annotations -----------------------------------------------------

    def task_pages(self, project_id: str, page_size: int) -> Iterator[tuple[list[int], int]]:
        """(task ids, total tasks) a page at a time, by page number. (The SDK's own pager asks
        for one page past the end, which the server answers with 404.)"""
        page, seen = 1, 0
        while True:
            with self.talking(f"listing the tasks of project {project_id}", missing=self._no_project(project_id)):
                answer = self.client.tasks.list(project=_number(project_id), fields="task_only",
                                                page=page, page_size=page_size).response
            ids = [task.id for task in answer.tasks or ()]
            total = int(answer.total or 0)
            seen += len(ids)
            yield ids, total
            if not ids or seen >= total:
                return
            page += 1

    def export(self, project_id: str, task_ids: list[int]) -> list[dict[str, Any]]:
        """The JSON export of some tasks (every task, annotated or not, with its annotations,
        drafts and predictions). The SDK sends the task ids as `ids`; the server reads `ids[]`."""
        with self.talking(f"exporting tasks of project {project_id}", missing=self._no_project(project_id)):
            chunks = self.client.projects.exports.download_sync(
                _number(project_id), export_type="JSON", download_all_tasks=True,
                request_options={"additional_query_parameters": {"ids[]": task_ids}})
            data = b"".join(chunks)
        try:
            tasks = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise IntegrationError(f"Label Studio at {self.url} sent an export that is not JSON ({exc})") from None
        if not isinstance(tasks, list):
            raise IntegrationError(f"Label Studio at {self.url} sent an export that is not a list of tasks")
        return tasks

    def project_url(self, project_id: str) -> str:
        return f"{self.url}/projects/{project_id}/"

    # --- errors ----------------------------------------------------------------------------

    def _no_project(self, project_id: str) -> str:
        return (f"Label Studio at {self.url} has no project {project_id} (or the token's user cannot "
                "see it)")

    @contextlib.contextmanager
    def talking(self, doing: str, *, missing: str | None = None) -> Iterator[None]:
        """Turns what the SDK and httpx raise into an IntegrationError that says what to do."""
        try:
            import httpx
            from label_studio_sdk.core.api_error import ApiError
        except ImportError:
            raise IntegrationError(sdk_missing_message()) from None

        try:
            yield
        except ApiError as exc:
            raise IntegrationError(self._api_message(exc, doing, missing)) from None
        except httpx.ConnectError as exc:
            raise IntegrationError(
                f"cannot reach Label Studio at {self.url} ({_reason(exc)}): is the server running, and "
                "is --url (or LABEL_STUDIO_URL) its address?") from None
        except httpx.TimeoutException:
            raise IntegrationError(f"Label Studio at {self.url} did not answer within {TIMEOUT:.0f} s "
                                   f"while {doing}") from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise IntegrationError(f"talking to Label Studio at {self.url} failed while {doing}: "
                                   f"{_reason(exc)}") from None
        except ValueError as exc:  # an answer the SDK could not parse: not a Label Studio server?
            # (a personal access token is first exchanged at the address: a web page there
            # fails to parse as JSON inside the SDK, before any ApiError)
            raise IntegrationError(
                f"{self.url} sent an answer that is not Label Studio's API while {doing} "
                f"({type(exc).__name__}: {str(exc)[:200]}): {self._address_hint()}") from None

    def _address_hint(self) -> str:
        parts = urlsplit(self.url)
        hint = ("is --url (or LABEL_STUDIO_URL) the address you open Label Studio at, without the path "
                "of a page")
        if parts.path not in ("", "/"):
            hint += f" (perhaps {parts.scheme}://{parts.netloc})"
        return hint + "?"

    def _api_message(self, exc: Any, doing: str, missing: str | None) -> str:
        status, detail = exc.status_code, _detail(exc.body)
        if not isinstance(exc.body, dict) and (status < 500 or status == 501):
            # Label Studio's API answers JSON, errors included (a missing project too); a web
            # page means the address is not its API: another server, or a page's path in --url.
            return (f"{self.url} answered {status} with a web page, not Label Studio's API, while {doing}: "
                    f"{self._address_hint()}")
        if status == 401:
            if "legacy token" in detail.lower():
                return (f"Label Studio at {self.url} does not accept legacy tokens ({detail}). {TOKEN_HELP}")
            return f"Label Studio at {self.url} refused the token in {TOKEN_VARIABLE} ({detail}). {TOKEN_HELP}"
        if status == 403:
            return f"the token's user may not do this on Label Studio at {self.url} while {doing} ({detail})"
        if status == 404 and missing:
            return missing
        return f"Label Studio at {self.url} answered {status} while {doing}: {detail}"


def checked_url(url: str) -> str:
    """The server's address as the SDK needs it (http or https, no trailing slash), or why not."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return url
    example = f"http://{url}" if "://" not in url and url else "http://localhost:8080"
    raise IntegrationError(f"--url (or LABEL_STUDIO_URL) must be the http:// or https:// address of the "
                           f"Label Studio server, like {example}, not {url!r}")


def _detail(body: Any) -> str:
    """The readable part of an error answer: `detail`, validation errors, or the text."""
    if isinstance(body, dict):
        if body.get("validation_errors"):
            return json.dumps(body["validation_errors"], ensure_ascii=False)[:1000]
        if body.get("detail"):
            return str(body["detail"])
        return json.dumps(body, ensure_ascii=False)[:500]
    text = " ".join(str(body or "no details").split())
    return text[:300] + ("…" if len(text) > 300 else "")


def _reason(exc: Exception) -> str:
    return str(exc).strip() or type(exc).__name__


def _number(project_id: str) -> int:
    try:
        return int(project_id)
    except (TypeError, ValueError):
        raise IntegrationError(f"a Label Studio project id is a number, not {project_id!r}") from None


def _server_time(headers: Any) -> datetime | None:
    """The server's clock from an answer's `Date` header (whole seconds), UTC."""
    value = (headers or {}).get("date") or (headers or {}).get("Date")
    try:
        when = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None
    return when.astimezone(timezone.utc) if when is not None and when.tzinfo else None
