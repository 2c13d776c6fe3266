"""Over stdio as over HTTP, a request that reuses the id of a call still in
flight is answered at once with -32600 ("id already in use"), and the first
call goes on unaffected: for an older revision's session and for 2026-07-28
requests alike."""

import json
import time

import pytest

from harness import RawStdio, demo_project, gateway_env

META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {}}
LIST_SECONDS = 3


@pytest.fixture
def ghost(tmp_path):
    """A gateway over stdio whose worker never answers: calls stay in flight
    until the list deadline."""
    path = tmp_path / "gateway.json"
    path.write_text(json.dumps({
        "tenants": [{"name": "ghost", "worker": {"address": "unix:/nonexistent/w.sock"}}],
        "timeouts": {"list_seconds": LIST_SECONDS}}))
    gateway = RawStdio(gateway_env(demo_project()), ["--config", str(path)])
    yield gateway
    assert gateway.close() == 0, gateway.stderr


@pytest.mark.parametrize("modern", [False, True])
def test_a_reused_id_is_refused_at_once_and_the_first_call_goes_on(ghost, modern):
    if not modern:
        ghost.initialize("2025-11-25")
    params = {"name": "list_metrics", "arguments": {}}
    if modern:
        params["_meta"] = META
    call = {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": params}
    begin = time.monotonic()
    ghost.send(call)
    ghost.send(call)
    refused = ghost.read_response(7)
    assert time.monotonic() - begin < LIST_SECONDS, refused
    assert refused["error"]["code"] == -32600, refused
    assert refused["error"]["message"] == "Invalid Request: id already in use"
    # The first call is answered after its worker's deadline, as a result.
    first = ghost.read_response(7, timeout=LIST_SECONDS + 30)
    assert first["result"]["isError"], first
    assert time.monotonic() - begin >= LIST_SECONDS - 0.5
