"""The package as users get it: pyproject.toml alone builds an sdist and a wheel that carry the
schemas and the sample, and a wheel install and an editable install (PEP 660) both find them
through the one lookup in `guidelines_tool/bundled.py`.

Installs go into fresh virtual environments (no pip of their own: the test environment's pip
installs into them with `--python`); the dependencies come from the test environment through a
`.pth` file of plain paths, so nothing is downloaded and nothing of the test environment's own
editable install leaks in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tomllib
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from guidelines_tool import __version__

REPO = Path(__file__).resolve().parent.parent
SCHEMA_DIR = REPO / "schemas"
pytestmark = pytest.mark.slow


def test_every_package_is_listed_in_pyproject():
    """`packages` is a list (a mapped package is invisible to `find`): a new package must be in it."""
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(path.parent.relative_to(REPO).parts)
        for path in (REPO / "guidelines_tool").rglob("__init__.py")
        if "__pycache__" not in path.parts
    }
    missing = sorted(on_disk - listed)
    assert not missing, f"add {missing} to [tool.setuptools] packages in pyproject.toml"
    assert listed - on_disk == {"guidelines_tool._schemas", "guidelines_tool._sample"}


# --- building -------------------------------------------------------------------------------


def source_copy(target: Path) -> Path:
    """The checkout's files (tracked, and new ones git does not ignore), without build leftovers.

    Built from a copy because setuptools reuses `build/` in the source folder: a module deleted
    since the last build would otherwise reappear in the wheel.
    """
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, check=True,
                            capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        source = REPO / rel
        if source.is_file():
            destination = target / rel
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(source.read_bytes())
    return target


def run_ok(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def build_wheel(source: Path, out: Path) -> Path:
    """The wheel, built offline with the test environment's setuptools."""
    run_ok([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(source)])
    return next(out.glob("guidelines_tool-*.whl"))


