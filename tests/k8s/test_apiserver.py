"""Every overlay on a real API server (kube-apiserver and etcd, pinned, see
apiserver.py): applied with kubectl --validate=strict (server-side field
validation), after a server-side dry run, with no warning; and a Pod made
from each Deployment's template admitted by Pod Security `restricted` in the
overlay's namespace. Controls show that each check can fail."""

import copy
import json

import pytest
import yaml

from apiserver import BIN, ApiServer
from conftest import OVERLAYS, render, render_text

@pytest.fixture(scope="module")
def api(tmp_path_factory):
    assert (BIN / "kube-apiserver").exists(), "make test-k8s builds the API server"
    server = ApiServer(tmp_path_factory.mktemp("apiserver"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def applied(api, k8s_copy):
    """Each overlay applied: its namespace first, then a server-side dry run
    of everything, then everything."""
    results = {}
    for overlay in OVERLAYS:
        text = render_text(k8s_copy, overlay)
        docs = [d for d in yaml.safe_load_all(text) if d]
        (namespace,) = [d for d in docs if d["kind"] == "Namespace"]
        api.kubectl("apply", "--validate=strict", "-f", "-", input=json.dumps(namespace))
        # Pods of the namespace need its default service account, which the
        # controller manager (not run here) would create.
        api.kubectl("create", "serviceaccount", "default", "-n",
                    namespace["metadata"]["name"], check=False)
        dry = api.kubectl("apply", "--validate=strict", "--dry-run=server", "-f", "-",
                          input=text, check=False)
        real = api.kubectl("apply", "--validate=strict", "-f", "-", input=text, check=False)
        results[overlay] = (docs, dry, real)
    return results


def pod_of(deployment):
    template = deployment["spec"]["template"]
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": deployment["metadata"]["name"] + "-probe",
                         "namespace": deployment["metadata"]["namespace"],
                         "labels": template["metadata"]["labels"]},
            "spec": template["spec"]}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_applies_with_strict_validation(applied, api, overlay):
    docs, dry, real = applied[overlay]
    assert dry.returncode == 0, dry.stderr
    assert real.returncode == 0, real.stderr
    for result in (dry, real):
        assert "Warning" not in result.stderr, result.stderr
    namespace = next(d for d in docs if d["kind"] == "Namespace")["metadata"]["name"]
    stored = json.loads(api.kubectl("get", "deployments,services,networkpolicies,"
                                    "poddisruptionbudgets,secrets,configmaps",
                                    "-n", namespace, "-o", "json").stdout)["items"]
    found = {(i["kind"], i["metadata"]["name"]) for i in stored}
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert (doc["kind"], doc["metadata"]["name"]) in found


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_are_admitted_under_pod_security_restricted(applied, api, overlay):
    docs, _, _ = applied[overlay]
    deployments = [d for d in docs if d["kind"] == "Deployment"]
    assert deployments
    for deployment in deployments:
        result = api.kubectl("create", "--dry-run=server", "-o", "name", "-f", "-",
                             input=json.dumps(pod_of(deployment)), check=False)
        assert result.returncode == 0, (deployment["metadata"]["name"], result.stderr)
        assert "Warning" not in result.stderr, result.stderr


def test_pod_security_rejects_a_pod_that_breaks_restricted(applied, api):
    """The control: a worker Pod that may run as root and escalate is
    refused in the same namespace."""
    docs, _, _ = applied[OVERLAYS[0]]
    deployment = next(d for d in docs if d["kind"] == "Deployment"
                      and d["metadata"]["name"].startswith("mfgate-worker"))
    pod = copy.deepcopy(pod_of(deployment))
    del pod["spec"]["securityContext"]["runAsNonRoot"]
    del pod["spec"]["securityContext"]["runAsUser"]
    pod["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"] = True
    result = api.kubectl("create", "--dry-run=server", "-f", "-", input=json.dumps(pod),
                         check=False)
    assert result.returncode != 0
    assert 'violates PodSecurity "restricted:latest"' in result.stderr, result.stderr


def test_strict_validation_rejects_an_unknown_field(applied, api):
    """The control: a misspelt field is an error, not silently dropped."""
    docs, _, _ = applied[OVERLAYS[0]]
    deployment = copy.deepcopy(next(d for d in docs if d["kind"] == "Deployment"))
    deployment["spec"]["replica"] = 2
    result = api.kubectl("apply", "--validate=strict", "--dry-run=server", "-f", "-",
                         input=json.dumps(deployment), check=False)
    assert result.returncode != 0
    assert 'unknown field "spec.replica"' in result.stderr, result.stderr
