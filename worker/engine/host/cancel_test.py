"""A cancelled request stops at the warehouse and the engine serves on.

The engine host reads its frames on a thread of its own, so that a `cancel`
from the worker reaches DuckDB (its interrupt) while the statement runs;
the request is answered CANCELLED at once and the next one is served by the
same process. Without that thread a cancel waited behind the statement it
was meant to stop (about 100 s here), and the worker had to kill the engine.

Needs MFGATE_DEMO_PROJECT and MFGATE_PROTO_PATH; `make test` sets both.
"""

import os
import pathlib
import select
import shutil
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "testdata"))
from host_test import Host, proto_modules  # noqa: E402
from query_rows import row_count  # noqa: E402
from slow_view import make_slow  # noqa: E402


@pytest.fixture(scope="module")
def slow_host(tmp_path_factory):
    """An engine on a copy of the demo whose `customers` table is slow."""
    source = pathlib.Path(os.environ["MFGATE_DEMO_PROJECT"])
    project = tmp_path_factory.mktemp("cancel") / "project"
    shutil.copytree(source, project, ignore=shutil.ignore_patterns("logs", "*.wal"))
    profiles = project / "profiles.yml"
    profiles.write_text(profiles.read_text().replace(str(source), str(project)))
    make_slow(next(project.glob("*.duckdb")), "customers")
    (project / "target" / "semantic_manifest.json").touch()  # No dbt parse.
    proto_path, pb = proto_modules()
    process = Host(str(project), proto_path, tmp_path_factory.mktemp("scratch"))
    assert process.read(pb).WhichOneof("response") == "ready"
    yield process, pb
    process.process.kill()
    process.process.wait(30)


def answered_within(process, pb, seconds):
    """The next response, or None when none comes within `seconds`."""
    ready, _, _ = select.select([process.responses], [], [], seconds)
    return process.read(pb) if ready else None


def slow_query(pb, request_id):
    request = pb.EngineRequest(id=request_id)
    request.query.metrics.append("transactions")
    request.query.group_by.append("customer__customer_country")
    return request


def test_a_cancel_interrupts_the_running_statement_and_the_engine_serves_on(slow_host):
    process, pb = slow_host
    from mfgate.v1 import worker_pb2
    process.send_bytes(slow_query(pb, 1).SerializeToString())
    # Not answered while it runs: the statement is slow indeed.
    assert answered_within(process, pb, 2.0) is None
    cancelled = time.monotonic()
    process.send_bytes(pb.EngineRequest(id=1, cancel=pb.CancelRequest(id=1)).SerializeToString())
    response = answered_within(process, pb, 5.0)
    assert response is not None, "the cancel did not stop the statement"
    assert time.monotonic() - cancelled < 5.0
    assert response.id == 1
    assert response.error.code == worker_pb2.ErrorDetail.CANCELLED, response.error
    follow = pb.EngineRequest(id=2)
    follow.query.metrics.append("transactions")
    follow.query.group_by.append("metric_time__day")
    process.send_bytes(follow.SerializeToString())
    served = answered_within(process, pb, 60.0)
    assert served is not None and served.id == 2
    assert not served.HasField("error"), served.error
    assert row_count(served) > 0
    assert process.process.poll() is None


def test_a_request_cancelled_before_its_statement_sends_none(slow_host):
    process, pb = slow_host
    from mfgate.v1 import worker_pb2
    # The cancel comes right behind the request, so the reader thread takes
    # it before the statement is sent (while the request is planned, or
    # before it starts).
    request = slow_query(pb, 3).SerializeToString()
    cancel = pb.EngineRequest(cancel=pb.CancelRequest(id=3)).SerializeToString()
    frames = b"".join(len(f).to_bytes(4, "big") + f for f in (request, cancel))
    process.process.stdin.write(frames)
    process.process.stdin.flush()
    response = answered_within(process, pb, 5.0)
    assert response is not None and response.id == 3
    assert response.error.code == worker_pb2.ErrorDetail.CANCELLED, response.error


def test_a_late_cancel_stops_nothing(slow_host):
    process, pb = slow_host
    request = pb.EngineRequest(id=4)
    request.list_metrics.SetInParent()
    assert process.read_after(request).id == 4
    # The worker cancels request 4 after its answer left: request 5 runs.
    process.send_bytes(pb.EngineRequest(cancel=pb.CancelRequest(id=4)).SerializeToString())
    request = pb.EngineRequest(id=5)
    request.query.metrics.append("transactions")
    request.query.group_by.append("metric_time__day")
    response = process.read_after(request)
    assert response.id == 5 and not response.HasField("error"), response.error
