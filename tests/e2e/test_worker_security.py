"""The worker's least privilege, proved from outside: what /proc shows of the
engine, what the confined engine gets when it tries forbidden things, who may
connect to the worker, and mutual TLS between gateway and worker."""

import json
import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from harness import McpSession, REPO, demo_project, gateway_env
from http_harness import free_port
from pki import Pki
from worker_harness import WORKER, WorkerProcess, copy_project

UNPRIVILEGED = 65532

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to another user")


def proc_status(pid):
    fields = {}
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.strip()
    return fields


@pytest.fixture
def open_dir():
    """A directory other users may traverse (pytest's own are private)."""
    path = pathlib.Path(tempfile.mkdtemp(prefix="mfgate-security-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_root_without_user_is_refused(tmp_path):
    project = demo_project()
    result = subprocess.run([str(WORKER), "--listen", f"unix:{tmp_path}/w.sock",
                             "--project-dir", str(project), "--profiles-dir", str(project)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "refusing to run as root: pass --user" in result.stderr


def test_worker_and_engine_run_confined_as_the_user(open_dir, installed):
    binary, flags = installed
    project = copy_project(demo_project(), open_dir / "project", owner=UNPRIVILEGED)
    scratch = open_dir / "scratch"
    scratch.mkdir()
    os.chown(scratch, UNPRIVILEGED, UNPRIVILEGED)
    worker = WorkerProcess([*flags, "--listen", f"unix:{open_dir}/w.sock",
                            "--project-dir", project, "--profiles-dir", project,
                            "--tmp-dir", scratch, "--user", f"{UNPRIVILEGED}:{UNPRIVILEGED}"],
                           binary=binary)
    try:
        worker.wait_for("health: SERVING")
        socket_stat = os.stat(open_dir / "w.sock")
        assert oct(socket_stat.st_mode & 0o777) == "0o600"
        assert socket_stat.st_uid == UNPRIVILEGED
        assert proc_status(worker.process.pid)["Uid"].split()[0] == str(UNPRIVILEGED)
        # Every engine of the pool (two for DuckDB), once both are up.
        deadline = time.monotonic() + 300
        while worker.log.count("engine: ready") < 2 or len(worker.children()) != 2:
            assert time.monotonic() < deadline, worker.log
            time.sleep(0.1)
        for pid in worker.children():
            engine = proc_status(pid)
            assert engine["Uid"].split() == [str(UNPRIVILEGED)] * 4
            assert engine["NoNewPrivs"] == "1"
            assert engine["Seccomp"] == "2"  # A filter is installed.
            assert engine["CapEff"] == engine["CapBnd"] == "0000000000000000"
            limits = pathlib.Path(f"/proc/{pid}/limits").read_text()
            assert "Max open files            1024" in limits
            environ = pathlib.Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            names = {entry.split(b"=")[0].decode() for entry in environ if entry}
            assert "MFGATE_TEST_SECRET" not in names and "PATH" in names
    finally:
        assert worker.stop() == 0, worker.log


def check_confinement(installed, project, attempts, extra=(), env=None):
    binary, flags = installed
    result = subprocess.run(
        [str(binary), *flags, "--listen", "unix:/nonexistent/unused.sock",
         "--project-dir", str(project), "--profiles-dir", str(project),
         "--user", f"{UNPRIVILEGED}:{UNPRIVILEGED}", *extra,
         "--check-confinement", ",".join(attempts)],
        capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_confined_engine_cannot_reach_what_it_must_not(open_dir, installed, shop_project):
    project = copy_project(demo_project(), open_dir / "project", owner=UNPRIVILEGED)
    # Another tenant's credentials, readable by the engine's user were it not
    # for the confinement.
    other = copy_project(shop_project, open_dir / "other-tenant", owner=UNPRIVILEGED)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    env = dict(os.environ, MFGATE_TEST_SECRET="s3cr3t")
    report = check_confinement(installed, project, [
        f"read:{other}/profiles.yml", f"read:{project}/dbt_project.yml",
        f"read:{project}/profiles.yml", f"duckdb:{project}/profiles.yml",
        f"duckdb:{project}/dbt_project.yml", f"read:{project}/mf_tutorial.duckdb",
        f"write:{project}/mf_tutorial.duckdb",
        f"write:{project}/models/injected.sql", f"write:{project}/target/ok",
        f"connect:127.0.0.1:{port}", "exec:/bin/sh", "read:/root/.bashrc"], env=env)
    listener.close()
    assert report[f"read:{other}/profiles.yml"] == "EACCES"
    assert report[f"read:{project}/dbt_project.yml"] == "ok"
    # Its own profile too: the worker hands it over the pipe, and nothing the
    # engine runs — DuckDB's file readers included — can read the file.
    assert report[f"read:{project}/profiles.yml"] == "EACCES"
    assert report[f"duckdb:{project}/profiles.yml"] == "EACCES"
    assert report[f"duckdb:{project}/dbt_project.yml"] == "ok"  # The probe works.
    # The warehouse is read, never written.
    assert report[f"read:{project}/mf_tutorial.duckdb"] == "ok"
    assert report[f"write:{project}/mf_tutorial.duckdb"] == "EACCES"
    assert report[f"write:{project}/models/injected.sql"] == "EACCES"
    # Nor its artifacts: dbt writes those under the scratch directory.
    assert report[f"write:{project}/target/ok"] == "EACCES"
    assert report[f"connect:127.0.0.1:{port}"] == "EACCES"  # DuckDB: no network.
    assert report["exec:/bin/sh"] == "EACCES"
    assert report["read:/root/.bashrc"] == "EACCES"
    assert report["status"]["Uid"] == str(UNPRIVILEGED)
    assert report["status"]["NoNewPrivs"] == "1" and report["status"]["Seccomp"] == "2"
    assert "MFGATE_TEST_SECRET" not in report["environment"]
    assert report["umask"] == "0o77"


def test_networked_warehouse_reaches_its_port_only(open_dir, installed, shop_project):
    project = copy_project(shop_project, open_dir / "shop", owner=UNPRIVILEGED)
    warehouse = socket.create_server(("127.0.0.1", 0))
    elsewhere = socket.create_server(("127.0.0.1", 0))
    wport, eport = warehouse.getsockname()[1], elsewhere.getsockname()[1]
    env = dict(os.environ, SHOP_PG_PORT=str(wport), SHOP_PG_PASSWORD="pw-in-env")
    report = check_confinement(installed, project,
                               [f"connect:127.0.0.1:{wport}", f"connect:127.0.0.1:{eport}",
                                f"read:{project}/profiles.yml"],
                               extra=["--target", "postgres"], env=env)
    warehouse.close()
    elsewhere.close()
    assert report[f"connect:127.0.0.1:{wport}"] == "ok"
    assert report[f"connect:127.0.0.1:{eport}"] == "EACCES"
    # The profile reads these with env_var(): they reach the engine over its
    # pipe with the profile, not in its environment (/proc/PID/environ).
    assert not {"SHOP_PG_PORT", "SHOP_PG_PASSWORD"} & set(report["environment"])
    assert report[f"read:{project}/profiles.yml"] == "EACCES"


def test_unix_socket_serves_only_the_gateways_user(open_dir, installed):
    binary, flags = installed
    project = copy_project(demo_project(), open_dir / "project", owner=UNPRIVILEGED)
    sock = open_dir / "w.sock"
    worker = WorkerProcess([*flags, "--listen", f"unix:{sock}", "--project-dir", project,
                            "--profiles-dir", project, "--user", str(UNPRIVILEGED)],
                           binary=binary)
    try:
        worker.wait_for("running as")
        os.chmod(sock, 0o666)  # Past the file mode: the peer check must hold alone.
        pid = os.fork()
        if pid == 0:  # A stranger: neither the gateway's user nor the worker's.
            try:
                os.setgid(UNPRIVILEGED + 1)
                os.setuid(UNPRIVILEGED + 1)
                client = socket.socket(socket.AF_UNIX)
                client.connect(str(sock))
                client.settimeout(10)
                client.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
                os._exit(0 if client.recv(100) == b"" else 1)
            except ConnectionError:
                os._exit(0)  # Closed on it: refused.
            except BaseException:
                os._exit(3)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, "the stranger was served"
        worker.wait_for(f"refused a connection from uid {UNPRIVILEGED + 1}")
    finally:
        worker.stop()


def test_plaintext_tcp_off_loopback_is_refused():
    project = demo_project()
    result = subprocess.run([str(WORKER), "--listen", "0.0.0.0:1", "--user", "root",
                             "--project-dir", str(project), "--profiles-dir", str(project)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "refusing plaintext gRPC" in result.stderr


def test_engine_that_cannot_start_ends_the_worker_cleanly_under_connections(tmp_path):
    """A worker whose engine cannot be created keeps its socket, says why (in
    its log, and to every call), and on SIGTERM exits with status 0, also while
    clients keep connecting to its socket (the gateway connects as soon as the
    socket exists); it once crashed on its way out about half the time, handing
    a connection to a server already destroyed."""
    project = demo_project()
    env = dict(os.environ, MFGATE_PYTHON=str(tmp_path / "no-such-python"))
    for attempt in range(8):
        sock = tmp_path / f"w{attempt}.sock"
        log = tmp_path / f"w{attempt}.log"
        with open(log, "wb") as stderr:
            worker = subprocess.Popen(
                [str(WORKER), "--listen", f"unix:{sock}", "--user", "root",
                 "--project-dir", str(project), "--profiles-dir", str(project)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr, env=env)
        clients = []
        terminated = False
        deadline = time.monotonic() + 60
        try:
            while worker.poll() is None and time.monotonic() < deadline:
                if not terminated and "cannot start" in log.read_text(errors="replace"):
                    worker.terminate()
                    terminated = True
                client = socket.socket(socket.AF_UNIX)
                try:
                    client.connect(str(sock))
                    client.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
                    clients.append(client)
                except OSError:  # Not bound yet, or already closed.
                    client.close()
                    time.sleep(0.001)
        finally:
            for client in clients:
                client.close()
            if worker.poll() is None:
                worker.kill()
            worker.wait()
        text = log.read_text(errors="replace")
        assert terminated, f"attempt {attempt}: no start failure logged\n{text}"
        assert worker.returncode == 0, f"attempt {attempt}: {worker.returncode}\n{text}"
        assert "no-such-python' is not executable" in text


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return Pki(tmp_path_factory.mktemp("pki"))


def tls_gateway_config(directory, port, cert, key, ca, start_seconds=None):
    config = {
        "tenants": [{"name": "demo", "worker": {"address": f"127.0.0.1:{port}",
                                                 "tls_server_name": "worker-demo"}}],
        "worker_tls": {"cert": str(cert), "key": str(key), "ca": str(ca)}}
    if start_seconds is not None:
        config["timeouts"] = {"worker_start_seconds": start_seconds}
    path = directory / "gateway.json"
    path.write_text(json.dumps(config))
    return str(path)


def test_mutual_tls_serves_the_gateway_and_refuses_other_certificates(tmp_path, pki):
    project = copy_project(demo_project(), tmp_path / "project")
    wcert, wkey = pki.issue("worker-demo", ips=["127.0.0.1"])
    gcert, gkey = pki.issue("mfgate-gateway")
    icert, ikey = pki.issue("intruder")
    port = free_port()
    worker = WorkerProcess(["--listen", f"127.0.0.1:{port}", "--user", "root",
                            "--project-dir", project, "--profiles-dir", project,
                            "--tls-cert", wcert, "--tls-key", wkey, "--tls-ca", pki.ca])
    try:
        worker.wait_for("health: SERVING")
        env = gateway_env(project)
        good = McpSession(env, ["--config", tls_gateway_config(tmp_path, port, gcert, gkey,
                                                                 pki.ca)])
        try:
            result = good.call("list_metrics")
            assert not result.isError, result.content[0].text
            assert "transactions" in result.content[0].text
        finally:
            good.close()
        (tmp_path / "bad").mkdir()
        bad = McpSession(env, ["--config", tls_gateway_config(tmp_path / "bad", port, icert,
                                                                ikey, pki.ca, 5)])
        try:
            result = bad.call("list_metrics", timeout=120)
            assert result.isError
            assert "client certificate is not the gateway's" in result.content[0].text
        finally:
            bad.close()
        assert "refused a call: the client certificate does not name 'mfgate-gateway'" \
            in worker.log
    finally:
        assert worker.stop() == 0, worker.log


def test_mount_namespace_fallback_confines_a_real_engine(open_dir, installed, shop_project):
    """Kernels without Landlock get a mount namespace (forced here): other
    tenants' files do not exist for the engine, the project is read-only, and
    MetricFlow still loads and answers."""
    project = copy_project(demo_project(), open_dir / "mounts-project", owner=UNPRIVILEGED)
    other = copy_project(shop_project, open_dir / "mounts-other", owner=UNPRIVILEGED)
    mounts = ["--engine-file-system", "mounts"]
    report = check_confinement(installed, project, [
        f"read:{other}/profiles.yml", f"read:{project}/dbt_project.yml",
        f"read:{project}/profiles.yml", f"duckdb:{project}/profiles.yml",
        f"write:{project}/mf_tutorial.duckdb",
        f"write:{project}/models/injected.sql", f"write:{project}/target/ok",
        "read:/root/.bashrc"], extra=mounts)
    assert report[f"read:{other}/profiles.yml"] == "ENOENT"
    assert report[f"read:{project}/dbt_project.yml"] == "ok"
    # The project's own profile is not in the engine's root at all.
    assert report[f"read:{project}/profiles.yml"] == "ENOENT"
    assert report[f"duckdb:{project}/profiles.yml"] == "ENOENT"
    assert report[f"write:{project}/mf_tutorial.duckdb"] == "EROFS"
    assert report[f"write:{project}/models/injected.sql"] == "EROFS"
    assert report[f"write:{project}/target/ok"] == "EROFS"
    assert report["read:/root/.bashrc"] == "ENOENT"
    assert report["status"]["NoNewPrivs"] == "1" and report["status"]["Seccomp"] == "2"

    binary, flags = installed
    scratch = open_dir / "mounts-scratch"
    scratch.mkdir()
    os.chown(scratch, UNPRIVILEGED, UNPRIVILEGED)
    worker = WorkerProcess([*flags, *mounts, "--listen", f"unix:{open_dir}/m.sock",
                            "--project-dir", project, "--profiles-dir", project,
                            "--tmp-dir", scratch, "--user", f"{UNPRIVILEGED}:{UNPRIVILEGED}"],
                           binary=binary)
    try:
        worker.wait_for("health: SERVING")
        config = open_dir / "mounts-gateway.json"
        config.write_text(json.dumps({"tenants": [
            {"name": "t", "worker": {"address": f"unix:{open_dir}/m.sock"}}]}))
        session = McpSession(gateway_env(project), ["--config", config])
        try:
            result = session.call("query", {"metrics": ["transactions"], "limit": 1})
            assert not result.isError, result.content[0].text
        finally:
            session.close()
    finally:
        assert worker.stop() == 0, worker.log
