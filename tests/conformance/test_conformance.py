"""The official MCP conformance suite (@modelcontextprotocol/conformance,
server scenarios) against the real mfgate over Streamable HTTP.

The suite runs once per session; each scenario is then one test: it must pass
unless mfgate-baseline.yaml lists it, with the reason, as an expected failure.
Needs Node 22, which npx fetches from the npm registry (pinned below).
"""

import os
import pathlib
import re
import subprocess
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "e2e"))
from harness import demo_project, gateway_env  # noqa: E402
from http_harness import HttpGateway  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
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


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    gateway = HttpGateway(gateway_env(demo_project()))
    try:
        done = subprocess.run(
            ["npx", "-y", "-p", NODE, "-p", SUITE, "--", "conformance", "server",
             "--url", gateway.url + "/mcp"],
            capture_output=True, text=True, timeout=900,
            cwd=tmp_path_factory.mktemp("conformance"),
            env=dict(os.environ, npm_config_update_notifier="false"))
    finally:
        gateway.close()
    summary = {}
    for line in done.stdout.splitlines():
        found = re.match(r"^([✓✗]) ([a-z0-9-]+): (\d+) passed, (\d+) failed", line)
        if found:
            summary[found.group(2)] = found.group(1) == "✓"
    assert summary, f"the suite printed no summary:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return summary


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario(results, scenario):
    assert scenario in results, f"{scenario} did not run"
    if scenario in baseline():
        if results[scenario]:
            pytest.fail(f"{scenario} passes now: remove it from mfgate-baseline.yaml")
        pytest.xfail("expected failure, see mfgate-baseline.yaml")
    assert results[scenario], f"{scenario} failed"