@dataclass
class Built:
    source: Path
    wheel: Path
    sdist: Path
    wheel_from_sdist: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    base = tmp_path_factory.mktemp("build")
    source = source_copy(base / "src")
    wheel = build_wheel(source, base / "wheel")
    run_ok([sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", str(base / "sdist"), str(source)])
    sdist = next((base / "sdist").glob("guidelines_tool-*.tar.gz"))
    return Built(source, wheel, sdist, build_wheel(sdist, base / "wheel-from-sdist"))


def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {name for name in archive.namelist() if ".dist-info/" not in name}


def test_the_wheel_carries_the_schemas_and_the_sample(built):
    names = wheel_names(built.wheel)
    schemas = {f"guidelines_tool/_schemas/{p.name}" for p in SCHEMA_DIR.glob("*.schema.json")}
    assert schemas and schemas <= names
    assert "guidelines_tool/_sample/guidelines.yaml" in names
    assert "guidelines_tool/_sample/guidelines/product-photo-subject/task.yaml" in names
    assert "guidelines_tool/data/init/dot-github/workflows/guidelines.yml" in names
    assert not [name for name in names if "__pycache__" in name or name.startswith("guidelines_tool/_sample/site/")]


def test_the_sdist_is_complete(built):
    """A wheel built from the sdist holds what a wheel built from the checkout holds."""
    assert wheel_names(built.wheel_from_sdist) == wheel_names(built.wheel)
    with tarfile.open(built.sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"pyproject.toml", "MANIFEST.in", "README.md", "schemas/rule.schema.json", "sample_guidelines/guidelines.yaml"} <= names
    assert "setup.py" not in names


def test_building_warns_about_nothing(built, tmp_path):
    """setuptools' deprecation warnings (a license table, unlisted data folders) are gone."""
    done = run_ok([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-v", "-w", str(tmp_path), str(built.source)])
    assert "Warning" not in done.stdout + done.stderr, [line for line in (done.stdout + done.stderr).splitlines() if "Warning" in line]


# --- installing -----------------------------------------------------------------------------


class FreshEnv:
    """A new virtual environment whose only guidelines_tool is the one installed into it."""

    def __init__(self, path: Path) -> None:
        venv.EnvBuilder(with_pip=False).create(path)
        self.bindir = path / ("Scripts" if os.name == "nt" else "bin")
        self.python = self.bindir / "python"
        self.site = Path(run_ok([str(self.python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
        # the dependencies from the test environment: plain path lines, so that its .pth files
        # (its own editable guidelines_tool among them) are not run
        parents = [p for p in sys.path if p.endswith("site-packages")]
        (self.site / "zz_test_dependencies.pth").write_text("".join(f"{p}\n" for p in parents))

    def install(self, *args: str, env: dict[str, str] | None = None) -> None:
        # --ignore-installed: the test environment's own guidelines-tool is on the path (for the
        # dependencies) and would otherwise count as already installed
        run_ok([sys.executable, "-m", "pip", "--python", str(self.python), "install", "--no-deps",
                "--no-build-isolation", "--ignore-installed", "-q", *args], env={**os.environ, **(env or {})})

    def run(self, *args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bindir / "guidelines"), *args] if args[0] != "python" else [str(self.python), *args[1:]]
        env = {**os.environ, "PYTHONPATH": "", "PYTHONNOUSERSITE": "1", "NO_COLOR": "1"}
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
        if check:
            assert done.returncode == 0, f"{args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done

    def where(self, cwd: Path) -> dict[str, Path]:
        """Where the package and its two bundled folders were imported from."""
        code = ("from guidelines_tool import bundled; import guidelines_tool; "
                "print(guidelines_tool.__file__); print(bundled.schemas()); print(bundled.sample())")
        package, schemas, sample = self.run("python", "-c", code, cwd=cwd).stdout.split("\n")[:3]
        return {"package": Path(package), "schemas": Path(schemas), "sample": Path(sample)}


def workflow(project: Path) -> dict:
    return YAML(typ="safe").load((project / ".github" / "workflows" / "guidelines.yml").read_text(encoding="utf-8"))


def check_the_installed_tool(env: FreshEnv, work: Path) -> None:
    """schema, init (+ validate, the MkDocs plugin) and demo, run from a folder outside the checkout."""
    schema = env.run("schema", "--kind", "rule", cwd=work)
    assert schema.stdout == (SCHEMA_DIR / "rule.schema.json").read_text(encoding="utf-8")
    env.run("init", "project", cwd=work)
    project = work / "project"
    for kind in ("project", "task", "rule"):
        assert (project / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8") == (SCHEMA_DIR / f"{kind}.schema.json").read_text(encoding="utf-8")
    env.run("validate", cwd=project)
    (project / "guidelines/review-sentiment/rules/bad.yaml").write_text("kind: rule\nid: bad id\n")
    bad = env.run("validate", cwd=project, check=False)
    assert bad.returncode == 1 and "guidelines/review-sentiment/rules/bad.yaml:2:5: error GL103" in bad.stdout
    (project / "guidelines/review-sentiment/rules/bad.yaml").unlink()
    env.run("python", "-m", "mkdocs", "build", "--strict", "-q", cwd=project)  # the plugin, by its entry point
    assert (project / "site" / "index.html").is_file()
    env.run("demo", "demo", cwd=work)
    assert (work / "demo" / "guidelines" / "product-photo-subject" / "task.yaml").is_file()
    assert not (work / "demo" / "__init__.py").exists()


def test_installed_wheel_finds_its_schemas(built, tmp_path):
    env = FreshEnv(tmp_path / "venv")
    env.install(str(built.wheel))
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = env.where(work)
    for path in where.values():
        assert path.is_relative_to(env.site), where
    check_the_installed_tool(env, work)
    # a wheel file on this machine is no source for CI: the workflow says what to put there
    text = (work / "project" / ".github" / "workflows" / "guidelines.yml").read_text(encoding="utf-8")
    assert workflow(work / "project")["env"]["GUIDELINES_TOOL"] == ""
    assert f"was installed from the file {built.wheel.as_uri()}" in " ".join(text.replace("  # ", " ").split())


def test_editable_install_finds_the_checkout_folders(built, tmp_path):
    env = FreshEnv(tmp_path / "venv")
    env.install("-e", str(built.source))
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = env.where(work)
    assert where == {"package": built.source / "guidelines_tool" / "__init__.py",
                     "schemas": built.source / "schemas", "sample": built.source / "sample_guidelines"}
    check_the_installed_tool(env, work)
    text = (work / "project" / ".github" / "workflows" / "guidelines.yml").read_text(encoding="utf-8")
    assert workflow(work / "project")["env"]["GUIDELINES_TOOL"] == ""
    assert f"was installed from the folder {built.source.as_uri()} (an editable install)" in " ".join(text.replace("  # ", " ").split())


def test_an_uninstalled_source_folder_says_so(tmp_path):
    """guidelines_tool imported from its folder without an install: a clear error, no traceback."""
    source = tmp_path / "src"
    source_copy(source)
    env = FreshEnv(tmp_path / "venv")  # the dependencies, but no guidelines_tool
    done = subprocess.run([str(env.python), "-m", "guidelines_tool", "schema"], cwd=source, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": "", "PYTHONNOUSERSITE": "1"})
    assert done.returncode == 2, done.stderr
    assert "cannot find the JSON Schemas (schemas/), which ship with the tool: install guidelines_tool" in done.stderr
    assert "Traceback" not in done.stderr


# --- where the CI workflow `init` writes installs the tool from (issue 17, item 13) ----------

TOOL_URL = "https://git.example.test/team/guidelines_tool.git"  # rewritten to a local repository


@dataclass
class ToolRepo:
    path: Path
    sha: str
    git_env: dict[str, str]  # makes TOOL_URL clone the local repository


@pytest.fixture(scope="module")
def tool_repo(built, tmp_path_factory) -> ToolRepo:
    """The tool's source as a git repository tagged v0.1.0, reachable as TOOL_URL through git's
    `url.<base>.insteadOf`: pip clones and records the https URL, git reads the local folder."""
    base = tmp_path_factory.mktemp("tool-repo")
    repo = base / "guidelines_tool"
    (base / "gitconfig").write_text(
        f'[url "{repo.as_uri()}"]\n\tinsteadOf = {TOOL_URL}\n[user]\n\tname = Tool Dev\n\temail = dev@example.com\n'
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n[tag]\n\tgpgsign = false\n"
    )
    git_env = {"GIT_CONFIG_GLOBAL": str(base / "gitconfig"), "GIT_CONFIG_NOSYSTEM": "1",
               "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+00:00", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+00:00"}
    env = {**os.environ, **git_env}
    subprocess.run(["cp", "-a", str(built.source), str(repo)], check=True)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "guidelines_tool 0.1.0"], ["tag", "v0.1.0"]):
        run_ok(["git", *args], cwd=repo, env=env)
    sha = run_ok(["git", "rev-parse", "HEAD"], cwd=repo, env=env).stdout.strip()
    return ToolRepo(repo, sha, git_env)


def init_with(env: FreshEnv, work: Path) -> tuple[str, str]:
    """`guidelines init` run by the tool in `env`: the workflow's GUIDELINES_TOOL and its comment."""
    work.mkdir(exist_ok=True)
    env.run("init", "project", cwd=work)
    text = (work / "project" / ".github" / "workflows" / "guidelines.yml").read_text(encoding="utf-8")
    comment = " ".join(line.strip().removeprefix("#") for line in text.splitlines() if line.startswith("  #"))
    return workflow(work / "project")["env"]["GUIDELINES_TOOL"], " ".join(comment.split())


def run_install_step(env: FreshEnv, project: Path, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The workflow's "Install guidelines_tool" step, its script run as GitHub runs it (bash -eo
    pipefail), with its `env:` and with `pip` installing into `env`."""
    data = workflow(project)
    step = next(step for step in data["jobs"]["validate"]["steps"] if step.get("name") == "Install guidelines_tool")
    pip = env.bindir / "pip"  # the test environment's pip, installing into `env`
    pip.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m pip --python "{env.python}" "$@"\n')
    pip.chmod(0o755)
    run_env = {**os.environ, **data["env"], **(extra or {}), "PATH": f"{env.bindir}{os.pathsep}{os.environ['PATH']}",
               # offline: the dependencies are in the test environment, the build backend too
               # (PIP_NO_BUILD_ISOLATION=0 is how pip's environment spells --no-build-isolation)
               "PIP_NO_DEPS": "1", "PIP_NO_BUILD_ISOLATION": "0", "PIP_IGNORE_INSTALLED": "1",
               "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=project,
                          capture_output=True, text=True, env=run_env)


def test_a_vcs_install_pins_its_commit_and_that_line_installs(tool_repo, tmp_path):
    env = FreshEnv(tmp_path / "venv")
    env.install(f"guidelines-tool @ git+{TOOL_URL}@v0.1.0", env=tool_repo.git_env)
    value, comment = init_with(env, tmp_path / "work")
    assert value == f"guidelines-tool @ git+{TOOL_URL}@{tool_repo.sha}"
    assert f"was installed from the git repository {TOOL_URL} at v0.1.0 (commit {tool_repo.sha[:12]})" in comment
    # the line works: the workflow's Install step, as written, in another fresh environment
    ci = FreshEnv(tmp_path / "ci")
    done = run_install_step(ci, tmp_path / "work" / "project", tool_repo.git_env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert ci.run("--version", cwd=tmp_path).stdout.startswith("guidelines, version ")
    recorded = json.loads(next(ci.site.glob("guidelines_tool-*.dist-info")).joinpath("direct_url.json").read_text())
    assert recorded["vcs_info"]["commit_id"] == tool_repo.sha


def test_a_local_git_install_gets_the_placeholder_the_install_step_explains(tool_repo, tmp_path):
    env = FreshEnv(tmp_path / "venv")
    env.install(f"guidelines-tool @ git+{tool_repo.path.as_uri()}@v0.1.0", env=tool_repo.git_env)
    value, comment = init_with(env, tmp_path / "work")
    assert value == ""
    assert f"was installed from the git repository {tool_repo.path.as_uri()} at v0.1.0, which a CI runner cannot reach" in comment
    assert 'for example GUIDELINES_TOOL: "guidelines-tool @ git+https://' in comment
    done = run_install_step(FreshEnv(tmp_path / "ci"), tmp_path / "work" / "project")
    assert done.returncode == 1
    assert done.stdout.startswith("::error file=.github/workflows/guidelines.yml,title=Where should CI install guidelines_tool from?::")
    assert "GUIDELINES_TOOL at the top of .github/workflows/guidelines.yml is empty" in done.stdout


def test_an_index_install_pins_its_version_and_that_line_installs(built, tmp_path):
    index = tmp_path / "index"  # a find-links folder: pip installs by name and version, no direct URL
    index.mkdir()
    (index / built.wheel.name).write_bytes(built.wheel.read_bytes())
    env = FreshEnv(tmp_path / "venv")
    env.install("--no-index", "--find-links", str(index), "guidelines-tool")
    assert not next(env.site.glob("guidelines_tool-*.dist-info")).joinpath("direct_url.json").exists()
    value, comment = init_with(env, tmp_path / "work")
    assert value == f"guidelines-tool=={__version__}"
    assert f"was installed from a package index (version {__version__})" in comment
    ci = FreshEnv(tmp_path / "ci")
    done = run_install_step(ci, tmp_path / "work" / "project", {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(index)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert ci.run("--version", cwd=tmp_path).stdout.startswith("guidelines, version ")
