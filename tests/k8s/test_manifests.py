"""The Kubernetes manifests (k8s/), rendered by kustomize as a deployment
would render them, checked against the Kubernetes API schemas (offline, with
kubernetes-validate) and against the security rules of the deployment guide.
"""

import base64
import json
import pathlib
import re
import subprocess

import kubernetes_validate
import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
KUBERNETES_VERSION = "1.31"
WORKER_GRPC_PORT = 50051


def of_kind(docs, kind):
    return [d for d in docs if d["kind"] == kind]


def named(docs, kind, name):
    found = [d for d in of_kind(docs, kind) if d["metadata"]["name"] == name]
    assert found, f"no {kind} {name}"
    return found[0]


def selects(selector, labels):
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def gateway_config(docs):
    config_map = [c for c in of_kind(docs, "ConfigMap")
                  if c["metadata"]["name"].startswith("mfgate-gateway-config")]
    assert len(config_map) == 1
    return json.loads(config_map[0]["data"]["gateway.json"])


def test_every_overlay_renders_the_expected_objects(rendered):
    overlay, docs = rendered
    kinds = {d["kind"] for d in docs}
    assert {"Namespace", "Deployment", "Service", "ConfigMap", "Secret",
            "NetworkPolicy", "PodDisruptionBudget"} <= kinds, overlay


def test_every_object_matches_the_kubernetes_schema(rendered):
    overlay, docs = rendered
    for doc in docs:
        # Raises ValidationError (with the field) on any schema violation;
        # strict also rejects fields the schema does not know.
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_pods_run_unprivileged_and_bounded(rendered):
    overlay, docs = rendered
    for deployment in of_kind(docs, "Deployment"):
        name = deployment["metadata"]["name"]
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] != 0, name
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", name
        assert pod["automountServiceAccountToken"] is False, name
        assert not pod.get("hostNetwork") and not pod.get("hostPID"), name
        for container in pod["containers"] + pod.get("initContainers", []):
            where = f"{name}/{container['name']}"
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["readOnlyRootFilesystem"] is True, where
            assert security.get("privileged", False) is False, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            assert not security["capabilities"].get("add"), where
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][bound]), where
        for container in pod["containers"]:
            assert "readinessProbe" in container and "livenessProbe" in container, name


