"""The official MCP conformance suite (@modelcontextprotocol/conformance,
server scenarios) over Streamable HTTP, against two servers:

- `fixtures`: the suite's fixtures (tests/conformance/fixtures.cc) served by
  mfgate's own protocol library and HTTP transport; every scenario must pass.
- `mfgate`: the real gateway on the demo project; every scenario must pass
  unless mfgate-baseline.yaml lists it, with the reason, as an expected failure.

The suite runs once per server; each scenario is then one test. Needs Node
22, which npx fetches from the npm registry (versions pinned below).
"""

import os
import pathlib
import re
import socket
import subprocess
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "e2e"))
from harness import demo_project, gateway_env  # noqa: E402
from http_harness import HttpGateway, free_port  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
FIXTURE_SERVER = HERE.parents[1] / "bazel-bin" / "tests" / "conformance" / "fixture_server"
NODE = "node@22.12.0"
SUITE = "@modelcontextprotocol/conformance@0.1.16"
SCENARIOS = [
    "server-initialize", "logging-set-level", "ping", "completion-complete", "tools-list",
    "tools-call-simple-text", "tools-call-image", "tools-call-audio",
    "tools-call-embedded-resource", "tools-call-mixed-content", "tools-call-with-logging",
    "tools-call-error", "tools-call-with-progress", "tools-call-sampling",
    "tools-call-elicitation", "elicitation-sep1034-defaults", "server-sse-multiple-streams",
    "elicitation-sep1330-enums", "resources-list", "resources-read-text",
    "resources-read-binary", "resources-templates-read", "resources-subscribe",
    "resources-unsubscribe", "prompts-list", "prompts-get-simple", "prompts-get-with-args",
    "prompts-get-embedded-resource", "prompts-get-with-image", "dns-rebinding-protection"]


def baseline():
    text = (HERE / "mfgate-baseline.yaml").read_text()
    return set(re.findall(r"^\s*-\s*([a-z0-9-]+)\s*$", text, re.M))


def run_suite(url, workdir):
    """Scenario name -> passed, from one run of the suite against `url`."""
    done = subprocess.run(
        ["npx", "-y", "-p", NODE, "-p", SUITE, "--", "conformance", "server", "--url", url],
        capture_output=True, text=True, timeout=900, cwd=workdir,
        env=dict(os.environ, npm_config_update_notifier="false"))
    summary = {}
    for line in done.stdout.splitlines():
        found = re.match(r"^([✓✗]) ([a-z0-9-]+): (\d+) passed, (\d+) failed", line)
        if found:
            summary[found.group(2)] = found.group(1) == "✓"
    assert summary, f"the suite printed no summary:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return summary


@pytest.fixture(scope="module")
def mfgate_results(tmp_path_factory):
    gateway = HttpGateway(gateway_env(demo_project()))
    try:
        return run_suite(gateway.url + "/mcp", tmp_path_factory.mktemp("mfgate"))
    finally:
        gateway.close()


@pytest.fixture(scope="module")
def fixture_results(tmp_path_factory):
    port = free_port()
    server = subprocess.Popen([str(FIXTURE_SERVER), str(port)], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        return run_suite(f"http://127.0.0.1:{port}/mcp", tmp_path_factory.mktemp("fixtures"))
    finally:
        server.terminate()
        server.wait(30)


def wait_for_port(port):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError("the fixture server did not start")


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_fixture_server_passes(fixture_results, scenario):
    assert scenario in fixture_results, f"{scenario} did not run"
    assert fixture_results[scenario], f"{scenario} failed"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_mfgate(mfgate_results, scenario):
    assert scenario in mfgate_results, f"{scenario} did not run"
    if scenario in baseline():
        if mfgate_results[scenario]:
            pytest.fail(f"{scenario} passes now: remove it from mfgate-baseline.yaml")
        pytest.xfail("expected failure, see mfgate-baseline.yaml")
    assert mfgate_results[scenario], f"{scenario} failed"
