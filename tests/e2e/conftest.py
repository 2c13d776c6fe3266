"""Shared fixtures: one gateway per project for the whole session."""

import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest

from harness import REPO, McpSession, demo_project, gateway_env
from http_harness import HttpGateway, free_port
from worker_harness import install_worker

# The shop tenant's PostgreSQL password: it must never leave the worker.
PG_PASSWORD = "shop-pg-secret-7c1f"


# A gateway started as root runs its workers as `nobody` (README), so the
# projects tests copy into their temporary directories must be readable by
# that user. pytest keeps its own (/tmp/pytest-of-USER/...) private; under
# root the suite's temporary directories are made in one every user may
# traverse instead, and each is made traversable too.
@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    if os.geteuid() == 0 and config.option.basetemp is None:
        parent = tempfile.mkdtemp(prefix="mfgate-e2e-")
        os.chmod(parent, 0o755)
        config.option.basetemp = os.path.join(parent, "tmp")
        config.add_cleanup(lambda: shutil.rmtree(parent, ignore_errors=True))


class TraversableTempPaths:
    """pytest's tmp_path_factory, whose directories every user may traverse
    (the built-in tmp_path makes its directory through this fixture)."""

    def __init__(self, factory):
        self._factory = factory
        factory.getbasetemp().chmod(0o755)

    def mktemp(self, basename, numbered=True):
        path = self._factory.mktemp(basename, numbered)
        path.chmod(0o755)
        return path

    def __getattr__(self, name):
        return getattr(self._factory, name)


@pytest.fixture(scope="session")
def tmp_path_factory(tmp_path_factory):
    if os.geteuid() != 0:
        return tmp_path_factory
    return TraversableTempPaths(tmp_path_factory)


@pytest.fixture(scope="module")
def demo():
    # Per module, not per session: DuckDB lets one process at a time open the
    # demo's database, so this gateway's engine must be gone before another
    # module starts its own.
    session = McpSession(gateway_env(demo_project()))
    yield session
    session.close()


@pytest.fixture(scope="module")
def installed():
    """The worker installed as a package would install it, in a directory
    every user may read (install_worker); its binary and flags."""
    root = pathlib.Path(tempfile.mkdtemp(prefix="mfgate-install-"))
    root.chmod(0o755)
    yield install_worker(root / "mfgate")
    shutil.rmtree(root, ignore_errors=True)


# The API key of `keyed_http`.
HTTP_KEY = "mfgate-e2e-http-key"


@pytest.fixture(scope="module")
def keyed_http():
    """An HTTP gateway on the demo project that requires HTTP_KEY (per module,
    as `demo`)."""
    gateway = HttpGateway(gateway_env(demo_project(), MCP_REQUIRE_AUTH="true",
                                      MCP_API_KEY=HTTP_KEY))
    yield gateway
    gateway.close()


@pytest.fixture(scope="session")
def shop_project(tmp_path_factory):
    """The examples/shop project, built into a temporary directory."""
    dest = tmp_path_factory.mktemp("shop") / "shop"
    subprocess.run([str(REPO / "tools" / "make-example-project.sh"),
                    str(REPO / "examples" / "shop"), str(dest)],
                   check=True, stdout=subprocess.DEVNULL)
    return dest


@pytest.fixture(scope="session")
def slow_project(tmp_path_factory):
    """examples/shop with a model whose full scan takes minutes (slow_model/):
    calls stay in flight long enough to disconnect, cancel or drain."""
    source = tmp_path_factory.mktemp("slow-src") / "shop"
    shutil.copytree(REPO / "examples" / "shop", source)
    for model in (pathlib.Path(__file__).parent / "slow_model").iterdir():
        shutil.copy(model, source / "models" / model.name)
    dest = tmp_path_factory.mktemp("slow") / "shop"
    subprocess.run([str(REPO / "tools" / "make-example-project.sh"), str(source), str(dest)],
                   check=True, stdout=subprocess.DEVNULL)
    return dest


def run_mf_query(project, args, tmp_path):
    """Rows that the real `mf query` CLI returns for `args`, via its --csv.

    DuckDB lets one process at a time open a database file for writing, and
    the gateway's engine holds the project's: the CLI runs on a copy.
    """
    project = pathlib.Path(project).resolve()
    copy = tmp_path / "mf-project"
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns("logs", "*.wal"))
    profiles = copy / "profiles.yml"
    profiles.write_text(profiles.read_text().replace(str(project), str(copy)))
    out = tmp_path / "mf.csv"
    env = dict(os.environ, DBT_PROJECT_DIR=str(copy), DBT_PROFILES_DIR=str(copy),
               DO_NOT_TRACK="1", SHOP_DUCKDB_PATH=str(copy / "shop.duckdb"))
    subprocess.run([str(REPO / ".venv" / "bin" / "mf"), "query", *args,
                    "--csv", str(out)], check=True, cwd=tmp_path, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import csv
    with open(out) as f:
        return list(csv.reader(f))


@pytest.fixture(scope="module")
def postgres():
    # Not under pytest's tmp_path: the server's own user must reach it.
    directory = tempfile.mkdtemp(prefix="mfgate-pg-")
    port = free_port()
    script = REPO / "tools" / "postgres.sh"
    subprocess.run([str(script), "start", directory, str(port)], check=True)
    sql = (f"CREATE ROLE shop LOGIN PASSWORD '{PG_PASSWORD}'; "
           "CREATE DATABASE shop OWNER shop;")
    for statement in sql.split("; "):
        subprocess.run(["psql", "-h", directory, "-p", str(port), "-U", "postgres",
                        "-v", "ON_ERROR_STOP=1", "-q", "-c", statement], check=True)
    yield {"SHOP_PG_HOST": "127.0.0.1", "SHOP_PG_PORT": str(port), "SHOP_PG_USER": "shop",
           "SHOP_PG_PASSWORD": PG_PASSWORD, "SHOP_PG_DATABASE": "shop"}
    subprocess.run([str(script), "stop", directory])
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def shop_on_postgres(postgres, tmp_path_factory):
    project = tmp_path_factory.mktemp("shop-pg") / "shop"
    shutil.copytree(REPO / "examples" / "shop", project)
    env = dict(os.environ, **postgres, DO_NOT_TRACK="1")
    subprocess.run([str(REPO / ".venv" / "bin" / "dbt"), "build", "--target", "postgres",
                    "--project-dir", str(project), "--profiles-dir", str(project)],
                   check=True, env=env, cwd=project, stdout=subprocess.DEVNULL)
    return project
