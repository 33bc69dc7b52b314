"""Accessibility of the annotators' site: Lighthouse's accessibility score and axe-core's violations
per page, at desktop and phone size, on the demo site.

    .venv/bin/python scripts/accessibility.py                 # builds the demo site, audits it
    .venv/bin/python scripts/accessibility.py --site DIR ...  # audits sites already built (side by side)

Lighthouse 12.8 (npm `lighthouse`, the version the issue measured with; it runs on Node 20) and
axe-core 4.14 are installed from the npm registry into `.node/` when missing. Chromium is Debian's
/usr/bin/chromium (`CHROME_PATH`), run headless without a sandbox. Prints one table: a row per
page and form factor, the Lighthouse score and the failing audits, axe's serious + critical
violations (and the moderate / minor ones).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NODE = REPO / ".node"
LIGHTHOUSE = NODE / "node_modules" / "lighthouse" / "cli" / "index.js"
AXE = NODE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
PAGES = {"home": "", "task": "tasks/product-photo-subject/", "quality": "quality/", "changelog": "changelog/",
         "practise": "practise/product-photo-subject/"}
FORMS = {"desktop": 1280, "mobile": 390}


def ensure_tools() -> None:
    wanted = [spec for path, spec in ((LIGHTHOUSE, "lighthouse@12.8.2"), (AXE, "axe-core@4.14.1")) if not path.is_file()]
    if wanted:
        print(f"installing {' '.join(wanted)} into {NODE} ...", file=sys.stderr)
        subprocess.run(["npm", "install", "--prefix", str(NODE), "--no-audit", "--no-fund", "--loglevel=error", *wanted],
                       check=True)


def build_demo_site(work: Path) -> Path:
    from guidelines_tool import demo
    from guidelines_tool.docs.site import build_site

    root = work / "demo"
    print("building the demo and its site ...", file=sys.stderr)
    demo.run_demo(root)
    build_site(root, strict=True, site_dir=work / "site")
    return work / "site"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve(site: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


def lighthouse(url: str, form: str) -> tuple[int, list[str]]:
    command = ["node", str(LIGHTHOUSE), url, "--only-categories=accessibility", "--output=json", "--quiet",
               "--chrome-flags=--headless --no-sandbox --disable-gpu"]
    if form == "desktop":
        command.append("--preset=desktop")
    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "CHROME_PATH": CHROMIUM},
                            check=False)
    if result.returncode != 0:
        raise RuntimeError(f"lighthouse failed on {url}: {result.stderr[-500:]}")
    report = json.loads(result.stdout)
    category = report["categories"]["accessibility"]
    failing = sorted(ref["id"] for ref in category["auditRefs"]
                     if ref.get("weight") and report["audits"][ref["id"]].get("score") == 0)
    return round(category["score"] * 100), failing


def axe(browser, url: str, width: int) -> dict[str, list[str]]:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(url)
        page.wait_for_load_state("load")
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']}))"
                                   ".violations.map(v => [v.id, v.impact, v.nodes.length])")
    finally:
        context.close()
    out: dict[str, list[str]] = {"serious": [], "minor": []}
    for rule, impact, nodes in violations:
        out["serious" if impact in ("serious", "critical") else "minor"].append(f"{rule}×{nodes}")
    return out


def audit(label: str, site: Path, browser) -> list[tuple[str, ...]]:
    base, server = serve(site)
    rows = []
    try:
        for name, path in PAGES.items():
            if not (site / path / "index.html").is_file():
                rows.append((label, name, "-", "-", "(no such page)", "-", "-"))
                continue
            for form, width in FORMS.items():
                score, failing = lighthouse(base + path, form)
                found = axe(browser, base + path, width)
                rows.append((label, name, form, str(score), ", ".join(failing) or "-",
                             str(len(found["serious"])), ", ".join(found["serious"] + found["minor"]) or "-"))
                print(f"  {label} {name} {form}: lighthouse {score}, axe serious+critical {len(found['serious'])}",
                      file=sys.stderr)
    finally:
        server.shutdown()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", action="append", default=[], metavar="[LABEL=]DIR",
                        help="a built site to audit (repeat to compare); default: build the demo site")
    args = parser.parse_args(argv)
    ensure_tools()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as work:
        sites = [(item.split("=", 1) if "=" in item else ("site", item)) for item in args.site]
        if not sites:
            sites = [("demo", str(build_demo_site(Path(work))))]
        rows = [("site", "page", "form", "lighthouse", "failing audits", "axe serious", "axe violations")]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
            for label, folder in sites:
                rows += audit(label, Path(folder), browser)
            browser.close()
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    for label, _folder in sites:
        mine = [row for row in rows[1:] if row[0] == label and row[3] != "-"]
        scores = sorted(int(row[3]) for row in mine)
        print(f"{label}: Lighthouse accessibility min {scores[0]}, median {scores[len(scores) // 2]}, "
              f"max {scores[-1]} over {len(scores)} audits; axe serious + critical: "
              f"{sum(int(row[5]) for row in mine)} violations in total")
    return 0


if __name__ == "__main__":
    sys.exit(main())