def test_the_gateway_is_replicated_and_guarded(rendered):
    overlay, docs = rendered
    gateway = named(docs, "Deployment", "mfgate-gateway")
    assert gateway["spec"]["replicas"] >= 2
    labels = gateway["spec"]["template"]["metadata"]["labels"]
    assert any(selects(p["spec"]["selector"], labels)
               for p in of_kind(docs, "PodDisruptionBudget"))
    assert any(selects({"matchLabels": s["spec"]["selector"]}, labels)
               for s in of_kind(docs, "Service"))
    args = gateway["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--log-format=json" in args
    assert any(a.startswith("--metrics-listen=") for a in args)


def test_the_gateway_pod_outlives_its_drain(rendered):
    """Kubernetes kills the pod at its grace period: the preStop pause, the
    drain and the send timeout the drain gives answers must fit in it."""
    overlay, docs = rendered
    spec = named(docs, "Deployment", "mfgate-gateway")["spec"]["template"]["spec"]
    container = spec["containers"][0]
    drain = [float(a.split("=", 1)[1]) for a in container["args"]
             if a.startswith("--drain-seconds=")]
    assert drain, "the drain is stated in the manifest, not left to a default"
    pause = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    send_timeout = gateway_config(docs).get("limits", {}).get("send_timeout_seconds", 30)
    assert pause >= 1
    assert spec["terminationGracePeriodSeconds"] >= pause + drain[0] + send_timeout, overlay


def test_each_tenant_has_an_isolated_worker(rendered):
    overlay, docs = rendered
    config = gateway_config(docs)
    assert config["tenants"], overlay
    workers = {}
    for tenant in config["tenants"]:
        name = tenant["name"]
        # The gateway reaches the tenant's Service over mutual TLS.
        host, port = re.fullmatch(r"dns:///([a-z0-9-]+):(\d+)",
                                  tenant["worker"]["address"]).groups()
        assert int(port) == WORKER_GRPC_PORT
        assert tenant["worker"]["tls_server_name"] == host
        assert set(config["worker_tls"]) == {"cert", "key", "ca"}
        service = named(docs, "Service", host)
        deployment = named(docs, "Deployment", f"mfgate-worker-{name}")
        pod = deployment["spec"]["template"]
        labels = pod["metadata"]["labels"]
        assert labels["mfgate.dev/tenant"] == name
        assert selects({"matchLabels": service["spec"]["selector"]}, labels)
        workers[name] = labels
        args = pod["spec"]["containers"][0]["args"]
        for flag in ("--tls-cert=", "--tls-key=", "--tls-ca=", "--health-listen="):
            assert any(a.startswith(flag) for a in args), (name, flag)
        # Probes use the plaintext health port, never the mTLS gRPC port;
        # liveness (and start-up) ask whether the worker serves, readiness
        # whether its engine does.
        health_port = int(next(a for a in args if a.startswith("--health-listen="))
                          .rsplit(":", 1)[1])
        container = pod["spec"]["containers"][0]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert container[probe]["grpc"]["port"] == health_port
        assert container["startupProbe"]["grpc"]["service"] == "liveness"
        assert container["livenessProbe"]["grpc"]["service"] == "liveness"
        assert container["readinessProbe"]["grpc"].get("service", "") == ""
        # Headless: the name resolves to every ready replica (round robin).
        assert service["spec"]["clusterIP"] == "None"
        assert any(a.startswith("--max-connection-age-seconds=") for a in args)
    # No tenant's Service or policy selects another tenant's pods.
    for name, labels in workers.items():
        for other, other_labels in workers.items():
            if other != name:
                service = named(docs, "Service", f"mfgate-worker-{name}")
                assert not selects({"matchLabels": service["spec"]["selector"]},
                                   other_labels)


def test_worker_network_policy_admits_only_the_gateway(rendered):
    overlay, docs = rendered
    gateway_labels = named(docs, "Deployment", "mfgate-gateway")[
        "spec"]["template"]["metadata"]["labels"]
    for tenant in gateway_config(docs)["tenants"]:
        name = tenant["name"]
        labels = named(docs, "Deployment", f"mfgate-worker-{name}")[
            "spec"]["template"]["metadata"]["labels"]
        # Its own policy (and the namespace's default deny, which admits
        # nothing).
        policies = [p for p in of_kind(docs, "NetworkPolicy")
                    if selects(p["spec"]["podSelector"], labels)
                    and p["metadata"]["name"] != "default-deny"]
        assert len(policies) == 1, name
        spec = policies[0]["spec"]
        assert set(spec["policyTypes"]) == {"Ingress", "Egress"}
        for rule in spec["ingress"]:
            assert rule["ports"] == [{"port": WORKER_GRPC_PORT, "protocol": "TCP"}]
            for peer in rule["from"]:
                assert set(peer) == {"podSelector"}, name
                (expression,) = peer["podSelector"]["matchExpressions"]
                assert expression["key"] == "app.kubernetes.io/name"
                assert expression["values"] == [
                    gateway_labels["app.kubernetes.io/name"]]
        for rule in spec["egress"]:
            assert rule.get("ports"), f"{name}: egress to any port"
            ports = {p["port"] for p in rule["ports"]}
            if ports == {53}:
                assert_cluster_dns_only(rule, name)
                continue
            # A warehouse: one address block, its ports only.
            assert [set(peer) for peer in rule["to"]] == [{"ipBlock"}], name
            assert rule["to"][0]["ipBlock"]["cidr"].endswith("/32"), name


def assert_cluster_dns_only(rule, where):
    """A DNS egress rule reaches the cluster DNS pods in kube-system only."""
    for peer in rule["to"]:
        assert set(peer) == {"namespaceSelector", "podSelector"}, where
        (namespace,) = peer["namespaceSelector"]["matchExpressions"]
        assert namespace == {"key": "kubernetes.io/metadata.name", "operator": "In",
                             "values": ["kube-system"]}, where
        (pods,) = peer["podSelector"]["matchExpressions"]
        assert pods == {"key": "k8s-app", "operator": "In", "values": ["kube-dns"]}, where


def test_the_namespace_denies_by_default(rendered):
    overlay, docs = rendered
    default = [p for p in of_kind(docs, "NetworkPolicy") if p["spec"]["podSelector"] == {}]
    assert len(default) == 1, overlay
    spec = default[0]["spec"]
    assert set(spec["policyTypes"]) == {"Ingress", "Egress"}
    assert not spec.get("ingress") and not spec.get("egress")
    namespace = of_kind(docs, "Namespace")[0]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_gateway_ingress_only_from_named_peers(rendered):
    """No rule admits every source: each names its peers (and ports)."""
    overlay, docs = rendered
    policy = named(docs, "NetworkPolicy", "mfgate-gateway")["spec"]
    assert policy["ingress"], f"{overlay}: the gateway admits nobody"
    for rule in policy["ingress"]:
        assert rule.get("from") and rule.get("ports"), rule
        for peer in rule["from"]:
            assert "ipBlock" not in peer
            for selector in peer.values():
                assert selector.get("matchLabels") or selector.get("matchExpressions"), peer
    for rule in policy["egress"]:
        if {p["port"] for p in rule["ports"]} == {53}:
            assert_cluster_dns_only(rule, "gateway")


def test_referenced_config_and_secrets_exist(rendered):
    overlay, docs = rendered
    names = {(d["kind"], d["metadata"]["name"]) for d in docs}
    for deployment in of_kind(docs, "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        for volume in pod.get("volumes", []):
            if "secret" in volume:
                assert ("Secret", volume["secret"]["secretName"]) in names
            if "configMap" in volume:
                assert ("ConfigMap", volume["configMap"]["name"]) in names
        for container in pod["containers"]:
            for source in container.get("envFrom", []):
                assert ("Secret", source["secretRef"]["name"]) in names


def test_the_gateway_holds_key_digests_and_no_warehouse_secret(rendered):
    overlay, docs = rendered
    gateway_pod = named(docs, "Deployment", "mfgate-gateway")["spec"]["template"]["spec"]
    mounted = {v["secret"]["secretName"] for v in gateway_pod["volumes"] if "secret" in v}
    for secret in of_kind(docs, "Secret"):
        if secret["metadata"]["name"] not in mounted:
            continue
        for key, value in secret["data"].items():
            text = base64.b64decode(value).decode()
            assert "profiles" not in key and "PG_" not in text, key
            if secret["metadata"]["name"].startswith("mfgate-gateway-keys"):
                assert re.fullmatch(r"[0-9a-f]{64}\n?", text), key


def test_the_gateway_accepts_its_rendered_configuration(rendered, tmp_path):
    """The ConfigMap and Secrets, laid out where the gateway's Deployment
    mounts them, form a configuration `mfgate check-config` accepts: every key
    digest file and worker TLS file the config names is there."""
    overlay, docs = rendered
    pod = named(docs, "Deployment", "mfgate-gateway")["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    root = tmp_path / "mounted"
    mounts = []
    for mount in pod["containers"][0]["volumeMounts"]:
        volume = volumes[mount["name"]]
        if "configMap" in volume:
            files = named(docs, "ConfigMap", volume["configMap"]["name"])["data"]
        else:
            files = {key: base64.b64decode(value).decode() for key, value in
                     named(docs, "Secret", volume["secret"]["secretName"])["data"].items()}
        directory = root / mount["mountPath"].lstrip("/")
        directory.mkdir(parents=True)
        for name, text in files.items():
            (directory / name).write_text(text)
        mounts.append(mount["mountPath"])
    config_arg = next(a for a in pod["containers"][0]["args"] if a.startswith("--config="))
    config_path = config_arg.split("=", 1)[1]
    text = (root / config_path.lstrip("/")).read_text()
    for mount_path in mounts:  # The container's paths, seen from here.
        text = text.replace(f'"{mount_path}/', f'"{root}{mount_path}/')
    (root / config_path.lstrip("/")).write_text(text)
    result = subprocess.run(
        [REPO / "bazel-bin" / "gateway" / "mfgate", "check-config",
         "--config", root / config_path.lstrip("/")],
        capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    tenants = gateway_config(docs)["tenants"]
    assert f"config ok: {len(tenants)} tenant(s)" in result.stdout
    for tenant in tenants:
        assert (f"{tenant['name']}: worker at {tenant['worker']['address']}, 1 API key(s)"
                in result.stdout), result.stdout
    assert "worker TLS: mutual" in result.stdout
    # The replicas share the secret that signs session tokens.
    assert "session secret: shared" in result.stdout
    # Without one tenant's digest file the configuration is refused, by name.
    missing = tenants[0]["api_key_sha256_file"]
    (root / missing.lstrip("/")).unlink()
    result = subprocess.run(
        [REPO / "bazel-bin" / "gateway" / "mfgate", "check-config",
         "--config", root / config_path.lstrip("/")],
        capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "tenants[0].api_key_sha256_file: cannot read" in result.stderr
