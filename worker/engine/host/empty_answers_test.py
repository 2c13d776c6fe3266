"""Every handler of the engine host answers an empty result with its own
(empty) response, never with no response at all.

Protobuf leaves a oneof unset until a field of the chosen message is set, so
a handler that finds nothing (a list_metrics search that matches no metric)
used to send a response with no case, which the worker reports as "the engine
sent the wrong answer". MetricFlow is replaced here by an object that finds
nothing; test_stdio_e2e.py checks the real engine end to end.

Needs MFGATE_PROTO_PATH (the generated protobuf modules); `make test` sets it.
"""

import os
import pathlib
import sys
import types

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))


@pytest.fixture(scope="module")
def modules():
    path = os.environ.get("MFGATE_PROTO_PATH")
    assert path, "MFGATE_PROTO_PATH must name the generated protobuf modules"
    sys.path.insert(0, path)
    from mfgate.v1 import engine_pb2, worker_pb2
    import mf_adapter
    import warehouse_guard
    return mf_adapter, engine_pb2, worker_pb2, warehouse_guard


class NothingFound:
    """MetricFlow's engine over a project where nothing matches."""

    def list_metrics(self):
        return []

    def simple_dimensions_for_metrics(self, _metrics):
        return []

    def list_dimensions(self):
        return []

    def entities_for_metrics(self, _metrics):
        return []

    def get_dimension_values(self, **_kwargs):
        return []

    def list_saved_queries(self):
        return []


def adapter_finding_nothing(mf_adapter, worker_pb2, warehouse_guard):
    adapter = mf_adapter.Adapter.__new__(mf_adapter.Adapter)
    adapter._pb = worker_pb2
    adapter._cancellation = warehouse_guard.Cancellation("none")
    adapter.mf = NothingFound()
    adapter._manifest = types.SimpleNamespace(semantic_models=[])
    return adapter


# Each request kind whose handler can find nothing, with a request that asks
# for nothing in particular.
KINDS = {
    "list_metrics": lambda r: r.search.append("no_such_metric"),
    "list_dimensions": lambda r: r.metrics.append("m"),
    "list_entities": lambda r: None,
    "list_dimension_values": lambda r: None,
    "list_saved_queries": lambda r: None,
    "list_semantic_models": lambda r: None,
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_an_empty_result_is_still_an_answer_of_its_kind(modules, kind):
    mf_adapter, engine_pb2, worker_pb2, warehouse_guard = modules
    adapter = adapter_finding_nothing(mf_adapter, worker_pb2, warehouse_guard)
    request = engine_pb2.EngineRequest(id=7)
    getattr(request, kind).SetInParent()
    KINDS[kind](getattr(request, kind))
    response = engine_pb2.EngineResponse(id=7)
    adapter.handle(request, response)
    assert not response.HasField("error"), response.error
    assert response.WhichOneof("response") == kind
