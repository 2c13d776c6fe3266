"""The engine host: MetricFlow loaded once, serving framed requests.

mfgate-worker starts this process and keeps it for many requests:

    python mf_host.py --project-dir P --profiles-dir Q --proto-path DIR
                      --scratch-dir S [--target T]

The first frame on stdin is an mfgate.v1.EngineBootstrap: the profile the
engine connects with (engine_profile.py). Requests (mfgate.v1.EngineRequest)
follow on stdin; responses (mfgate.v1.EngineResponse) leave on fd 3. A frame
is a 4-byte big-endian length and that many bytes. stdout is pointed at
stderr before dbt or MetricFlow is imported, so nothing a library prints can
reach the frame stream. The first response is `ready` (or an error, and exit
1). Requests are answered one at a time, in order, on the main thread; a
thread of their own reads the frames, so that a `cancel` reaches the adapter
while the request it names runs. All policy — validation, limits,
supervision — lives in the worker; this file only adapts.
"""

import argparse
import contextvars
import ctypes
import gc
import hashlib
import os
import queue
import struct
import sys
import threading
import time
import traceback

RESPONSE_FD = 3
MAX_REQUEST_BYTES = 16 << 20
# The largest frame the worker reads (PersistentEngineOptions).
MAX_RESPONSE_BYTES = 64 << 20


def isolate_stdout():
    """Sends fd 1 and sys.stdout to stderr; returns the frame stream."""
    frames = os.fdopen(RESPONSE_FD, "wb", buffering=0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return frames


def read_exactly(stream, size):
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_frame(stream):
    """The next frame's bytes, or None at end of input."""
    header = read_exactly(stream, 4)
    if header is None:
        return None
    (size,) = struct.unpack(">I", header)
    if size > MAX_REQUEST_BYTES:
        raise ValueError(f"request frame of {size} bytes is over the limit")
    payload = read_exactly(stream, size)
    if payload is None:
        raise EOFError("end of input inside a frame")
    return payload


def write_frame(stream, message):
    payload = message.SerializeToString()
    stream.write(struct.pack(">I", len(payload)) + payload)


def write_answer(stream, response, request, worker_pb2):
    """Writes `response`, or, when it is larger than the request allows (or
    than any frame the worker reads), an error saying so: an over-size answer
    is the caller's error, never a broken stream. Memory a large answer took
    is given back to the system afterwards."""
    payload = response.SerializeToString()
    limit = min(request.max_response_bytes or MAX_RESPONSE_BYTES, MAX_RESPONSE_BYTES)
    if len(payload) > limit:
        refused = type(response)(id=response.id)
        refused.error.code = worker_pb2.ErrorDetail.RESOURCE_EXHAUSTED
        refused.error.message = (
            f"the answer is {size(len(payload))}, over the {size(limit)} an answer may "
            "hold: ask for fewer rows, fewer values or a narrower query")
        payload = refused.SerializeToString()
    stream.write(struct.pack(">I", len(payload)) + payload)
    if len(payload) > (1 << 20):
        release_memory()


def size(count):
    return f"{count} bytes" if count < 10 << 10 else f"{count >> 10} KiB"


def release_memory():
    """Gives the allocator's free memory back to the system (glibc)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def parse_args(argv):
    parser = argparse.ArgumentParser(description="mfgate engine host")
    parser.add_argument("--project-dir", required=True)
    parser.add_argument("--profiles-dir", required=True)
    parser.add_argument("--proto-path", required=True)
    parser.add_argument("--scratch-dir", required=True)
    parser.add_argument("--target", default="")
    return parser.parse_args(argv)


def main(argv):
    frames = isolate_stdout()
    args = parse_args(argv)
    sys.path.insert(0, args.proto_path)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from mfgate.v1 import engine_pb2, worker_pb2  # noqa: E402

    started = time.monotonic()
    try:
        bootstrap = engine_pb2.EngineBootstrap()
        payload = read_frame(sys.stdin.buffer)
        if payload is None:
            raise EOFError("no bootstrap frame (the profile) on stdin")
        bootstrap.ParseFromString(payload)
        import mf_adapter  # Imports dbt and MetricFlow: after isolate_stdout.
        adapter = mf_adapter.Adapter.load(args, worker_pb2, bootstrap)
    except Exception as error:  # Start-up failed: say why, then exit.
        # The traceback (frames, no local values) goes to the worker's log;
        # the worker's callers get the cause alone, on one line.
        traceback.print_exc()
        failure = engine_pb2.EngineResponse()
        failure.error.code = worker_pb2.ErrorDetail.ENGINE_UNAVAILABLE
        failure.error.message = f"{type(error).__name__}: {' '.join(str(error).split())}"[:2000]
        write_frame(frames, failure)
        return 1

    # Each request runs in a fresh copy of the context as it is now, once
    # loaded: MetricFlow's timers and dbt set new context variables on every
    # query, and in one long-lived context their number (and dbt's scans of
    # it) would grow with every request served.
    loaded = contextvars.copy_context()
    # What loading built (dbt's manifest, MetricFlow's lookups: most of the
    # heap) lives as long as the process: frozen out of the cyclic
    # collector, it is no longer scanned by every collection a large answer
    # sets off.
    gc.collect()
    gc.freeze()

    hello = engine_pb2.EngineResponse()
    hello.ready.metricflow_version = adapter.metricflow_version
    hello.ready.dbt_version = adapter.dbt_version
    hello.ready.adapter_type = adapter.adapter_type
    hello.ready.manifest_sha256 = adapter.manifest_sha256
    hello.ready.startup_seconds = time.monotonic() - started
    write_frame(frames, hello)

    return serve(adapter, loaded, sys.stdin.buffer, frames, engine_pb2, worker_pb2)


def read_requests(adapter, requests, pending, engine_pb2):
    """The reader thread: hands each request on stdin to `pending` as
    (request, None), an unreadable one as (None, why), end of input as None,
    and passes a cancel to the adapter at once. After an error that leaves
    the stream out of step (an exception as `why`) it reads no more."""
    while True:
        try:
            payload = read_frame(requests)
        except (ValueError, EOFError) as error:
            pending.put((None, error))
            return
        if payload is None:
            pending.put(None)
            return
        request = engine_pb2.EngineRequest()
        try:
            request.ParseFromString(payload)
        except Exception as error:  # A garbled frame: answered in turn.
            pending.put((None, f"unreadable request: {error}"))
            continue
        if request.WhichOneof("request") == "cancel":
            adapter.cancel(request.cancel.id)
            continue
        pending.put((request, None))


def serve(adapter, loaded, requests, frames, engine_pb2, worker_pb2):
    """Answers each request in turn, in a copy of `loaded` (main's context)."""
    # The worker sends one request at a time: a few slots are plenty, and
    # a worker that sent more would only wait.
    pending = queue.Queue(maxsize=8)
    threading.Thread(target=read_requests, args=(adapter, requests, pending, engine_pb2),
                     daemon=True).start()
    while True:
        item = pending.get()
        if item is None:
            return 0
        request, error = item
        response = engine_pb2.EngineResponse()
        if request is None:
            response.error.code = worker_pb2.ErrorDetail.INVALID_ARGUMENT
            response.error.message = str(error)
            write_frame(frames, response)
            if isinstance(error, Exception):
                return 2  # The stream is out of step; the worker restarts us.
            continue
        response.id = request.id
        loaded.copy().run(adapter.handle, request, response)
        write_answer(frames, response, request, worker_pb2)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
