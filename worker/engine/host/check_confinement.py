"""Tries, from inside the engine's confinement, what a compromised engine must
not be able to do, and prints one JSON line of outcomes.

`mfgate-worker --check-confinement` runs this in place of the engine, under
the very policy and environment the engine gets, so an operator (and the
tests) can see the confinement hold on their kernel:

    {"read:/other/profiles.yml": "EACCES", "connect:10.0.0.5:5432": "EACCES",
     "exec:/bin/sh": "EACCES", ..., "status": {"NoNewPrivs": "1", ...}}

Arguments are the attempts: read:PATH write:PATH exec:PATH connect:HOST:PORT,
and duckdb:PATH (DuckDB, in this process and with its external access on,
reading PATH as text: what a query would get if nothing but the confinement
stood in its way). An attempt's outcome is "ok" or the errno name.
"""

import errno
import json
import os
import socket
import subprocess
import sys


def outcome(attempt):
    try:
        attempt()
        return "ok"
    except OSError as error:
        return errno.errorcode.get(error.errno, str(error.errno))


def duckdb_read(path):
    import duckdb
    try:
        rows = duckdb.connect(":memory:").execute(
            "SELECT content FROM read_text(?)", [path]).fetchall()
        # read_text takes a glob: a file that is not there matches nothing.
        return "ok" if rows else "ENOENT"
    except Exception as error:  # DuckDB reports errno as text.
        text = str(error)
        for name, words in (("EACCES", "Permission denied"),
                            ("ENOENT", "No such file")):
            if words in text:
                return name
        return f"error: {type(error).__name__}"


def attempt(spec):
    kind, _, target = spec.partition(":")
    if kind == "read":
        return outcome(lambda: open(target, "rb").close())
    if kind == "write":
        return outcome(lambda: open(target, "wb").close())
    if kind == "exec":
        return outcome(lambda: subprocess.run([target, "-c", "true"], check=False,
                                              stdin=subprocess.DEVNULL))
    if kind == "duckdb":
        return duckdb_read(target)
    if kind == "connect":
        host, _, port = target.rpartition(":")

        def connect():
            with socket.create_connection((host, int(port)), timeout=5):
                pass
        return outcome(connect)
    return "unknown attempt"


def status():
    wanted = ("Uid", "Gid", "NoNewPrivs", "Seccomp", "CapEff", "CapBnd")
    found = {}
    with open("/proc/self/status") as lines:
        for line in lines:
            name, _, value = line.partition(":")
            if name in wanted:
                found[name] = value.split()[0] if name in ("Uid", "Gid") else value.strip()
    return found


def main(argv):
    report = {spec: attempt(spec) for spec in argv}
    report["status"] = status()
    report["environment"] = sorted(os.environ)
    report["umask"] = oct(os.umask(0o077))
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
