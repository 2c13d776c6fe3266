"""Counts the test cases of one `make test` run and prints the summary line.

Reads each Bazel test target's JUnit XML (bazel-testlogs/<package>/<name>/test.xml,
written by GoogleTest) and pytest's JUnit XML, and prints
`tests: N passed, N failed`. A target with no XML (it failed to build or
crashed before writing it) counts as one failed test. Exits 1 on any failure.
"""

import argparse
import os
import sys
import xml.etree.ElementTree as ET


def count_junit(path):
    """Returns (passed, failed, failed_names) for one JUnit XML file."""
    root = ET.parse(path).getroot()
    passed, failed, names = 0, 0, []
    for case in root.iter("testcase"):
        if case.find("skipped") is not None or case.get("status") == "notrun":
            continue
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
            names.append(f"{case.get('classname')}.{case.get('name')}")
        else:
            passed += 1
    return passed, failed, names


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bazel-testlogs", required=True)
    parser.add_argument("--junit", action="append", default=[])
    parser.add_argument("--newer-than", type=float, default=0,
                        help="ignore Bazel XML older than this Unix time (stale)")
    parser.add_argument("targets", nargs="*")
    args = parser.parse_args()

    passed = failed = 0
    failures = []
    for target in args.targets:
        package, _, name = target.lstrip("/").partition(":")
        xml = os.path.join(args.bazel_testlogs, package, name, "test.xml")
        if not os.path.exists(xml) or os.path.getmtime(xml) < args.newer_than:
            failed += 1
            failures.append(f"{target} (no test results)")
            continue
        p, f, names = count_junit(xml)
        log = os.path.join(args.bazel_testlogs, package, name, "test.log")
        text = open(log, errors="replace").read() if os.path.exists(log) else ""
        # A suite whose set-up failed reports its cases as skipped; a target
        # that ran no case at all counts once, by its outcome.
        if f == 0 and ("FAILED TEST" in text or p == 0):
            broken = "FAILED TEST" in text or "[  PASSED  ]" not in text
            p, f, names = (p, 1, [target]) if broken else (1, 0, [])
        passed, failed = passed + p, failed + f
        failures += names
    for junit in args.junit:
        if not os.path.exists(junit):
            failed += 1
            failures.append(f"{junit} (pytest wrote no results)")
            continue
        p, f, names = count_junit(junit)
        passed, failed = passed + p, failed + f
        failures += names
    for name in failures:
        print(f"FAILED: {name}")
    print(f"tests: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
