"""subscriptions/listen (MCP 2026-07-28) through the real gateway and worker.

A listen over Streamable HTTP is acknowledged first; when the project
changes (a metric added to its YAML) and the worker's engine starts again,
parses the project and serves the new manifest, the gateway hears the new
hash on the worker's manifest stream and every listen of the tenant is sent
notifications/resources/list_changed and notifications/resources/updated for
the resources it named, each tagged with its subscription id; a session of
an older revision is sent the same, untagged, on its GET stream; and
resources/list then shows the new metric. A listen past the tenant's
event-stream limit is refused as a GET stream is (429). A drain, and a
reload that removes the listen's tenant, end the listen with its response. Over stdio a listen shares the channel and a
notifications/cancelled ends it.
"""

import hashlib
import json
import os
import queue
import signal
import threading
import time

import httpx

from harness import RawStdio, demo_project, gateway_env
from http_harness import HttpGateway
from worker_harness import WorkerProcess, copy_project

VERSION = "2026-07-28"
META = {"io.modelcontextprotocol/protocolVersion": VERSION,
        "io.modelcontextprotocol/clientInfo": {"name": "listen", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {}}
SUB = "io.modelcontextprotocol/subscriptionId"
URI = "metricflow://metric/transactions"
NEW_METRIC = """  - name: listen_added_metric
    type: SIMPLE
    type_params:
      measure: transactions
    label: "Added while listening"
"""


def headers(method):
    return {"MCP-Protocol-Version": VERSION, "Mcp-Method": method}


def listen_body(request_id):
    return {"jsonrpc": "2.0", "id": request_id, "method": "subscriptions/listen",
            "params": {"_meta": META, "notifications": {
                "toolsListChanged": True, "resourcesListChanged": True,
                "resourceSubscriptions": [URI]}}}


class Listener:
    """One subscriptions/listen over HTTP, its SSE messages read into a queue."""

    def __init__(self, url, request_id, extra=None, get=False):
        self.messages = queue.Queue()
        self.status = queue.Queue()
        self.extra = extra or {}
        self.get = get  # An older session's GET stream instead.
        self.thread = threading.Thread(target=self._run, args=(url, request_id),
                                       daemon=True)
        self.thread.start()

    def _run(self, url, request_id):
        base = {"Content-Type": "application/json",
                "Accept": "application/json, text/event-stream", **self.extra}
        try:
            request = (dict(method="GET", headers=base) if self.get else
                       dict(method="POST", headers=dict(base, **headers("subscriptions/listen")),
                            content=json.dumps(listen_body(request_id))))
            with httpx.stream(url=url + "/mcp", timeout=httpx.Timeout(10, read=600),
                              **request) as reply:
                self.status.put(reply.status_code)
                for line in reply.iter_lines():
                    if line.startswith("data:"):
                        self.messages.put(json.loads(line[5:]))
        except httpx.HTTPError as error:
            self.messages.put({"transport_error": str(error)})
        self.messages.put(None)  # The stream ended.

    def next(self, deadline):
        return self.messages.get(timeout=max(0.1, deadline - time.monotonic()))

    def wait_for(self, match, timeout):
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            message = self.next(deadline)
            seen.append(message)
            assert message is not None, f"the stream ended: {seen}"
            if match(message):
                return message, seen
        raise AssertionError(f"not sent in {timeout} s: {seen}")


def test_a_changed_project_notifies_every_listen_of_its_tenant(tmp_path):
    project = copy_project(demo_project(), tmp_path / "project")
    socket_path = tmp_path / "w.sock"
    worker = WorkerProcess(["--listen", f"unix:{socket_path}", "--user", "root",
                            "--project-dir", project, "--profiles-dir", project,
                            "--engines", "1"])
    gateway = None
    try:
        worker.wait_for("health: SERVING")
        config = tmp_path / "gateway.json"
        config.write_text(json.dumps({
            "tenants": [{"name": "t", "worker": {"address": f"unix:{socket_path}"}}],
            "limits": {"max_event_streams_per_tenant": 3}}))
        gateway = HttpGateway(gateway_env(project), ["--config", config])
        discover = gateway.post("/mcp", {"jsonrpc": "2.0", "id": 1, "method": "server/discover",
                                         "params": {"_meta": META}},
                                headers=headers("server/discover")).json()
        assert discover["result"]["capabilities"]["resources"]["listChanged"] is True
        assert discover["result"]["capabilities"]["tools"]["listChanged"] is False

        # A session of an older revision, subscribed to a resource, on its
        # GET stream.
        session = gateway.initialize({})
        older = {"Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-06-18"}
        assert gateway.post("/mcp", {"jsonrpc": "2.0", "method": "notifications/initialized"},
                            older).status_code == 202
        subscribed = gateway.post("/mcp", {"jsonrpc": "2.0", "id": 3,
                                           "method": "resources/subscribe",
                                           "params": {"uri": URI}}, older)
        assert "result" in subscribed.json(), subscribed.text
        get_stream = Listener(gateway.url, None, older, get=True)
        assert get_stream.status.get(timeout=30) == 200
        listeners = [Listener(gateway.url, 7), Listener(gateway.url, "b")]
        for listener, request_id in zip(listeners, (7, "b")):
            ack, _ = listener.wait_for(lambda m: "method" in m, 60)
            assert ack["method"] == "notifications/subscriptions/acknowledged", ack
            assert ack["params"]["_meta"][SUB] == request_id
            # Tools do not follow the manifest: not honored.
            assert ack["params"]["notifications"] == {
                "resourcesListChanged": True, "resourceSubscriptions": [URI]}
            assert listener.status.get(timeout=5) == 200
        # A third is past the tenant's event streams: refused as a GET is.
        third = gateway.post("/mcp", listen_body(9), headers=headers("subscriptions/listen"))
        assert third.status_code == 429, third.text
        assert "Retry-After" in third.headers

        # The project changes; the engine starts again and parses it.
        metrics = project / "models" / "sample_model" / "metrics.yml"
        metrics.write_text(metrics.read_text().replace("metrics:\n", "metrics:\n" + NEW_METRIC, 1))
        later = time.time() + 5
        os.utime(metrics, (later, later))
        (engine,) = worker.children()
        os.kill(engine, signal.SIGKILL)

        for listener, request_id in zip(listeners, (7, "b")):
            changed, _ = listener.wait_for(
                lambda m: m.get("method") == "notifications/resources/list_changed", 300)
            assert changed["params"]["_meta"][SUB] == request_id
            updated, _ = listener.wait_for(
                lambda m: m.get("method") == "notifications/resources/updated", 30)
            assert updated["params"] == {"_meta": {SUB: request_id}, "uri": URI}
        # The older session, untagged, on its own stream.
        changed, _ = get_stream.wait_for(
            lambda m: m.get("method") == "notifications/resources/list_changed", 30)
        assert "_meta" not in changed.get("params", {}), changed
        updated, _ = get_stream.wait_for(
            lambda m: m.get("method") == "notifications/resources/updated", 30)
        assert updated["params"] == {"uri": URI}
        listed = gateway.post("/mcp", {"jsonrpc": "2.0", "id": 2, "method": "resources/list",
                                       "params": {"_meta": META}},
                              headers=headers("resources/list"), timeout=300).json()
        uris = [r["uri"] for r in listed["result"]["resources"]]
        assert "metricflow://metric/listen_added_metric" in uris, uris

        # A drain ends each listen with its response, then its stream.
        gateway.process.send_signal(signal.SIGTERM)
        for listener, request_id in zip(listeners, (7, "b")):
            closed, _ = listener.wait_for(lambda m: "id" in m, 60)
            assert closed["id"] == request_id
            assert closed["result"] == {"resultType": "complete", "_meta": {SUB: request_id}}
            assert listener.next(time.monotonic() + 60) is None
    finally:
        if gateway is not None:
            gateway.close()
        worker.stop()


def test_a_reload_that_removes_the_tenant_ends_its_listens(tmp_path):
    absent = {"address": "unix:/nonexistent/mfgate-listen-test.sock"}
    config_path = tmp_path / "gateway.json"

    def config(*names):
        return json.dumps({"tenants": [
            {"name": name, "worker": absent,
             "api_key_sha256": [hashlib.sha256(f"{name}-key".encode()).hexdigest()]}
            for name in names]})
    config_path.write_text(config("gone", "kept"))
    gateway = HttpGateway(gateway_env(demo_project()), ["--config", str(config_path)])
    try:
        gone = Listener(gateway.url, 1, {"Authorization": "Bearer gone-key"})
        kept = Listener(gateway.url, 2, {"Authorization": "Bearer kept-key"})
        for listener in (gone, kept):
            ack, _ = listener.wait_for(lambda m: "method" in m, 60)
            assert ack["method"] == "notifications/subscriptions/acknowledged", ack
        temporary = config_path.with_name("gateway.json.new")
        temporary.write_text(config("kept"))
        os.replace(temporary, config_path)
        closed, _ = gone.wait_for(lambda m: "id" in m, 60)
        assert closed == {"jsonrpc": "2.0", "id": 1,
                          "result": {"resultType": "complete", "_meta": {SUB: 1}}}
        assert gone.next(time.monotonic() + 30) is None
        # The other tenant's listen stayed open: a drain ends it now.
        gateway.process.send_signal(signal.SIGTERM)
        closed, seen = kept.wait_for(lambda m: "id" in m, 60)
        assert closed["id"] == 2 and len(seen) == 1, seen
    finally:
        gateway.close()


def test_stdio_listen_is_acknowledged_and_cancelled(tmp_path):
    gateway = RawStdio(gateway_env(demo_project()))
    try:
        gateway.send({"jsonrpc": "2.0", "id": 4, "method": "subscriptions/listen",
                      "params": {"_meta": META,
                                 "notifications": {"resourcesListChanged": True}}})
        ack = gateway.read(timeout=60)
        assert ack["method"] == "notifications/subscriptions/acknowledged", ack
        assert ack["params"] == {"_meta": {SUB: 4},
                                 "notifications": {"resourcesListChanged": True}}
        gateway.send({"jsonrpc": "2.0", "method": "notifications/cancelled",
                      "params": {"requestId": 4}})
        # The channel goes on; the listen is gone (its id may be used again).
        again = gateway.request(4, "server/discover", {"_meta": META})
        assert again["result"]["capabilities"]["resources"]["listChanged"] is True
    finally:
        assert gateway.close() == 0, gateway.stderr
