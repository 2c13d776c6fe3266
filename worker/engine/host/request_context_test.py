"""Every request runs in a fresh copy of the context the engine had once
loaded, so what one request leaves in its context never reaches the next.

MetricFlow's timers and dbt set new context variables on every query; served
in one long-lived context their number, and dbt's scans of it, grew with each
request (a query cost 4x more after 3,000). The host's serve loop is run here
with an adapter that does what those libraries do; `make bench-drift` measures
the cost over 3,000 real queries.

Needs MFGATE_PROTO_PATH (`make test` sets it).
"""

import contextvars
import io
import struct

import mf_host
from host_test import proto_modules

REQUESTS = 50


class TimerLikeAdapter:
    """Sets a new context variable on every request, as ExecutionTimer does,
    and records how many variables the request's context held."""

    def __init__(self):
        self.context_sizes = []
        self.seen_earlier_value = False

    def handle(self, request, response):
        self.context_sizes.append(len(contextvars.copy_context()))
        self.seen_earlier_value |= any(
            var.name.startswith("timer-") for var in contextvars.copy_context())
        contextvars.ContextVar(f"timer-{request.id}").set(request.id)


def frames_of(messages):
    return io.BytesIO(b"".join(
        struct.pack(">I", len(data)) + data
        for data in (message.SerializeToString() for message in messages)))


def answers_in(stream, pb):
    data, answers = stream.getvalue(), []
    while data:
        (size,) = struct.unpack(">I", data[:4])
        answers.append(pb.EngineResponse.FromString(data[4:4 + size]))
        data = data[4 + size:]
    return answers


def test_no_request_sees_the_context_variables_of_the_ones_before():
    _, engine_pb2 = proto_modules()
    from mfgate.v1 import worker_pb2
    adapter = TimerLikeAdapter()
    requests = [engine_pb2.EngineRequest(id=i + 1) for i in range(REQUESTS)]
    out = io.BytesIO()
    loaded = contextvars.copy_context()

    assert mf_host.serve(adapter, loaded, frames_of(requests), out,
                         engine_pb2, worker_pb2) == 0

    assert [answer.id for answer in answers_in(out, engine_pb2)] == \
        list(range(1, REQUESTS + 1))
    assert not adapter.seen_earlier_value
    assert set(adapter.context_sizes) == {len(loaded)}, adapter.context_sizes
