"""The engine host spoken to directly over its frames, as the worker does.

Needs MFGATE_DEMO_PROJECT (the built demo project) and MFGATE_PROTO_PATH (the
generated protobuf modules); `make test` sets both.
"""

import os
import pathlib
import struct
import subprocess
import sys

import pytest

HOST = pathlib.Path(__file__).resolve().parent / "mf_host.py"
sys.path.insert(0, str(HOST.parent / "testdata"))
from query_rows import expanded, row_count  # noqa: E402


def proto_modules():
    path = os.environ.get("MFGATE_PROTO_PATH")
    assert path, "MFGATE_PROTO_PATH must name the generated protobuf modules"
    sys.path.insert(0, path)
    from mfgate.v1 import engine_pb2
    return path, engine_pb2


def bootstrap_of(profiles_dir, env=None):
    """The EngineBootstrap the worker sends: profiles.yml and its variables."""
    from mfgate.v1 import engine_pb2
    bootstrap = engine_pb2.EngineBootstrap(
        profiles_yml=(pathlib.Path(profiles_dir) / "profiles.yml").read_bytes())
    bootstrap.env.update(env or {})
    return bootstrap


class Host:
    """An engine host process with its request pipe and response fd; sends
    the bootstrap (the project's own profile unless given) first."""

    def __init__(self, project, proto_path, tmp_path, bootstrap=None, cwd=None):
        # The host answers on fd 3; make sure fd 3 exists in this process so
        # that it can be passed, then point it at the pipe in the child.
        read_end, write_end = os.pipe()
        if read_end < 3 or write_end < 3:
            raise RuntimeError("stdio must be open")
        self.process = subprocess.Popen(
            [sys.executable, "-B", str(HOST), "--project-dir", project,
             "--profiles-dir", project, "--proto-path", proto_path,
             "--scratch-dir", str(tmp_path)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, pass_fds=(write_end, 3),
            preexec_fn=lambda: os.dup2(write_end, 3), cwd=cwd)
        os.close(write_end)
        self.responses = os.fdopen(read_end, "rb")
        self.send_bytes((bootstrap or bootstrap_of(project)).SerializeToString())

    def read(self, pb):
        size = struct.unpack(">I", self.responses.read(4))[0]
        message = pb.EngineResponse()
        message.ParseFromString(self.responses.read(size))
        return message

    def send_bytes(self, payload):
        self.process.stdin.write(struct.pack(">I", len(payload)) + payload)
        self.process.stdin.flush()

    def read_after(self, request):
        self.send_bytes(request.SerializeToString())
        return self.read(sys.modules["mfgate.v1.engine_pb2"])

    def close(self):
        self.process.stdin.close()
        return self.process.wait(30)


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    project = os.environ.get("MFGATE_DEMO_PROJECT")
    assert project, "MFGATE_DEMO_PROJECT must name the demo project"
    proto_path, pb = proto_modules()
    process = Host(project, proto_path, tmp_path_factory.mktemp("scratch"))
    ready = process.read(pb)
    assert ready.WhichOneof("response") == "ready", ready
    yield process, pb, ready.ready
    assert process.close() == 0


def test_ready_reports_versions(host):
    _, _, ready = host
    assert ready.metricflow_version == "0.213.0"
    assert ready.adapter_type == "duckdb"
    assert len(ready.manifest_sha256) == 64


def test_requests_are_answered_with_their_id(host):
    process, pb, _ = host
    request = pb.EngineRequest(id=41)
    request.list_metrics.SetInParent()
    process.send_bytes(request.SerializeToString())
    response = process.read(pb)
    assert response.id == 41
    assert "transactions" in {m.name for m in response.list_metrics.metrics}


def test_without_metrics_every_entity_and_dimension_is_listed(host):
    process, pb, _ = host
    request = pb.EngineRequest(id=46)
    request.list_entities.SetInParent()
    entities = process.read_after(request).list_entities.entities
    # MetricFlow's entities of all metrics are only the two they share.
    assert {(e.name, e.type) for e in entities} == {
        ("country", "PRIMARY"), ("customer", "PRIMARY"), ("id_order", "FOREIGN"),
        ("transaction", "PRIMARY")}
    request = pb.EngineRequest(id=47)
    request.list_dimensions.SetInParent()
    names = [d.name for d in process.read_after(request).list_dimensions.dimensions]
    assert {"metric_time", "customer__customer_country", "country__region",
            "customer__country__region", "transaction__is_large"} <= set(names)
    assert len(names) == len(set(names))


def test_dimension_values_without_metrics(host):
    process, pb, _ = host
    request = pb.EngineRequest(id=48)
    request.list_dimension_values.dimension = "customer__customer_country"
    response = process.read_after(request).list_dimension_values
    assert sorted(v.string_value for v in response.values) == ["CA", "FR", "MX", "US"]


def test_unknown_saved_query_suggests_the_closest(host):
    process, pb, _ = host
    request = pb.EngineRequest(id=49)
    request.query.saved_query = "core_transaction_metric"
    response = process.read_after(request)
    assert response.error.field == "saved_query"
    assert response.error.suggestions[0] == "core_transaction_metrics"


def test_max_rows_truncates(host):
    process, pb, _ = host
    request = pb.EngineRequest(id=42, max_rows=3)
    request.query.metrics.append("transactions")
    request.query.group_by.append("metric_time__day")
    request.query.limit = 50
    process.send_bytes(request.SerializeToString())
    response = process.read(pb)
    assert row_count(response) == 3
    assert response.query.truncated


def test_garbage_and_empty_requests_are_answered_and_serving_goes_on(host):
    process, pb, _ = host
    from mfgate.v1 import worker_pb2
    process.send_bytes(b"\xff\xff\xff not a protobuf")
    assert process.read(pb).error.code == worker_pb2.ErrorDetail.INVALID_ARGUMENT
    process.send_bytes(pb.EngineRequest(id=43).SerializeToString())
    empty = process.read(pb)
    assert empty.id == 43
    assert "empty" in empty.error.message
    request = pb.EngineRequest(id=44)
    request.health_checks.SetInParent()
    assert process.read_after(request).health_checks.checks[0].ok


def test_unknown_metric_carries_suggestions(host):
    process, pb, _ = host
    request = pb.EngineRequest(id=45)
    request.query.metrics.append("transaction")
    response = process.read_after(request)
    assert response.error.field == "metrics"
    assert "transactions" in response.error.suggestions


def test_rows_stop_at_the_byte_budget(host):
    process, pb, _ = host

    def query(request_id, budget):
        request = pb.EngineRequest(id=request_id, max_rows=1000, max_response_bytes=budget)
        request.query.metrics.append("transactions")
        request.query.group_by.append("metric_time__day")
        request.query.limit = 50
        return process.read_after(request)

    whole = query(46, 0)
    assert not whole.query.truncated
    budget = expanded(whole).ByteSize() * 2 // 3
    cut = query(47, budget)
    assert cut.query.truncated
    assert 0 < row_count(cut) < row_count(whole)
    assert cut.ByteSize() <= budget
    assert expanded(cut).ByteSize() <= budget  # The rows the worker makes.


def test_an_answer_over_its_limit_is_refused_and_serving_goes_on(host):
    process, pb, _ = host
    from mfgate.v1 import worker_pb2
    request = pb.EngineRequest(id=48, max_response_bytes=64)
    request.list_metrics.show_all_dimensions = True
    response = process.read_after(request)
    assert response.id == 48
    assert response.error.code == worker_pb2.ErrorDetail.RESOURCE_EXHAUSTED
    assert "over the 64 bytes an answer may hold" in response.error.message
    request = pb.EngineRequest(id=49)
    request.list_metrics.SetInParent()
    assert len(process.read_after(request).list_metrics.metrics) > 5
