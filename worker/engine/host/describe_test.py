"""describe_warehouse.py: the profile read without dbt gives dbt's answer,
and profiles it cannot read alone are left to dbt.

Needs MFGATE_DEMO_PROJECT (the built demo project); `make test` sets it.
"""

import os
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import describe_warehouse  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[3]
SHOP = REPO / "examples" / "shop"


def both(project, target=""):
    project = str(project)
    return (describe_warehouse.describe_plainly(project, project, target),
            describe_warehouse.describe(project, project, target))


@pytest.fixture
def demo():
    path = os.environ.get("MFGATE_DEMO_PROJECT")
    assert path, "MFGATE_DEMO_PROJECT must name the demo project (make test sets it)"
    return pathlib.Path(path)


def test_a_duckdb_profile_reads_as_dbt_reads_it(demo, monkeypatch):
    monkeypatch.chdir(demo)
    plain, dbt = both(demo)
    assert plain == dbt
    assert plain["type"] == "duckdb" and plain["path"].endswith("mf_tutorial.duckdb")


def test_env_var_defaults_and_values_read_as_dbt_reads_them(monkeypatch):
    monkeypatch.chdir(SHOP)
    monkeypatch.delenv("SHOP_DUCKDB_PATH", raising=False)
    plain, dbt = both(SHOP)
    assert plain == dbt == {"type": "duckdb", "path": str(SHOP / "shop.duckdb")}
    monkeypatch.setenv("SHOP_DUCKDB_PATH", "/srv/data/other.duckdb")
    plain, dbt = both(SHOP)
    assert plain == dbt == {"type": "duckdb", "path": "/srv/data/other.duckdb"}
    monkeypatch.setenv("SHOP_PG_HOST", "db.internal")
    monkeypatch.setenv("SHOP_PG_PORT", "6543")
    plain, dbt = both(SHOP, "postgres")
    assert plain == dbt == {"type": "postgres", "host": "db.internal", "port": 6543}


@pytest.mark.parametrize("output", [
    "type: duckdb\n      path: \"{{ var('file') }}\"",          # var(): dbt's.
    "type: postgres\n      host: db\n      user: u",            # No port.
    "type: snowflake\n      account: a",                       # Other defaults.
    "type: duckdb\n      path: \"{{ env_var('MFGATE_UNSET_VAR') }}\"",
])
def test_profiles_it_cannot_read_alone_are_left_to_dbt(tmp_path, output):
    (tmp_path / "dbt_project.yml").write_text("name: p\nprofile: p\n")
    (tmp_path / "profiles.yml").write_text(
        f"p:\n  target: dev\n  outputs:\n    dev:\n      {output}\n")
    assert describe_warehouse.describe_plainly(str(tmp_path), str(tmp_path), "") is None
