"""HTTP/1.1 spoken byte by byte, for the attacks a well-behaved client never
makes (trickled headers, endless chunked bodies), and the gateway's memory as
the kernel counts it."""

import json
import select
import socket
import time


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def connect(port, timeout=10):
    conn = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


def read_response(conn, timeout=10):
    """(status, headers, body) of one response; the connection may stay open.
    A response without Content-Length (an event stream) has as its body the
    bytes that came with its head, still chunk-encoded."""
    conn.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed after {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" not in headers:
        return status, headers, body
    length = int(headers["content-length"])
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, headers, body[:length]


def request(port, text, timeout=10):
    """Sends one request (bytes) on a new connection; (status, headers, body)."""
    with connect(port, timeout) as conn:
        conn.sendall(text)
        return read_response(conn, timeout)


def health_seconds(port):
    """How long a GET /health takes on a new connection, connect included."""
    start = time.monotonic()
    status, _, body = request(
        port, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert status == 200 and json.loads(body)["status"] == "healthy"
    return time.monotonic() - start


def health_latency(port, probes=5):
    """The median time of `probes` GET /health: what the bound is checked
    against, so that one probe delayed by a busy machine (not the gateway)
    does not decide."""
    times = sorted(health_seconds(port) for _ in range(probes))
    return times[len(times) // 2]


def ready_seconds(port, headers=b""):
    """(status, seconds) of a GET /ready on a new connection."""
    start = time.monotonic()
    status, _, _ = request(port, b"GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           b"Connection: close\r\n" + headers + b"\r\n")
    return status, time.monotonic() - start


def closed_by_peer(conn, timeout):
    """Whether the peer closes `conn` (after any answer) within `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([conn], [], [], deadline - time.monotonic())
        if ready:
            try:
                if not conn.recv(65536):
                    return True
            except ConnectionError:
                return True
    return False


def send_chunked_until_answered(port, path, chunk_bytes, max_bytes, headers=b""):
    """Sends a chunked POST body until the server answers (or `max_bytes` went
    out); (status of the answer or None, bytes of body sent)."""
    conn = connect(port)
    conn.sendall(b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                 + headers + b"\r\n")
    chunk = b"%x\r\n" % chunk_bytes + b"x" * chunk_bytes + b"\r\n"
    sent = 0
    status = None
    try:
        while sent < max_bytes:
            ready, _, _ = select.select([conn], [], [], 0)
            if ready:
                break
            conn.sendall(chunk)
            sent += chunk_bytes
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        status, _, _ = read_response(conn, timeout=10)
    except (ConnectionError, socket.timeout):
        pass
    conn.close()
    return status, sent
