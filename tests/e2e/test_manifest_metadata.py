"""Metadata from the project's semantic manifest, with no engine ever started.

A worker run with --engine-start-on-demand on a project whose semantic
manifest is current reads the manifest itself: list_metrics,
list_dimensions, list_entities and list_saved_queries are answered through
the real gateway while no engine host (mf_host.py) runs under the worker, as
/proc shows. The first query starts an engine; once it has computed its own
index, the same calls answer the same. A project whose manifest is older
than its sources gets no index from the worker: its metadata waits for an
engine (which parses the project first).
"""

import os
import time

from harness import RawStdio, demo_project, gateway_env
from pool_harness import Tenant, text_of
from worker_harness import copy_project

METADATA = [("list_metrics", {}), ("list_metrics", {"search": "trans"}),
            ("list_dimensions", {}), ("list_dimensions", {"metrics": ["transactions"]}),
            ("list_entities", {}), ("list_entities", {"metrics": ["new_customers"]}),
            ("list_saved_queries", {})]


def answers(tenant):
    out = {}
    for tool, arguments in METADATA:
        result, _ = tenant.call(tool, arguments)
        assert not result["isError"], (tool, text_of(result))
        out[(tool, str(arguments))] = text_of(result)
    return out


def fresh_answers(tmp_path, project):
    """The same calls through a new gateway (which has kept no answer)."""
    gateway = RawStdio(gateway_env(project), ["--config", tmp_path / "gateway.json"])
    try:
        gateway.initialize()
        out = {}
        for n, (tool, arguments) in enumerate(METADATA):
            result = gateway.request(n + 10, "tools/call",
                                     {"name": tool, "arguments": arguments}, timeout=300)
            assert not result["result"]["isError"], result
            out[(tool, str(arguments))] = text_of(result["result"])
        return out
    finally:
        gateway.close()


def current_copy(tmp_path):
    """A copy of the demo project whose manifest is newer than its sources
    (the copy rewrote profiles.yml), as after `dbt parse`."""
    project = copy_project(demo_project(), tmp_path / "project")
    now = time.time()
    os.utime(project / "target" / "semantic_manifest.json", (now + 1, now + 1))
    return project


def test_metadata_needs_no_engine_and_the_first_query_starts_one(tmp_path):
    project = current_copy(tmp_path)
    tenant = Tenant(tmp_path, project, ["--engines", "1", "--engine-start-on-demand"])
    try:
        tenant.worker.wait_for("metadata: answered from")
        before = answers(tenant)
        assert tenant.engines() == set(), f"metadata started an engine:\n{tenant.log}"
        assert "transactions" in before[("list_metrics", "{}")]
        assert "customer__customer_country" in before[
            ("list_dimensions", str({"metrics": ["transactions"]}))]
        assert "core_transaction_metrics" in before[("list_saved_queries", "{}")]
        result, _ = tenant.call(
            "query", {"metrics": ["transactions"], "group_by": ["metric_time__day"]})
        assert not result["isError"], text_of(result)
        assert tenant.engines(), tenant.log
        # The engine's own index replaces the one read; the answers agree.
        deadline = time.monotonic() + 120
        while "metadata answered from the engine's semantic index" not in tenant.log:
            assert time.monotonic() < deadline, tenant.log
            time.sleep(0.1)
        assert fresh_answers(tmp_path, project) == before
    finally:
        tenant.close()


def test_a_stale_manifest_leaves_metadata_to_an_engine(tmp_path):
    project = current_copy(tmp_path)
    # A source newer than the manifest: the engine would parse it again.
    source = next(p for p in (project / "models").rglob("*.yml"))
    later = time.time() + 60
    os.utime(source, (later, later))
    tenant = Tenant(tmp_path, project, ["--engines", "1", "--engine-start-on-demand"])
    try:
        tenant.worker.wait_for("metadata: waits for an engine")
        assert tenant.engines() == set()
        result, _ = tenant.call("list_metrics", {})
        assert not result["isError"], text_of(result)
        assert tenant.engines(), "metadata of a stale manifest was answered without an engine"
    finally:
        tenant.close()
