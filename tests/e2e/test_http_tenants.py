"""Two tenants with different dbt projects behind one HTTP gateway: each key
reaches only its own tenant's worker, metrics and sessions."""

import asyncio
import json
import subprocess
import time

import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

from harness import GATEWAY, demo_project, gateway_env
from http_harness import HttpGateway

KEYS = {"demo": "demo-tenant-key", "shop": "shop-tenant-key"}


def hash_key(key):
    """The digest `mfgate hash-key` prints (the config never holds keys)."""
    done = subprocess.run([str(GATEWAY), "hash-key"], input=key.encode(),
                          capture_output=True, check=True)
    return done.stdout.decode().strip()


@pytest.fixture(scope="module")
def gateway(shop_project, tmp_path_factory):
    config = {"tenants": [
        {"name": "demo", "worker": {"spawn": {"project_dir": str(demo_project())}},
         "api_key_sha256": [hash_key(KEYS["demo"])],
         "tools": {"deny": ["validate_configs"], "naming": ["dbt-mcp"]},
         "query_limits": {"max_rows": 3}},
        {"name": "shop", "worker": {"spawn": {"project_dir": str(shop_project)}},
         "api_key_sha256": [hash_key(KEYS["shop"])]}]}
    path = tmp_path_factory.mktemp("config") / "gateway.json"
    path.write_text(json.dumps(config))
    server = HttpGateway(gateway_env(demo_project()), ["--config", str(path)])
    yield server
    assert server.close() == 0


async def metric_names(url, key):
    headers = {"Authorization": f"Bearer {key}"}
    async with streamablehttp_client(url + "/mcp", headers=headers) as (read, write, _):
        async with ClientSession(read, write) as session:
            await session.initialize()
            result = await session.call_tool("list_metrics", {})
            assert not result.isError, result.content[0].text
            return {m["name"] for m in result.structuredContent["metrics"]}


async def tools_and_a_query(url, key, query):
    headers = {"Authorization": f"Bearer {key}"}
    async with streamablehttp_client(url + "/mcp", headers=headers) as (read, write, _):
        async with ClientSession(read, write) as session:
            await session.initialize()
            listed = {tool.name for tool in (await session.list_tools()).tools}
            result = await session.call_tool(query, {"metrics": ["orders", "transactions"],
                                                     "limit": 4})
            return listed, result


def test_each_tenant_serves_the_tools_it_chose(gateway):
    demo, demo_query = asyncio.run(tools_and_a_query(gateway.url, KEYS["demo"],
                                                     "query_metrics"))
    shop, shop_query = asyncio.run(tools_and_a_query(gateway.url, KEYS["shop"], "query"))
    # demo: dbt-mcp's names, no validate_configs, at most 3 rows.
    assert {"query_metrics", "get_dimensions", "list_metrics"} <= demo
    assert "query" not in demo and "validate_configs" not in demo
    assert demo_query.isError
    assert demo_query.content[0].text.startswith("limit: at most 3")
    # shop: the defaults.
    assert {"query", "list_dimensions", "validate_configs"} <= shop
    assert "query_metrics" not in shop
    assert shop_query.isError  # Its metrics are not transactions...
    assert "limit" not in shop_query.content[0].text.split(":")[0]  # ...limit is fine.


def test_hash_key_prints_a_sha256():
    assert len(hash_key("anything")) == 64


def test_each_key_sees_only_its_own_project(gateway):
    demo = asyncio.run(metric_names(gateway.url, KEYS["demo"]))
    shop = asyncio.run(metric_names(gateway.url, KEYS["shop"]))
    assert "transactions" in demo and "revenue" not in demo
    assert "revenue" in shop and "transactions" not in shop


def test_a_session_cannot_be_used_with_another_tenants_key(gateway):
    session = gateway.initialize({"Authorization": f"Bearer {KEYS['demo']}"})
    ping = {"jsonrpc": "2.0", "id": 5, "method": "ping"}
    other = {"Authorization": f"Bearer {KEYS['shop']}", "Mcp-Session-Id": session}
    assert gateway.post("/mcp", ping, other).status_code == 404
    own = {"Authorization": f"Bearer {KEYS['demo']}", "Mcp-Session-Id": session}
    assert gateway.post("/mcp", ping, own).status_code == 200


def test_keys_never_appear_in_the_logs(gateway):
    asyncio.run(metric_names(gateway.url, KEYS["demo"]))
    gateway.post("/mcp", {"jsonrpc": "2.0", "id": 1, "method": "ping"},
                 {"Authorization": "Bearer not-a-key-at-all"})
    assert gateway.close() == 0  # The log is complete once it has exited.
    log = gateway.log
    for key in [*KEYS.values(), "not-a-key-at-all"]:
        assert key not in log


