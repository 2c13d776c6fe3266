"""The official MCP conformance suite (@modelcontextprotocol/conformance,
server scenarios) over Streamable HTTP, against two servers:

- `fixtures`: the suite's fixtures (tests/conformance/fixtures.cc) served by
  mfgate's own protocol library and HTTP transport;
- `mfgate`: the real gateway on the demo project.

Three runs each: the 0.1.16 suite (the 2025 revisions, sessions), and the
0.2.0 suite with --requirements 2025-11-25 and --requirements 2026-07-28
(the stateless revision; it also runs, unscored, the tasks extension and
pending scenarios). Every scenario must pass unless mfgate-baseline.yaml
lists it, with the reason, as an expected failure of that server and run.
The suite runs once per server and run; each scenario is then one test.
Needs Node 22, which npx fetches from the npm registry (versions pinned
below).
"""

import contextlib
import json
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
SUITE_NEXT = "@modelcontextprotocol/conformance@0.2.0-alpha.12"
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
# What --requirements 2025-11-25 runs: the scenarios it requires, and those
# it runs unscored (added after the release, pending).
SCENARIOS_2025 = SCENARIOS + [
    "server-session-lifecycle", "json-schema-2020-12", "server-sse-polling"]
# What --requirements 2026-07-28 runs: required, then the tasks extension
# and pending scenarios (unscored by the suite, checked here all the same).
SCENARIOS_2026 = [
    "server-stateless", "completion-complete", "tools-list", "tools-call-simple-text",
    "tools-call-image", "tools-call-audio", "tools-call-embedded-resource",
    "tools-call-mixed-content", "tools-call-error", "tools-call-with-progress",
    "server-sse-multiple-streams", "resources-list", "resources-read-text",
    "resources-read-binary", "resources-templates-read", "sep-2164-resource-not-found",
    "prompts-list", "prompts-get-simple", "prompts-get-with-args",
    "prompts-get-embedded-resource", "prompts-get-with-image", "dns-rebinding-protection",
    "caching", "input-required-result-basic-elicitation",
    "input-required-result-basic-sampling", "input-required-result-basic-list-roots",
    "input-required-result-request-state", "input-required-result-multiple-input-requests",
    "input-required-result-multi-round", "input-required-result-missing-input-response",
    "input-required-result-non-tool-request", "input-required-result-result-type",
    "input-required-result-unsupported-methods", "input-required-result-tampered-state",
    "input-required-result-capability-check", "input-required-result-ignore-extra-params",
    "input-required-result-validate-input",
    "tasks-lifecycle", "tasks-capability-negotiation", "tasks-wire-fields",
    "tasks-request-state-removal", "tasks-mrtr-input", "tasks-request-headers",
    "tasks-dispatch-and-envelope", "tasks-status-notifications",
    "tasks-required-task-error", "tasks-mrtr-composition",
    "json-schema-2020-12", "http-header-validation", "http-custom-header-server-validation"]
# Run name -> (suite, extra arguments, scenarios).
RUNS = {
    "server": (SUITE, [], SCENARIOS),
    "server-2025-11-25": (SUITE_NEXT, ["--requirements", "2025-11-25"], SCENARIOS_2025),
    "server-2026-07-28": (SUITE_NEXT, ["--requirements", "2026-07-28"], SCENARIOS_2026),
}
CASES = [(run, scenario) for run, (_, _, scenarios) in RUNS.items() for scenario in scenarios]


def baseline(section):
    """The scenarios mfgate-baseline.yaml lists under `section`."""
    listed, current = {}, None
    for line in (HERE / "mfgate-baseline.yaml").read_text().splitlines():
        header = re.match(r"^([a-z0-9-]+):\s*$", line)
        item = re.match(r"^\s*-\s*([a-z0-9-]+)\s*$", line)
        if header:
            current = header.group(1)
        elif item and current:
            listed.setdefault(current, set()).add(item.group(1))
    return listed.get(section, set())


def run_suite(url, workdir, suite, args):
    """Scenario name -> passed, from one run of the suite against `url`."""
    done = subprocess.run(
        ["npx", "-y", "-p", NODE, "-p", suite, "--", "conformance", "server", "--url", url,
         *args],
        capture_output=True, text=True, timeout=900, cwd=workdir,
        env=dict(os.environ, npm_config_update_notifier="false"))
    summary = {}
    for line in done.stdout.splitlines():
        found = re.match(r"^([✓✗]) ([a-z0-9-]+): (\d+) passed, (\d+) failed", line)
        if found:
            summary[found.group(2)] = found.group(1) == "✓"
    assert summary, f"the suite printed no summary:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return summary


def run_all(start, tmp_path_factory, name):
    """Run name -> its summary; each run against a server of its own, started
    by `start` (a context manager given a directory, yielding its URL): a run's sessions and
    event streams must not count against the next one's limits."""
    results = {}
    for run, (suite, args, _) in RUNS.items():
        with start(tmp_path_factory.mktemp(f"{name}-{run}-server")) as url:
            results[run] = run_suite(url, tmp_path_factory.mktemp(f"{name}-{run}"), suite, args)
    return results


@contextlib.contextmanager
def mfgate_server(tmp_path):
    # The demo tenant, spawned, with the default limits but the rate: the
    # suite sends its scenarios back to back, faster than the default
    # per-tenant rate allows (a 429 is not what its scenarios check).
    config = tmp_path / "gateway.json"
    config.write_text(json.dumps({
        "tenants": [{"name": "demo", "worker": {"spawn": {"project_dir": str(demo_project())}}}],
        "limits": {"requests_per_second": 1e6, "burst": 1e6}}))
    gateway = HttpGateway(gateway_env(demo_project()), ["--config", str(config)])
    try:
        yield gateway.url + "/mcp"
    finally:
        gateway.close()


@contextlib.contextmanager
def fixture_server(_):
    port = free_port()
    server = subprocess.Popen([str(FIXTURE_SERVER), str(port)], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        server.terminate()
        server.wait(30)


@pytest.fixture(scope="module")
def mfgate_results(tmp_path_factory):
    return run_all(mfgate_server, tmp_path_factory, "mfgate")


@pytest.fixture(scope="module")
def fixture_results(tmp_path_factory):
    return run_all(fixture_server, tmp_path_factory, "fixtures")


def wait_for_port(port):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError("the fixture server did not start")


def check(results, run, scenario, section):
    assert scenario in results[run], f"{scenario} did not run"
    if scenario in baseline(section):
        if results[run][scenario]:
            pytest.fail(f"{scenario} passes now: remove it from {section} in mfgate-baseline.yaml")
        pytest.xfail(f"expected failure, see {section} in mfgate-baseline.yaml")
    assert results[run][scenario], f"{scenario} failed"


@pytest.mark.parametrize("run,scenario", CASES)
def test_fixture_server_passes(fixture_results, run, scenario):
    check(fixture_results, run, scenario, f"fixtures-{run}")


@pytest.mark.parametrize("run,scenario", CASES)
def test_mfgate(mfgate_results, run, scenario):
    check(mfgate_results, run, scenario, run)
