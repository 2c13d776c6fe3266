"""k8s/tenants.py: a tenant is one short entry of an overlay's tenants.json,
not a copied folder. 100 entries render, through make-secrets.sh and
kustomize, into 100 isolated workers and one gateway configuration; bad
entries are refused by their JSON path."""

import base64
import json
import pathlib
import shutil
import subprocess

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
KUSTOMIZE = REPO / ".deps" / "bin" / "kustomize"
TENANTS = 100


def overlay_with(tmp_path, tenants):
    """A copy of k8s/ whose `demo` overlay lists `tenants`."""
    copy = tmp_path / "k8s"
    shutil.copytree(REPO / "k8s", copy, ignore=shutil.ignore_patterns(
        ".pki", "tls", "generated", "production"))
    (copy / "overlays" / "demo" / "tenants.json").write_text(
        json.dumps({"tenants": tenants}, indent=1))
    return copy


def entry(index):
    if index % 2:
        return {"name": f"t{index}", "image": f"registry.example/t{index}:1.0", "replicas": 2,
                "warehouse": {"type": "postgres", "profile": "shop", "schema": "analytics",
                              "address": f"10.1.{index}.5/32", "port": 5432}}
    return {"name": f"t{index}", "image": f"registry.example/t{index}:1.0",
            "warehouse": {"type": "duckdb", "profile": "p",
                          "path": "/srv/mfgate/project/w.duckdb"}}


def test_a_hundred_tenants_are_a_hundred_entries(tmp_path):
    tenants = [entry(i) for i in range(TENANTS)]
    copy = overlay_with(tmp_path, tenants)
    # Each entry is a few lines of tenants.json.
    assert max(len(json.dumps(t)) for t in tenants) < 250
    subprocess.run([copy / "make-secrets.sh", "2"], check=True, capture_output=True)
    rendered = subprocess.run([KUSTOMIZE, "build", copy / "overlays" / "demo"], check=True,
                              capture_output=True, text=True).stdout
    docs = [d for d in yaml.safe_load_all(rendered) if d]
    by_kind = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    workers = {n: d for n, d in by_kind["Deployment"].items() if n != "mfgate-gateway"}
    assert len(workers) == TENANTS
    config = json.loads(next(c for n, c in by_kind["ConfigMap"].items()
                             if n.startswith("mfgate-gateway-config"))["data"]["gateway.json"])
    assert [t["name"] for t in config["tenants"]] == [f"t{i}" for i in range(TENANTS)]
    secrets_of = {}
    for index in range(TENANTS):
        name = f"t{index}"
        deployment = workers[f"mfgate-worker-{name}"]
        pod = deployment["spec"]["template"]
        assert pod["metadata"]["labels"]["mfgate.dev/tenant"] == name
        assert pod["spec"]["containers"][0]["image"] == f"registry.example/{name}:1.0"
        assert deployment["spec"]["replicas"] == (2 if index % 2 else 1)
        assert by_kind["Service"][f"mfgate-worker-{name}"]["spec"]["clusterIP"] == "None"
        secrets = {v["secret"]["secretName"] for v in pod["spec"]["volumes"] if "secret" in v}
        secrets |= {s["secretRef"]["name"]
                    for s in pod["spec"]["containers"][0].get("envFrom", [])}
        assert all(f"-{name}-" in s for s in secrets), secrets
        secrets_of[name] = secrets
        policy = by_kind["NetworkPolicy"][f"mfgate-worker-{name}"]["spec"]
        cidrs = [peer["ipBlock"]["cidr"] for rule in policy["egress"]
                 for peer in rule["to"] if "ipBlock" in peer]
        assert cidrs == ([f"10.1.{index}.5/32"] if index % 2 else [])
        if index % 2:
            assert f"mfgate-worker-{name}" in by_kind["PodDisruptionBudget"]
            profile = next(s for n, s in by_kind["Secret"].items()
                           if n.startswith(f"mfgate-worker-profiles-{name}-"))
            text = base64.b64decode(profile["data"]["profiles.yml"]).decode()
            assert "env_var('WAREHOUSE_PASSWORD')" in text  # No password in it.
    # No two tenants share a Secret.
    all_secrets = [s for secrets in secrets_of.values() for s in secrets]
    assert len(all_secrets) == len(set(all_secrets))


@pytest.mark.parametrize("tenants, message", [
    ([entry(0), entry(0)], "tenants[1].name: t0 is listed twice"),
    ([{**entry(0), "name": "Bad_Name"}], "tenants[0].name: expected"),
    ([{**entry(0), "warehouse": {"type": "oracle"}}], "tenants[0].warehouse.type: expected"),
    ([{**entry(1), "warehouse": {**entry(1)["warehouse"], "address": "10.0.0.0/33"}}],
     "tenants[0].warehouse.address: expected"),
    ([{**entry(1), "replicas": 0}], "tenants[0].replicas: expected 1 to 100"),
    ([{**entry(0), "warehouse": {"profiles_file": "../../../etc/passwd"}}],
     "tenants[0].warehouse.profiles_file:"),
    ([], "tenants: expected a list of 1 to 1000 tenants"),
])
def test_bad_entries_are_refused_by_their_path(tmp_path, tenants, message):
    copy = overlay_with(tmp_path, tenants)
    result = subprocess.run(["python3", copy / "tenants.py", copy / "overlays" / "demo"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert message in result.stderr, result.stderr
    assert not (copy / "overlays" / "demo" / "generated").exists()
