"""A tenant on a real PostgreSQL server beside one on DuckDB, behind one
HTTP gateway: each key sees only its own project, and PostgreSQL rows equal
what `mf query` returns there. The test starts its own server."""

import asyncio
import json
import os
import shutil
import subprocess

import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

from conftest import PG_PASSWORD as PASSWORD
from harness import REPO, demo_project, gateway_env
from http_harness import HttpGateway
from test_http_tenants import hash_key

KEYS = {"demo": "pg-test-demo-key", "shop": "pg-test-shop-key"}


@pytest.fixture(scope="module")
def gateway(postgres, shop_on_postgres, tmp_path_factory):
    config = {"tenants": [
        {"name": "demo", "worker": {"spawn": {"project_dir": str(demo_project())}},
         "api_key_sha256": [hash_key(KEYS["demo"])]},
        {"name": "shop", "worker": {"spawn": {"project_dir": str(shop_on_postgres),
                                              "target": "postgres"}},
         "api_key_sha256": [hash_key(KEYS["shop"])]}]}
    path = tmp_path_factory.mktemp("pg-config") / "gateway.json"
    path.write_text(json.dumps(config))
    server = HttpGateway(gateway_env(demo_project(), **postgres), ["--config", str(path)])
    yield server
    server.close()


async def call(url, key, tool, arguments):
    headers = {"Authorization": f"Bearer {key}"}
    async with streamablehttp_client(url + "/mcp", headers=headers) as (read, write, _):
        async with ClientSession(read, write) as session:
            await session.initialize()
            return await session.call_tool(tool, arguments)


def test_each_warehouse_serves_only_its_tenant(gateway):
    shop = asyncio.run(call(gateway.url, KEYS["shop"], "list_metrics", {}))
    demo = asyncio.run(call(gateway.url, KEYS["demo"], "list_metrics", {}))
    assert {"revenue", "orders"} <= {m["name"] for m in shop.structuredContent["metrics"]}
    assert "transactions" not in {m["name"] for m in shop.structuredContent["metrics"]}
    assert "revenue" not in {m["name"] for m in demo.structuredContent["metrics"]}
    health = asyncio.run(call(gateway.url, KEYS["shop"], "health_checks", {}))
    assert "POSTGRES" in health.content[0].text.upper()


def test_postgres_rows_equal_mf_query(gateway, postgres, shop_on_postgres, tmp_path):
    result = asyncio.run(call(gateway.url, KEYS["shop"], "query", {
        "metrics": ["revenue", "orders"], "group_by": ["customer__segment"],
        "order": ["customer__segment"]}))
    assert not result.isError, result.content[0].text
    # `mf` always uses the profile's default target: give it a copy of the
    # project whose default is postgres.
    copy = tmp_path / "shop"
    shutil.copytree(shop_on_postgres, copy, ignore=shutil.ignore_patterns("logs"))
    profiles = copy / "profiles.yml"
    profiles.write_text(profiles.read_text().replace("target: dev", "target: postgres"))
    out = tmp_path / "mf.csv"
    env = dict(os.environ, **postgres, DO_NOT_TRACK="1",
               DBT_PROJECT_DIR=str(copy), DBT_PROFILES_DIR=str(copy))
    subprocess.run([str(REPO / ".venv" / "bin" / "mf"), "query", "--metrics", "revenue,orders",
                    "--group-by", "customer__segment", "--order", "customer__segment",
                    "--csv", str(out)], check=True, env=env, cwd=tmp_path,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import csv
    expected = list(csv.reader(open(out)))[1:]
    got = [[str(row[0]), f"{float(row[1]):.2f}", str(row[2])]
           for row in result.structuredContent["rows"]]
    assert got == [[r[0], f"{float(r[1]):.2f}", r[2]] for r in expected]


def test_the_password_never_leaves_the_worker(gateway):
    result = asyncio.run(call(gateway.url, KEYS["shop"], "validate_configs", {}))
    assert PASSWORD not in json.dumps(result.model_dump())
