"""Memory and CPU of processes, read from /proc: the gateway's process tree
(gateway, workers, engines), peak and current RSS, CPU seconds."""

import contextlib
import os


def peak_rss_mib(pattern):
    """Peak RSS (VmHWM) of the processes whose command line contains `pattern`."""
    total = 0
    for entry in os.listdir("/proc"):
        try:
            cmdline = open(f"/proc/{entry}/cmdline", "rb").read().replace(b"\0", b" ")
            if pattern.encode() in cmdline and b"compare.py" not in cmdline:
                for line in open(f"/proc/{entry}/status"):
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return total / 1024


def processes():
    """{pid: (parent pid, command line)} of every process."""
    found = {}
    for entry in os.listdir("/proc"):
        try:
            stat = open(f"/proc/{entry}/stat").read()
            cmdline = open(f"/proc/{entry}/cmdline", "rb").read().replace(b"\0", b" ")
            found[int(entry)] = (int(stat.rsplit(")", 1)[1].split()[1]), cmdline.decode())
        except (OSError, ValueError, IndexError):
            continue
    return found


def mfgate_tree(gateway_pid):
    """{"gateway": [pid], "worker": [...], "engine": [...]}: the gateway, the
    mfgate-worker processes under it, and every other process under those (the
    engine's Python and its helpers)."""
    table = processes()
    tree, todo = {"gateway": [gateway_pid], "worker": [], "engine": []}, [gateway_pid]
    while todo:
        parent = todo.pop()
        for pid, (ppid, cmdline) in table.items():
            if ppid == parent:
                program = os.path.basename(cmdline.split(" ", 1)[0])
                tree["worker" if program == "mfgate-worker" else "engine"].append(pid)
                todo.append(pid)
    return tree


def rss_mb(tree):
    """VmRSS in MB (10^6 bytes) of each part of an mfgate_tree."""
    result = {}
    for part, pids in tree.items():
        total = 0
        for pid in pids:
            with contextlib.suppress(OSError, ValueError):
                for line in open(f"/proc/{pid}/status"):
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        result[part] = total / 1e6
    return result


def cpu_seconds(tree):
    """utime + stime in seconds of each part of an mfgate_tree."""
    ticks = os.sysconf("SC_CLK_TCK")
    result = {}
    for part, pids in tree.items():
        total = 0
        for pid in pids:
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
        result[part] = total / ticks
    return result


def format_rss(rss):
    return ", ".join(f"{part} {mb:.1f} MB" for part, mb in rss.items())
