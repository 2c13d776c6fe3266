"""Shared fixtures: one gateway per project for the whole session."""

import os
import pathlib
import subprocess

import pytest

from harness import REPO, McpSession, demo_project, gateway_env


@pytest.fixture(scope="session")
def demo():
    session = McpSession(gateway_env(demo_project()))
    yield session
    session.close()


@pytest.fixture(scope="session")
def shop_project(tmp_path_factory):
    """The examples/shop project, built into a temporary directory."""
    dest = tmp_path_factory.mktemp("shop") / "shop"
    subprocess.run([str(REPO / "tools" / "make-example-project.sh"),
                    str(REPO / "examples" / "shop"), str(dest)],
                   check=True, stdout=subprocess.DEVNULL)
    return dest


def run_mf_query(project, args, tmp_path):
    """Rows that the real `mf query` CLI returns for `args`, via its --csv."""
    out = tmp_path / "mf.csv"
    env = dict(os.environ, DBT_PROJECT_DIR=str(project),
               DBT_PROFILES_DIR=str(project), DO_NOT_TRACK="1")
    subprocess.run([str(REPO / ".venv" / "bin" / "mf"), "query", *args,
                    "--csv", str(out)], check=True, cwd=tmp_path, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import csv
    with open(out) as f:
        return list(csv.reader(f))
