"""Where each arm's batch points its annotators: the rule's section on the site of their arm.

Arm A reads the main site, arm B the pilot site that `docs build --experiment NAME` writes beside
it (`<site_dir>-experiments/NAME`). The web address comes from `site_url` in mkdocs.yml (plus the
`guidelines` plugin's `prefix`); the pilot's from `--pilot-url`, else from the main site's address
with the same sibling folder (`https://host/guidelines/` → `https://host/guidelines-experiments/NAME/`,
which holds when the site folder is published at site_url's path). Without an address a link is
the built page's path from the project root (`site/tasks/t/index.html#R-1`), which opens after
a local build, and `note` says how to get web addresses instead.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from guidelines_tool.docs.pagekit import anchor, page_name
from guidelines_tool.errors import ConfigError

MKDOCS = "mkdocs.yml"


@dataclass(frozen=True)
class BatchLinks:
    """Arm → the link its batch rows carry (`guideline_url`), and what to do to get web addresses."""

    urls: dict[str, str]
    note: str = ""


@dataclass(frozen=True)
class _Config:
    site_url: str | None = None
    site_dir: str = "site"
    prefix: str = ""
    directory_urls: bool = True


def batch_links(root: Path, name: str, task_id: str, rule_id: str, pilot_url: str | None = None) -> BatchLinks:
    """The link of each arm to `rule_id`'s section (on `task_id`'s page) for experiment `name`.
    ConfigError for a `pilot_url` that is not an http(s) address."""
    config = _read_config(root)
    page = f"tasks/{page_name(task_id)}"
    fragment = "#" + anchor(rule_id)
    home = _with_prefix(config.site_url, config.prefix) if config.site_url else None
    pilot_home = _with_prefix(_pilot_home(config.site_url, name), config.prefix) if config.site_url else None
    if pilot_url:
        if urlsplit(pilot_url.strip()).scheme not in ("http", "https") or not urlsplit(pilot_url.strip()).netloc:
            raise ConfigError(f"--pilot-url must be an http(s) address, not {pilot_url!r}")
        pilot_home = _slash(pilot_url)
    web_page = page + "/" if config.directory_urls else page + ".html"
    file_page = page + "/index.html" if config.directory_urls else page + ".html"
    site_dir = config.site_dir.rstrip("/") or "site"
    pilot_dir = f"{site_dir}-experiments/{name}"
    urls = {
        "A": (home + web_page if home else posixpath.join(site_dir, _prefixed(config.prefix, file_page))) + fragment,
        "B": (pilot_home + web_page if pilot_home else posixpath.join(pilot_dir, _prefixed(config.prefix, file_page)))
        + fragment,
    }
    missing = []
    if home is None:
        missing.append("set site_url in mkdocs.yml")
    if pilot_home is None:
        missing.append("pass --pilot-url URL (where the pilot site, `guidelines docs build --experiment "
                       f"{name}`, is published)")
    note = ""
    if missing:
        note = ("batch links are paths of the built pages from the project folder; for web addresses "
                + " and ".join(missing) + ", then plan again with --force")
    return BatchLinks(urls, note)


def _read_config(root: Path) -> _Config:
    path = root / MKDOCS
    if not path.is_file():
        return _Config()
    from mkdocs.utils.yaml import yaml_load

    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml_load(handle) or {}
    except Exception:  # mkdocs' loader raises yaml errors and its own: no address, relative links
        return _Config()
    if not isinstance(data, dict):
        return _Config()
    url = data.get("site_url")
    url = str(url).strip() if url else None
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        url = None  # not a web address: a link to it would not open
    prefix = ""
    for plugin in data.get("plugins") or ():
        if isinstance(plugin, dict) and isinstance(plugin.get("guidelines"), dict):
            prefix = str(plugin["guidelines"].get("prefix") or "").strip("/")
    site_dir = str(data.get("site_dir") or "site")
    return _Config(url, site_dir, prefix, data.get("use_directory_urls", True) is not False)


def _slash(url: str) -> str:
    return url.strip().rstrip("/") + "/"


def _with_prefix(url: str | None, prefix: str) -> str | None:
    if url is None:
        return None
    return _slash(url) + (prefix + "/" if prefix else "")


def _prefixed(prefix: str, page: str) -> str:
    return f"{prefix}/{page}" if prefix else page


def _pilot_home(site_url: str | None, name: str) -> str | None:
    """The pilot's address beside the main site's: the last folder of site_url's path + `-experiments/NAME`.
    None when site_url is a host's root (no folder to put a sibling beside)."""
    if not site_url:
        return None
    parts = urlsplit(site_url.strip())
    path = parts.path.rstrip("/")
    if not path:
        return None
    return urlunsplit((parts.scheme, parts.netloc, f"{path}-experiments/{name}/", "", ""))
