"""Counts the test cases of one `make test` run and prints the summary line.

Reads each Bazel test target's JUnit XML (<testlogs>/<package>/<name>/test.xml,
written by GoogleTest) of the plain run and of each sanitizer run, and the
JUnit XML of pytest and of the fuzzing runs, and prints
`tests: N passed, N failed`. A target with no XML (it failed to build or
crashed before writing it) counts as one failed test. In a sanitizer run, a
target whose log holds a sanitizer's report (from any process it started)
counts as one more failed test, even if its cases passed. Exits 1 on any
failure.
"""

import argparse
import os
import re
import sys
import xml.etree.ElementTree as ET

# The first line of every report of ASan, LSan, UBSan and TSan.
REPORT = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer)|WARNING: "
                    r"ThreadSanitizer|ThreadSanitizer: CHECK failed|"
                    r": runtime error: ")


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


def count_bazel(testlogs, targets, newer_than, reports):
    """Returns (passed, failed, failed_names) for one `bazel test` run."""
    passed = failed = 0
    failures = []
    for target in targets:
        package, _, name = target.lstrip("/").partition(":")
        xml = os.path.join(testlogs, package, name, "test.xml")
        if not os.path.exists(xml) or os.path.getmtime(xml) < newer_than:
            failed += 1
            failures.append(f"{target} (no test results)")
            continue
        p, f, names = count_junit(xml)
        log = os.path.join(testlogs, package, name, "test.log")
        text = open(log, errors="replace").read() if os.path.exists(log) else ""
        # A suite whose set-up failed reports its cases as skipped; a target
        # that ran no case at all counts once, by its outcome.
        if f == 0 and ("FAILED TEST" in text or p == 0):
            broken = "FAILED TEST" in text or "[  PASSED  ]" not in text
            p, f, names = (p, 1, [target]) if broken else (1, 0, [])
        if reports and REPORT.search(text):
            f += 1
            names.append(f"{target} (sanitizer report in its log)")
        passed, failed = passed + p, failed + f
        failures += names
    return passed, failed, failures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bazel-testlogs", required=True)
    parser.add_argument("--junit", action="append", default=[])
    parser.add_argument("--newer-than", type=float, default=0,
                        help="ignore Bazel XML older than this Unix time (stale)")
    parser.add_argument("--sanitizer-run", nargs=3, action="append", default=[],
                        metavar=("NAME", "TESTLOGS", "TARGETS_FILE"),
                        help="a sanitizer run: its testlogs directory and a "
                             "file listing its targets, one per line")
    parser.add_argument("targets", nargs="*")
    args = parser.parse_args()

    passed, failed, failures = count_bazel(
        args.bazel_testlogs, args.targets, args.newer_than, reports=False)
    for name, testlogs, targets_file in args.sanitizer_run:
        with open(targets_file) as f:
            targets = [line.strip() for line in f if line.strip()]
        p, f, names = count_bazel(testlogs, targets, args.newer_than,
                                  reports=True)
        print(f"{name}: {p} passed, {f} failed")
        passed, failed = passed + p, failed + f
        failures += [f"{name}: {n}" for n in names]
    for junit in args.junit:
        if not os.path.exists(junit):
            failed += 1
            failures.append(f"{junit} (no results written)")
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
