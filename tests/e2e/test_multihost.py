"""Gateway and workers on different hosts: each worker in its own network
namespace, joined to the gateway's by a veth link, served over TCP with mutual
TLS. Cutting one worker's link, or killing the worker, leaves the other
tenant served and the affected tenant answered with a clear error; restoring
the link or the worker restores service without restarting the gateway.

Needs root (CAP_NET_ADMIN) for `ip netns` and `ip link`, as `make test` has.
"""

import asyncio
import json
import os
import subprocess
import time

import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

from harness import demo_project, gateway_env
from http_harness import HttpGateway
from pki import Pki
from test_http_tenants import hash_key
from worker_harness import WORKER, WorkerProcess, copy_project

KEYS = {"demo": "multihost-demo-key", "shop": "multihost-shop-key"}
PORT = 50051


def ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True)


class Host:
    """A network namespace linked to the gateway's by a veth pair
    10.77.N.1 (gateway side) <-> 10.77.N.2 (this host)."""

    def __init__(self, index):
        tag = f"{os.getpid() % 100000}{index}"
        self.netns = f"mfgate-test-{tag}"
        self.outside = f"mgo{tag}"
        self.address = f"10.77.{index}.2"
        ip("netns", "add", self.netns)
        ip("link", "add", self.outside, "type", "veth", "peer", "name", "eth0",
           "netns", self.netns)
        ip("addr", "add", f"10.77.{index}.1/24", "dev", self.outside)
        ip("link", "set", self.outside, "up")
        ip("-n", self.netns, "addr", "add", f"{self.address}/24", "dev", "eth0")
        ip("-n", self.netns, "link", "set", "eth0", "up")
        ip("-n", self.netns, "link", "set", "lo", "up")

    def cut(self):
        ip("link", "set", self.outside, "down")

    def restore(self):
        ip("link", "set", self.outside, "up")

    def remove(self):
        subprocess.run(["ip", "link", "del", self.outside], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.netns], capture_output=True)


class RemoteWorker:
    """mfgate-worker in `host`'s namespace, serving mutual TLS on PORT."""

    def __init__(self, host, project, pki, name):
        self.host, self.project = host, project
        self.cert, self.key = pki.issue(f"worker-{name}", ips=[host.address])
        self.ca = pki.ca
        self.start()

    def start(self):
        self.process = WorkerProcess(
            ["netns", "exec", self.host.netns, WORKER,
             "--listen", f"{self.host.address}:{PORT}", "--user", "root",
             "--project-dir", self.project, "--profiles-dir", self.project,
             "--tls-cert", self.cert, "--tls-key", self.key, "--tls-ca", self.ca],
            binary="ip")
        self.process.wait_for("health: SERVING")

    def kill(self):
        self.process.process.kill()
        self.process.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, shop_project):
    directory = tmp_path_factory.mktemp("multihost")
    pki = Pki(directory / "pki")
    hosts, workers, gateway = [], {}, None
    try:
        hosts = [Host(1), Host(2)]
        workers["demo"] = RemoteWorker(
            hosts[0], copy_project(demo_project(), directory / "demo"), pki, "demo")
        workers["shop"] = RemoteWorker(hosts[1], shop_project, pki, "shop")
        gcert, gkey = pki.issue("mfgate-gateway")
        config = {
            "tenants": [
                {"name": name, "worker": {"address": f"{host.address}:{PORT}"},
                 "api_key_sha256": [hash_key(KEYS[name])]}
                for name, host in (("demo", hosts[0]), ("shop", hosts[1]))],
            "worker_tls": {"cert": str(gcert), "key": str(gkey), "ca": str(pki.ca)},
            "timeouts": {"call_seconds": 8, "list_seconds": 8}}
        path = directory / "gateway.json"
        path.write_text(json.dumps(config))
        gateway = HttpGateway(gateway_env(demo_project()), ["--config", str(path)])
        yield gateway, hosts, workers
    finally:
        if gateway is not None:
            gateway.close()
        for worker in workers.values():
            worker.process.stop()
        for host in hosts:
            host.remove()


async def list_metrics(url, key):
    headers = {"Authorization": f"Bearer {key}"}
    async with streamablehttp_client(url + "/mcp", headers=headers) as (read, write, _):
        async with ClientSession(read, write) as session:
            await session.initialize()
            return await session.call_tool("list_metrics", {})


def call(gateway, tenant):
    return asyncio.run(list_metrics(gateway.url, KEYS[tenant]))


def served(gateway, tenant):
    result = call(gateway, tenant)
    assert not result.isError, result.content[0].text
    return {m["name"] for m in result.structuredContent["metrics"]}


def eventually_served(gateway, tenant, seconds=90):
    deadline = time.monotonic() + seconds
    while True:
        result = call(gateway, tenant)
        if not result.isError:
            return
        assert time.monotonic() < deadline, result.content[0].text
        time.sleep(1)


def test_both_tenants_are_served_across_hosts(cluster):
    gateway, _, _ = cluster
    assert "transactions" in served(gateway, "demo")
    assert "revenue" in served(gateway, "shop")


def eventually_failing(gateway, tenant, seconds):
    """The first failed list_metrics within `seconds`. A metadata answer the
    gateway kept is served while the worker's manifest stream confirms it,
    for at most 15 s of silence on that stream (README, Observability)."""
    deadline = time.monotonic() + seconds
    while True:
        result = call(gateway, tenant)
        if result.isError:
            return result.content[0].text
        assert time.monotonic() < deadline, "still served"
        time.sleep(0.5)


def test_a_cut_link_fails_one_tenant_and_spares_the_other(cluster):
    gateway, hosts, _ = cluster
    hosts[0].cut()
    try:
        cut = time.monotonic()
        text = eventually_failing(gateway, "demo", 40)
        assert "timed out" in text or "unavailable" in text, text
        # 15 s of silence, then one call that timed out (8 s) or failed.
        assert time.monotonic() - cut < 15 + 8 + 5
        assert "revenue" in served(gateway, "shop")
    finally:
        hosts[0].restore()
    eventually_served(gateway, "demo")
    assert "transactions" in served(gateway, "demo")


def test_a_killed_worker_fails_one_tenant_until_it_returns(cluster):
    gateway, _, workers = cluster
    workers["shop"].kill()
    # The gateway sees the worker's stream end at once: calls then fail
    # without waiting for their deadline.
    killed = time.monotonic()
    text = eventually_failing(gateway, "shop", 10)
    assert "worker for this project is unavailable" in text, text
    assert time.monotonic() - killed < 8  # Before the 8 s deadline.
    assert "transactions" in served(gateway, "demo")
    workers["shop"].start()
    eventually_served(gateway, "shop")
    assert "revenue" in served(gateway, "shop")
