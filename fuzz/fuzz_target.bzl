"""fuzz_target: one fuzz target, built two ways, and its corpus as a test.

Under --config=asan (and --config=fuzz, the same build) the target links
libFuzzer's main and is a real fuzzer: `make fuzz` and
tools/run-tests.sh run it. In any other build it links standalone_main.cc,
which runs the function once on each file it is given. Either way
`<name>_corpus_test` runs the function on every file of the target's corpus
(the seeds, and the inputs of crashes found and fixed), so the plain build
and the sanitizer builds keep them passing.
"""

load("@rules_cc//cc:defs.bzl", "cc_binary")

def fuzz_target(name, srcs, deps):
    """Declares fuzz target `name` and `name`_corpus_test.

    Args:
      name: the target; its source defines LLVMFuzzerTestOneInput, and its
        corpus is fuzz/corpus/<name>/. Files there named crash-* are known
        crashes whose fix is still to land (fuzz/known_crashes.txt): left
        out of the corpus test until then.
      srcs: the sources.
      deps: what they use.
    """
    cc_binary(
        name = name,
        testonly = True,
        srcs = srcs,
        deps = deps + select({
            "//third_party:asan": [],
            "//conditions:default": ["//fuzz:standalone_main"],
        }),
        linkopts = select({
            "//third_party:asan": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
    )
    inputs = native.glob(
        ["corpus/%s/*" % name],
        exclude = ["corpus/%s/crash-*" % name],
    )
    native.sh_test(
        name = name + "_corpus_test",
        srcs = ["//fuzz:run_corpus.sh"],
        args = ["$(location :%s)" % name] + ["$(location %s)" % f for f in inputs],
        data = [":" + name] + inputs,
    )
