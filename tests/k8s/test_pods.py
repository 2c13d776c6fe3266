"""The production overlay's pods, run from the built images as the manifests
say (pods.py: runc, the pod's security context, read-only root, volumes,
environment, 1024 open files, kubelet's probers), then driven end to end:
the official MCP client -> gateway pod -> mutual TLS -> worker pods -> the
demo tenant's DuckDB file in its image and the acme tenant's PostgreSQL
server (started here, on the pod network). acme runs its two replicas
behind its headless Service's name, and both share its calls."""

import asyncio
import json
import os
import re
import shutil
import subprocess
import tempfile

import httpx
import pytest
import yaml
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

from conftest import KUSTOMIZE, REPO
from pods import BIN, LAYOUT, NOFILE_HARD, Cluster

PG_PASSWORD = "acme-pg-secret-41d9"
OVERLAY = "production"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="runs pods with runc: needs root")


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster():
    assert (LAYOUT / "index.json").exists() and (BIN / "probe").exists(), \
        "make test-k8s builds the images (k8s/images/build.sh) and the probers"
    directory = tempfile.mkdtemp(prefix="mfgate-pods-")
    os.chmod(directory, 0o755)  # The pods' users traverse it to their volumes.
    running = Cluster(directory)
    yield running
    running.close()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres(cluster):
    """PostgreSQL on the pod network's gateway address, the shop example's
    tables built into its database `shop` (schema analytics)."""
    directory = tempfile.mkdtemp(prefix="mfgate-pods-pg-")
    port = free_port()
    script = REPO / "tools" / "postgres.sh"
    network = cluster.network
    subprocess.run([script, "start", directory, str(port), f"127.0.0.1,{network.gateway}",
                    f"{network.subnet}.0/24"], check=True)
    for statement in (f"CREATE ROLE shop LOGIN PASSWORD '{PG_PASSWORD}'",
                      "CREATE DATABASE shop OWNER shop"):
        subprocess.run(["psql", "-h", directory, "-p", str(port), "-U", "postgres", "-q",
                        "-v", "ON_ERROR_STOP=1", "-c", statement], check=True)
    project = directory + "-shop"
    shutil.copytree(REPO / "examples" / "shop", project)
    env = dict(os.environ, SHOP_PG_HOST="127.0.0.1", SHOP_PG_PORT=str(port),
               SHOP_PG_USER="shop", SHOP_PG_PASSWORD=PG_PASSWORD, SHOP_PG_DATABASE="shop",
               DO_NOT_TRACK="1")
    subprocess.run([REPO / ".venv" / "bin" / "dbt", "build", "--target", "postgres",
                    "--project-dir", project, "--profiles-dir", project],
                   check=True, env=env, cwd=project, stdout=subprocess.DEVNULL)
    yield {"port": port, "socket_dir": directory}
    subprocess.run([script, "stop", directory])
    shutil.rmtree(directory, ignore_errors=True)
    shutil.rmtree(project, ignore_errors=True)


@pytest.fixture(scope="module")
def deployment(cluster, postgres, tmp_path_factory):
    """The overlay as an operator prepares it: acme's warehouse address and
    port in tenants.json, make-secrets.sh, acme's warehouse.env; rendered."""
    k8s = tmp_path_factory.mktemp("k8s") / "k8s"
    shutil.copytree(REPO / "k8s", k8s, ignore=shutil.ignore_patterns(
        ".pki", "tls", "generated"))
    tenants_file = k8s / "overlays" / OVERLAY / "tenants.json"
    tenants = json.loads(tenants_file.read_text())
    for tenant in tenants["tenants"]:
        if tenant["name"] == "acme":
            tenant["warehouse"].update(address=f"{cluster.network.gateway}/32",
                                       port=postgres["port"])
    tenants_file.write_text(json.dumps(tenants))
    subprocess.run([k8s / "make-secrets.sh", "2"], check=True, capture_output=True)
    generated = k8s / "overlays" / OVERLAY / "generated"
    (generated / "acme" / "warehouse.env").write_text(
        f"WAREHOUSE_HOST={cluster.network.gateway}\nWAREHOUSE_USER=shop\n"
        f"WAREHOUSE_PASSWORD={PG_PASSWORD}\nWAREHOUSE_DATABASE=shop\n")
    text = subprocess.run([KUSTOMIZE, "build", k8s / "overlays" / OVERLAY], check=True,
                          capture_output=True, text=True).stdout
    docs = [d for d in yaml.safe_load_all(text) if d]
    keys = {t["name"]: (generated / "keys" / f"{t['name']}.key").read_text().strip()
            for t in tenants["tenants"]}
    return docs, keys