def limited_gateway(tmp_path_factory, limits):
    config = {"tenants": [{"name": "demo", "worker": {"spawn": {"project_dir": str(demo_project())}},
                           "api_key_sha256": [hash_key(KEYS["demo"])]}],
              "limits": limits}
    path = tmp_path_factory.mktemp("limited") / "gateway.json"
    path.write_text(json.dumps(config))
    return HttpGateway(gateway_env(demo_project()), ["--config", str(path)])


@pytest.fixture
def rate_limited(tmp_path_factory):
    server = limited_gateway(tmp_path_factory, {"requests_per_second": 0.5, "burst": 3})
    yield server
    server.close()


@pytest.fixture
def auth_throttled(tmp_path_factory):
    server = limited_gateway(tmp_path_factory, {"max_auth_failures_per_minute": 3})
    yield server
    server.close()


PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}


def test_a_flood_past_the_rate_limit_gets_429_with_retry_after(rate_limited):
    auth = {"Authorization": f"Bearer {KEYS['demo']}"}
    statuses = [rate_limited.post("/mcp", PING, auth).status_code for _ in range(5)]
    # Admitted (400: no session yet) for the burst, then limited.
    assert statuses == [400, 400, 400, 429, 429]
    reply = rate_limited.post("/mcp", PING, auth)
    assert reply.status_code == 429
    assert int(reply.headers["retry-after"]) >= 1


def test_failed_keys_are_throttled_but_a_valid_key_never_is(auth_throttled):
    codes = [auth_throttled.post("/mcp", PING, {"Authorization": "Bearer guess"}).status_code
             for _ in range(5)]
    assert codes == [401, 401, 401, 429, 429]
    # The same address with the right key is admitted (400: no session yet).
    assert auth_throttled.post("/mcp", PING, {"Authorization": f"Bearer {KEYS['demo']}"}
                               ).status_code == 400


@pytest.fixture
def with_a_dead_tenant(tmp_path_factory):
    config = {"tenants": [
        {"name": "demo", "worker": {"spawn": {"project_dir": str(demo_project())}},
         "api_key_sha256": [hash_key(KEYS["demo"])],
         "tools": {"deny": ["validate_configs"], "naming": ["dbt-mcp"]},
         "query_limits": {"max_rows": 3}},
        {"name": "ghost", "worker": {"address": "unix:/nonexistent/mfgate-ghost.sock"},
         "api_key_sha256": [hash_key("ghost-key")]}],
        "timeouts": {"list_seconds": 20}}
    path = tmp_path_factory.mktemp("ghost") / "gateway.json"
    path.write_text(json.dumps(config))
    server = HttpGateway(gateway_env(demo_project()), ["--config", str(path)])
    yield server
    server.close()


def test_a_dead_worker_delays_no_other_tenant(with_a_dead_tenant):
    import threading
    import time

    url = with_a_dead_tenant.url
    asyncio.run(metric_names(url, KEYS["demo"]))  # The demo worker is up.
    ghost_result = {}

    def call_ghost():
        async def go():
            headers = {"Authorization": "Bearer ghost-key"}
            async with streamablehttp_client(url + "/mcp", headers=headers) as (r, w, _):
                async with ClientSession(r, w) as session:
                    await session.initialize()
                    return await session.call_tool("list_metrics", {})
        ghost_result["value"] = asyncio.run(go())

    ghost = threading.Thread(target=call_ghost)
    ghost.start()
    time.sleep(0.5)  # The ghost's call is now waiting for its worker.
    begin = time.monotonic()
    assert "transactions" in asyncio.run(metric_names(url, KEYS["demo"]))
    assert time.monotonic() - begin < 2.5
    ghost.join(60)
    result = ghost_result["value"]
    assert result.isError
    assert "timed out" in result.content[0].text
    assert httpx_ready(url) == 503


def httpx_ready(url):
    import httpx
    return httpx.get(url + "/ready", headers={"Authorization": f"Bearer {KEYS['demo']}"},
                     timeout=30).status_code


def test_idle_sessions_make_room_and_expire(tmp_path_factory):
    """At the cap, a new session evicts the least recently used idle one; idle
    sessions also expire on their own (test_http_sessions.py has the rest).
    Either way only the gateway's memory of them goes: their ids are signed
    tokens, which rebuild them on their next request while valid."""
    server = limited_gateway(tmp_path_factory, {"idle_session_seconds": 1,
                                                "max_sessions_per_tenant": 2})
    try:
        auth = {"Authorization": f"Bearer {KEYS['demo']}"}
        first = server.initialize(auth)
        second = server.initialize(auth)
        server.initialize(auth)  # Evicts `first`, the least recently used.
        assert server.post("/mcp", PING, {**auth, "Mcp-Session-Id": first}).status_code == 200
        assert server.post("/mcp", PING, {**auth, "Mcp-Session-Id": second}).status_code == 200
    finally:
        server.close()
