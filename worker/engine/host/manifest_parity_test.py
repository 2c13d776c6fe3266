"""The semantic index the worker reads from a semantic manifest by itself
(worker/manifest/, printed by mfgate-manifest-index) equals, field by field,
the one the engine host computes with MetricFlow, for the demo project and
examples/shop. Needs MFGATE_DEMO_PROJECT and MFGATE_PROTO_PATH (as
host_test.py) and the built mfgate-manifest-index.
"""

import os
import pathlib
import subprocess

import pytest

from host_test import Host, proto_modules

REPO = pathlib.Path(__file__).resolve().parents[3]
TOOL = REPO / "bazel-bin" / "worker" / "manifest" / "mfgate-manifest-index"
PARTS = ("metrics", "dimensions", "entities", "saved_queries", "semantic_models",
         "dimension_table", "entity_table", "links")


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    dest = tmp_path_factory.mktemp("shop") / "shop"
    subprocess.run([str(REPO / "tools" / "make-example-project.sh"),
                    str(REPO / "examples" / "shop"), str(dest)],
                   check=True, stdout=subprocess.DEVNULL)
    return str(dest)


def engine_index(project, tmp_path):
    proto_path, pb = proto_modules()
    host = Host(project, proto_path, tmp_path, cwd=project)
    try:
        assert host.read(pb).HasField("ready")
        answer = host.read_after(pb.EngineRequest(
            id=1, semantic_index=pb.SemanticIndexRequest()))
        assert answer.HasField("semantic_index"), answer.error.message
        return pb, answer.semantic_index
    finally:
        host.close()


def worker_index(pb, project):
    assert TOOL.exists(), f"build //worker/manifest:mfgate-manifest-index first ({TOOL})"
    out = subprocess.run([str(TOOL), str(pathlib.Path(project) / "target" /
                                         "semantic_manifest.json")],
                         check=True, capture_output=True).stdout
    index = pb.SemanticIndex()
    index.ParseFromString(out)
    return index


def assert_same(project, tmp_path):
    pb, engine = engine_index(project, tmp_path)
    worker = worker_index(pb, project)
    for part in PARTS:
        if part not in ("dimension_table", "entity_table", "links"):
            # Every list is held by both, so the worker answers it.
            assert engine.HasField(part) and worker.HasField(part), part
        assert getattr(worker, part) == getattr(engine, part), part
    assert len(worker.links) == len(engine.metrics.metrics) > 0


def test_demo_project_index_equals_the_engines(tmp_path):
    project = os.environ.get("MFGATE_DEMO_PROJECT")
    assert project, "MFGATE_DEMO_PROJECT must name the demo project"
    assert_same(project, tmp_path)


def test_shop_index_equals_the_engines(shop, tmp_path):
    assert_same(shop, tmp_path)