@pytest.fixture(scope="module")
def running(cluster, deployment):
    """Every Deployment's pods started; each worker Service published once its
    pods are ready (startup, then readiness probe), then the gateway."""
    docs, keys = deployment
    objects = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    deployments = [d for d in docs if d["kind"] == "Deployment"]
    workers = [d for d in deployments if d["metadata"]["name"] != "mfgate-gateway"]
    pods = {}
    for worker in workers:
        pods[worker["metadata"]["name"]] = cluster.run(worker, objects)
    for worker in workers:
        name = worker["metadata"]["name"]
        for pod in pods[name]:
            pod.wait_probe("startupProbe", timeout=120)
            pod.wait_probe("readinessProbe", timeout=300)
        cluster.publish(name, worker["metadata"]["namespace"], pods[name])
    gateway = next(d for d in deployments if d["metadata"]["name"] == "mfgate-gateway")
    # One replica of the gateway: the others would be the same process.
    pods["mfgate-gateway"] = cluster.run(gateway, objects, replicas=1)
    pods["mfgate-gateway"][0].wait_probe("readinessProbe", timeout=60)
    return pods, keys


async def mcp_call(address, key, tool, arguments):
    headers = {"Authorization": f"Bearer {key}"}
    async with streamablehttp_client(f"http://{address}:8000/mcp", headers=headers) as (
            read, write, _):
        async with ClientSession(read, write) as session:
            await session.initialize()
            return await session.call_tool(tool, arguments)


def call(running, tenant, tool, arguments):
    pods, keys = running
    result = asyncio.run(mcp_call(pods["mfgate-gateway"][0].address, keys[tenant], tool,
                                  arguments))
    assert not result.isError, result.content[0].text
    return result


def test_the_duckdb_tenant_answers_from_its_image(running):
    result = call(running, "demo", "query", {"metrics": ["transactions"],
                                             "group_by": ["metric_time__year"],
                                             "order": ["metric_time__year"]})
    rows = result.structuredContent["rows"]
    assert rows and all(int(row[1]) > 0 for row in rows), rows


def test_the_postgres_tenant_answers_from_its_warehouse(running, postgres):
    result = call(running, "acme", "query", {"metrics": ["orders"]})
    (row,) = result.structuredContent["rows"]
    counted = subprocess.run(
        ["psql", "-h", postgres["socket_dir"], "-p", str(postgres["port"]), "-U", "postgres",
         "-d", "shop", "-At", "-c", "SELECT count(*) FROM analytics.orders"],
        check=True, capture_output=True, text=True).stdout.strip()
    assert int(row[0]) == int(counted) > 0


def test_replicas_share_the_tenants_calls(running):
    pods, _ = running
    acme = pods["mfgate-worker-acme"]
    assert len(acme) == 2

    def answered(pod):
        text = httpx.get(f"http://{pod.address}:9464/metrics", timeout=10).text
        return sum(int(float(v)) for v in re.findall(
            r'^mfgate_worker_requests_total\{[^}]*method="query"[^}]*\} (\S+)$', text, re.M))

    before = [answered(p) for p in acme]
    for limit in range(1, 13):
        call(running, "acme", "query", {"metrics": ["revenue"],
                                        "group_by": ["customer__segment"], "limit": limit})
    after = [answered(p) - b for p, b in zip(acme, before)]
    assert sum(after) == 12 and min(after) >= 3, after


def test_containers_run_as_the_manifests_say(running):
    pods, _ = running
    for name, replicas in pods.items():
        pod = replicas[0]
        code, output = pod.exec("id", "-u")
        assert (code, output.strip()) == (0, "65532"), (name, output)
        code, output = pod.exec("touch", "/written")
        assert code != 0 and "Read-only file system" in output, (name, output)
        # The container starts with the pod's limits (soft 1024, hard
        # NOFILE_HARD); the worker and the gateway raise their own soft limit
        # to the hard one at start, so pid 1 shows the hard limit twice.
        # (runc exec does not give an exec'd process the spec's limits, so
        # the 1024 start is not visible from inside once raised.)
        code, output = pod.exec("cat", "/proc/1/limits")
        assert re.search(rf"Max open files\s+{NOFILE_HARD}\s+{NOFILE_HARD}\s", output), \
            (name, [line for line in output.splitlines() if "open files" in line])
        code, output = pod.exec("grep", "-E", "^(CapEff|NoNewPrivs)", "/proc/1/status")
        assert "CapEff:\t0000000000000000" in output and "NoNewPrivs:\t1" in output, output
    worker = pods["mfgate-worker-demo"][0]
    code, output = worker.exec("touch", "/srv/mfgate/project/written")
    assert code != 0, output  # The project in the image: read-only.
    code, output = worker.exec("touch", "/var/tmp/mfgate/written")
    assert code == 0, output  # The scratch volume: writable.


def test_probes_answer_as_the_manifests_expect(running):
    pods, _ = running
    for name, replicas in pods.items():
        for pod in replicas:
            for which in ("startupProbe", "livenessProbe", "readinessProbe"):
                if which in pod.container:
                    ok, output = pod.probe(which)
                    assert ok, (pod.name, which, output)


def test_pods_stop_cleanly_on_sigterm(cluster, running):
    """Last (the module's tests run in order): every pod, sent SIGTERM as the
    kubelet sends it, exits 0 within its grace period."""
    codes = cluster.stop()
    assert all(code == 0 for code in codes.values()), codes
