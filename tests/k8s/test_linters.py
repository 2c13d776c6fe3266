"""Every overlay through two Kubernetes linters, pinned (tools/install-deps.sh
--k8s): kubeconform, strict, against the Kubernetes 1.31 schemas (those
kubernetes-validate ships, made standalone here: no download), and
kube-score, whose every CRITICAL finding is either fixed or explained in
k8s/kube-score-exceptions.json."""

import json
import pathlib
import subprocess

import kubernetes_validate
import pytest

from conftest import OVERLAYS, REPO, render, render_text

BIN = REPO / ".k8s-build" / "bin"
SCHEMAS = (pathlib.Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
           / "v1.31.0-local-strict")
DEFINITIONS = "/api/_definitions.json#"

@pytest.fixture(scope="module")
def standalone_schemas(tmp_path_factory, k8s_copy):
    """kubeconform's layout ({kind}-{group}-{version}.json) of standalone
    schemas for the kinds the overlays hold: kubernetes-validate's refer to a
    shared definitions file, which is inlined."""
    out = tmp_path_factory.mktemp("schemas")
    definitions = json.loads((SCHEMAS / "_definitions.json").read_text()
                             .replace(DEFINITIONS, "#"))["$defs"]
    for overlay in OVERLAYS:
        for doc in render(k8s_copy, overlay):
            # As kubeconform names them: kind, group's first label, version.
            *group, version = doc["apiVersion"].split("/")
            parts = [doc["kind"].lower(), *(g.split(".")[0] for g in group), version]
            source = SCHEMAS / f"{'-'.join(parts)}.json"
            schema = json.loads(source.read_text().replace(DEFINITIONS, "#"))
            schema["$defs"] = definitions
            (out / source.name).write_text(json.dumps(schema))
    return out


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kubeconform_finds_every_object_valid(k8s_copy, standalone_schemas, overlay):
    assert (BIN / "kubeconform").exists(), "make test-k8s builds the linters"
    result = subprocess.run(
        [BIN / "kubeconform", "-strict", "-summary", "-output", "json",
         "-schema-location", f"{standalone_schemas}/{{{{ .ResourceKind }}}}"
                             "{{ .KindSuffix }}.json", "-"],
        input=render_text(k8s_copy, overlay), capture_output=True, text=True, timeout=120)
    summary = json.loads(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    counts = summary["summary"]
    assert counts["valid"] == len(render(k8s_copy, overlay))
    assert counts["invalid"] == counts["errors"] == counts["skipped"] == 0


def kube_score_criticals(text):
    assert (BIN / "kube-score").exists(), "make test-k8s builds the linters"
    result = subprocess.run([BIN / "kube-score", "score", "--output-format", "json", "-"],
                            input=text, capture_output=True, text=True, timeout=120)
    assert result.stdout, result.stderr
    found = set()
    for item in json.loads(result.stdout):
        name = f"{item['object_meta']['name']}"
        for check in item["checks"]:
            if check["grade"] == 1 and not check["skipped"]:  # 1: CRITICAL.
                found.add((check["check"]["id"], name))
    return found


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kube_score_criticals_are_fixed_or_explained(k8s_copy, overlay):
    exceptions = json.loads((REPO / "k8s" / "kube-score-exceptions.json").read_text())
    for entry in exceptions:
        assert len(entry["why"]) > 40, entry  # A reason, not a shrug.
    explained = {(e["check"], name) for e in exceptions for name in e["objects"]}

    def is_explained(check, name):
        return any(check == c and (name == n or name.startswith(n + "-"))
                   for c, n in explained)

    found = kube_score_criticals(render_text(k8s_copy, overlay))
    unexplained = {(check, name) for check, name in found if not is_explained(check, name)}
    assert not unexplained, unexplained


def test_kube_score_reports_what_it_should():
    """The control: a Deployment without limits or a security context gets
    the criticals an exception would otherwise hide."""
    found = kube_score_criticals(json.dumps({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "bare"},
        "spec": {"selector": {"matchLabels": {"a": "b"}},
                 "template": {"metadata": {"labels": {"a": "b"}},
                              "spec": {"containers": [{"name": "c", "image": "x:1"}]}}}}))
    checks = {check for check, _ in found}
    assert {"container-resources", "container-security-context-user-group-id"} <= checks
