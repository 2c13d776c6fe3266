"""The gateway reloads its tenants while it serves, on SIGHUP and when its
configuration file changes (as a mounted ConfigMap or Secret does): a tenant
added, one removed, a key rotated, while another tenant's session — a real
worker on the demo DuckDB project — keeps working; a broken configuration is
refused with a log line saying why, and the served one is kept."""

import json
import os
import select
import signal
import time

import pytest

from harness import demo_project, gateway_env
from http_harness import HttpGateway
from raw_http import connect, read_response
from test_http_calls import call, response_of
from test_http_tenants import hash_key

# A worker nobody runs: enough for sessions, pings and keys.
ABSENT = {"address": "unix:/nonexistent/mfgate-reload-test.sock"}


def tenant(name, keys, worker=None, key_file=None):
    entry = {"name": name, "worker": worker or ABSENT,
             "api_key_sha256": [hash_key(k) for k in keys]}
    if key_file:
        entry["api_key_sha256_file"] = key_file
    return entry


def write_atomically(path, text):
    """As Kubernetes updates a mounted ConfigMap: a new file renamed in."""
    temporary = path.with_name(path.name + ".new")
    temporary.write_text(text)
    os.replace(temporary, path)


def wait_for_log(server, text, count=1, timeout=30):
    deadline = time.monotonic() + timeout
    while server.log.count(text) < count:
        assert time.monotonic() < deadline, f"no {text!r} in:\n{server.log}"
        time.sleep(0.05)


def auth(key, session=None):
    headers = {"Authorization": f"Bearer {key}"}
    if session:
        headers["Mcp-Session-Id"] = session
    return headers


PING = {"jsonrpc": "2.0", "id": 7, "method": "ping"}


def open_stream(server, key, session):
    conn = connect(server.port, timeout=30)
    conn.sendall(b"GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                 b"Authorization: Bearer " + key.encode() +
                 b"\r\nMcp-Session-Id: " + session.encode() + b"\r\n\r\n")
    status, _, _ = read_response(conn, timeout=30)
    assert status == 200
    return conn


def stream_ended(conn, timeout):
    """Whether the event stream ends (its last chunk, or the connection
    closes) within `timeout`."""
    deadline = time.monotonic() + timeout
    data = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([conn], [], [], max(0, deadline - time.monotonic()))
        if not ready:
            break
        chunk = conn.recv(65536)
        if not chunk:
            return True
        data += chunk
        if data.endswith(b"0\r\n\r\n"):
            return True
    return False


def query_ok(server, key, session, request_id):
    reply = server.post("/mcp", call(request_id, {"metrics": ["transactions"]}),
                        auth(key, session), timeout=180)
    assert reply.status_code == 200, reply.text
    result = response_of(reply)["result"]
    assert result["isError"] is False, result
    return result


@pytest.fixture
def reloading(tmp_path):
    keys_file = tmp_path / "keep.keys"
    keys_file.write_text(hash_key("keep-key-1") + "\n")
    config_path = tmp_path / "gateway.json"
    config = {"tenants": [
        tenant("keep", [], {"spawn": {"project_dir": str(demo_project())}},
               key_file=str(keys_file)),
        tenant("gone", ["gone-key"]),
        tenant("rotated", ["old-key"])]}
    config_path.write_text(json.dumps(config))
    server = HttpGateway(gateway_env(demo_project()), ["--config", str(config_path)])
    yield server, config_path, config, keys_file
    server.close()


def test_tenants_added_removed_and_rotated_without_a_restart(reloading):
    server, config_path, config, keys_file = reloading
    keep = server.initialize(auth("keep-key-1"))
    query_ok(server, "keep-key-1", keep, 2)  # The worker is up.
    keep_stream = open_stream(server, "keep-key-1", keep)
    gone = server.initialize(auth("gone-key"))
    gone_stream = open_stream(server, "gone-key", gone)
    rotated = server.initialize(auth("old-key"))
    assert server.post("/mcp", {**PING}, auth("new-tenant-key")).status_code == 401

    # By SIGHUP: "gone" removed, "added" added, "rotated" gets a new key.
    config["tenants"] = [config["tenants"][0], tenant("rotated", ["new-key"]),
                         tenant("added", ["new-tenant-key"])]
    config_path.write_text(json.dumps(config))
    server.process.send_signal(signal.SIGHUP)
    wait_for_log(server, "configuration reloaded (")

    assert server.post("/mcp", PING, auth("gone-key", gone)).status_code == 401
    assert stream_ended(gone_stream, 10)  # The removed tenant's session ended.
    assert server.post("/mcp", PING, auth("old-key", rotated)).status_code == 401
    # The rotated tenant's session goes on with the new key.
    assert server.post("/mcp", PING, auth("new-key", rotated)).status_code == 200
    added = server.initialize(auth("new-tenant-key"))
    assert server.post("/mcp", PING, auth("new-tenant-key", added)).status_code == 200
    # The other tenant's session and its event stream were not touched.
    assert not stream_ended(keep_stream, 0.5)
    query_ok(server, "keep-key-1", keep, 3)

    # A key file changed (as a mounted Secret is updated), no signal: the
    # gateway sees it.
    write_atomically(keys_file, hash_key("keep-key-2") + "\n")
    wait_for_log(server, "configuration reloaded (a configuration file changed)")
    assert server.post("/mcp", PING, auth("keep-key-1", keep)).status_code == 401
    query_ok(server, "keep-key-2", keep, 4)
    assert not stream_ended(keep_stream, 0.5)
    keep_stream.close()


def test_a_broken_configuration_is_refused_and_the_served_one_kept(reloading):
    server, config_path, config, _ = reloading
    keep = server.initialize(auth("keep-key-1"))
    good = json.dumps(config)
    broken = [
        (good[:-5], "configuration reload (a configuration file changed) refused"),
        (json.dumps({**config, "tenants": config["tenants"] + [tenant("gone", ["x"])]}),
         "duplicate tenant 'gone'"),
        (json.dumps({"tenants": [tenant("solo", [])]}),
         "a reload cannot turn API keys on or off"),
    ]
    for count, (text, why) in enumerate(broken, start=1):
        write_atomically(config_path, text)
        wait_for_log(server, "refused, the current configuration is kept", count)
        assert why in server.log
        # Everything served before still is.
        assert server.post("/mcp", PING, auth("keep-key-1", keep)).status_code == 200
        assert server.post("/mcp", PING, auth("gone-key")).status_code != 401
    # The same broken file is not tried again and again.
    server.process.send_signal(signal.SIGHUP)
    wait_for_log(server, "refused, the current configuration is kept", 4)
    time.sleep(1.5)  # Two polls of the unchanged file: no further attempt.
    assert server.log.count("refused, the current configuration is kept") == 4
    # Fixed, it is applied.
    config["tenants"].append(tenant("late", ["late-key"]))
    write_atomically(config_path, json.dumps(config))
    wait_for_log(server, "configuration reloaded (")
    assert server.post("/mcp", PING, auth("late-key")).status_code != 401
    assert server.process.poll() is None
