"""Several workers of one tenant share its load: the gateway's channel goes
round the addresses the worker's name resolves to (as a headless Service's
DNS name resolves to each ready replica), over mutual TLS. Two real workers
on the demo project (DuckDB opened read-only by both) at 127.0.0.1 and
127.0.0.2, one gateway, the official MCP client."""

import json
import re

import httpx
import pytest

from harness import McpSession, demo_project, gateway_env
from http_harness import free_port
from pki import Pki
from worker_harness import WorkerProcess

CALLS = 20


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return Pki(tmp_path_factory.mktemp("pki"))


def queries_answered(metrics_port):
    """How many query calls the worker answered, from its /metrics."""
    text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
    return sum(int(float(value)) for value in re.findall(
        r'^mfgate_worker_requests_total\{[^}]*method="query"[^}]*\} (\S+)$', text, re.M))


def test_calls_are_shared_by_the_replicas(tmp_path, pki):
    project = demo_project()
    cert, key = pki.issue("worker-demo", ips=["127.0.0.1", "127.0.0.2"])
    gateway_cert, gateway_key = pki.issue("mfgate-gateway")
    port = free_port()
    workers, metrics_ports = [], []
    try:
        for host in ("127.0.0.1", "127.0.0.2"):
            metrics_ports.append(free_port())
            workers.append(WorkerProcess([
                "--listen", f"{host}:{port}", "--user", "root",
                "--project-dir", project, "--profiles-dir", project,
                "--tls-cert", cert, "--tls-key", key, "--tls-ca", pki.ca,
                "--metrics-listen", f"127.0.0.1:{metrics_ports[-1]}",
                "--tmp-dir", tmp_path / f"scratch-{host}"]))
        for worker in workers:
            worker.wait_for("health: SERVING")
        config = tmp_path / "gateway.json"
        config.write_text(json.dumps({
            "tenants": [{"name": "demo", "worker": {
                "address": f"ipv4:127.0.0.1:{port},127.0.0.2:{port}",
                "tls_server_name": "worker-demo"}}],
            "worker_tls": {"cert": str(gateway_cert), "key": str(gateway_key),
                           "ca": str(pki.ca)}}))
        session = McpSession(gateway_env(project), ["--config", config])
        try:
            for limit in range(1, CALLS + 1):
                result = session.call("query", {"metrics": ["transactions"],
                                                "group_by": ["metric_time__day"],
                                                "limit": limit})
                assert not result.isError, result.content[0].text
        finally:
            session.close()
        answered = [queries_answered(p) for p in metrics_ports]
        assert sum(answered) == CALLS, answered
        # Round robin over two ready replicas: each gets half, give or take
        # the calls made while the second connection was being set up.
        assert min(answered) >= CALLS // 4, answered
    finally:
        for worker in workers:
            worker.stop()
