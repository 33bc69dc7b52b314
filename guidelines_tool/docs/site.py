"""Running MkDocs in-process for `guidelines docs build|serve`, and writing the plain pages for
`guidelines docs render` (the path that works without MkDocs: any Markdown site generator)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from guidelines_tool.docs.data import SiteData, load_site_data
from guidelines_tool.docs.pagekit import tag_name
from guidelines_tool.errors import ConfigError, GuidelinesError

MKDOCS_CONFIG = "mkdocs.yml"


@dataclass(frozen=True)
class BuildResult:
    site_dir: Path
    pages: int
    warnings: int


def write_pages(root: Path, out: Path, *, rev: str | None = None, problems: list[str] | None = None) -> list[Path]:
    """Write every generated page, chart and example asset under `out`; returns the files written,
    sorted. `problems` (when given) receives a line per missing or refused example asset."""
    data = load_site_data(root, rev=rev)
    if problems is not None and data.assets is not None:
        problems.extend(data.assets.problems)
    written = []
    for path, content in {**data.pages(), **data.charts(), **data.scripts()}.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8", newline="\n")
        written.append(target)
    for path, source in data.asset_files().items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source if isinstance(source, bytes) else source.read_bytes())
        written.append(target)
    return sorted(written)


def mkdocs_config_path(root: Path, config_file: Path | None = None) -> Path:
    path = config_file or root / MKDOCS_CONFIG
    if not path.is_file():
        raise ConfigError(f"{path} does not exist (`guidelines init` writes one)")
    return path


def _load(config_file: Path, **overrides):
    from mkdocs import exceptions
    from mkdocs.config import load_config

    try:
        return load_config(str(config_file), **overrides)
    except exceptions.ConfigurationError as exc:
        raise ConfigError(f"{config_file}: {exc}") from exc


def _plugin(cfg):
    plugin = cfg.plugins.get("guidelines")
    if plugin is None:
        raise ConfigError(f"{cfg.config_file_path}: add `guidelines` to `plugins:`")
    return plugin


def build_site(root: Path, *, config_file: Path | None = None, strict: bool = False,
               site_dir: Path | None = None, rev: str | None = None, data: SiteData | None = None) -> BuildResult:
    """Build the site in-process. With `rev`, build that release's guidelines into its own folder
    (default `<site_dir>-versions/<rev>`, e.g. `site-versions/v1.2.0`), so the release an annotator
    was trained on stays readable next to the latest. `data`: site data a caller already has
    (history, impact results), used instead of reading them again."""
    from mkdocs import exceptions
    from mkdocs.commands.build import build

    config_path = mkdocs_config_path(root, config_file)
    overrides = {"strict": strict}
    if site_dir is not None:
        overrides["site_dir"] = str(site_dir)
    cfg = _load(config_path, **overrides)
    if site_dir is None and rev is not None:
        # Not inside site_dir: MkDocs empties that folder on every build of the latest version.
        latest = Path(cfg.site_dir)
        cfg.site_dir = str(latest.with_name(latest.name + "-versions") / tag_name(rev))
    plugin = _plugin(cfg)
    plugin.rev = rev or plugin.config.rev
    plugin.preload(cfg.config_file_path, data)
    counter = _WarningCounter()
    logging.getLogger("mkdocs").addHandler(counter)
    try:
        build(cfg)
    except exceptions.Abort as exc:
        raise GuidelinesError(f"mkdocs build failed: {exc}") from exc
    except exceptions.MkDocsException as exc:
        raise GuidelinesError(f"mkdocs build failed: {exc}") from exc
    finally:
        logging.getLogger("mkdocs").removeHandler(counter)
        cfg.plugins.on_shutdown()
    pages = sum(1 for _ in Path(cfg.site_dir).rglob("*.html"))
    return BuildResult(Path(cfg.site_dir), pages, counter.count)


def serve_site(root: Path, *, config_file: Path | None = None, dev_addr: str | None = None,
               open_in_browser: bool = False) -> None:
    """`mkdocs serve` in-process; guideline files are watched, so editing a rule rebuilds."""
    from mkdocs.commands.serve import serve

    config_path = mkdocs_config_path(root, config_file)
    kwargs = {"dev_addr": dev_addr} if dev_addr else {}
    serve(str(config_path), open_in_browser=open_in_browser, livereload=True, **kwargs)


class _WarningCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
