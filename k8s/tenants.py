#!/usr/bin/env python3
"""Writes an overlay's tenants from its tenants.json: one short entry per
tenant (a name, the worker image holding its dbt project, its warehouse)
becomes that tenant's kustomization, profile and gateway entry.

    k8s/tenants.py k8s/overlays/NAME        (make-secrets.sh runs it)

It writes OVERLAY/generated/: kustomization.yaml (every tenant, the gateway's
ConfigMap and key Secret), gateway.json (the gateway's configuration: the
tenants, the session secret's path, and tenants.json's "gateway" settings), and per tenant NAME/
kustomization.yaml and NAME/profiles.yml. It never removes a file: the
certificates, keys and warehouse.env files make-secrets.sh keeps beside them
stay. Standard library only; exits 2 with the offending entry's path on bad
input.

tenants.json:
  {"gateway": {...more gateway.json settings: timeouts, limits...},
   "tenants": [
     {"name": "demo", "image": "mfgate-worker-demo:0.1.0",
      "warehouse": {"type": "duckdb", "profile": "mf_tutorial",
                    "path": "/srv/mfgate/project/mf_tutorial.duckdb"}},
     {"name": "acme", "image": "mfgate-worker-acme:0.1.0", "replicas": 2,
      "warehouse": {"type": "postgres", "profile": "shop",
                    "address": "10.20.0.15/32", "port": 5432,
                    "schema": "analytics"}}]}

A postgres warehouse reads host, user, password and database from the
tenant's warehouse.env (WAREHOUSE_HOST, WAREHOUSE_USER, WAREHOUSE_PASSWORD,
WAREHOUSE_DATABASE); any warehouse may instead name its own profiles file
("profiles_file", relative to the overlay) and, when networked, "address" and
"port" for its egress rule.
"""

import json
import pathlib
import re
import sys

NAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?")
PROFILE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
IMAGE = re.compile(r"[a-z0-9][a-z0-9._/-]{0,200}(:[A-Za-z0-9._-]{1,128})?(@sha256:[0-9a-f]{64})?")
CIDR = re.compile(r"(\d{1,3}\.){3}\d{1,3}/(3[0-2]|[12]?\d)")
WORKER_PORT = 50051
MAX_TENANTS = 1000
MAX_REPLICAS = 100
ROOT = "../../../.."  # From OVERLAY/generated/NAME to k8s/.


class InputError(Exception):
    pass


def profile_duckdb(warehouse, where):
    path = text(warehouse, "path", where, re.compile(r"/[A-Za-z0-9._/-]{1,500}"))
    return [f"      type: duckdb", f"      path: {path}", "      threads: 1"]


def profile_postgres(warehouse, where):
    schema = text(warehouse, "schema", where, PROFILE)
    env = "{{{{ env_var('WAREHOUSE_{}') }}}}"
    return ["      type: postgres", f"      host: \"{env.format('HOST')}\"",
            f"      port: {warehouse_port(warehouse, where)}",
            f"      user: \"{env.format('USER')}\"",
            f"      password: \"{env.format('PASSWORD')}\"",
            f"      dbname: \"{env.format('DATABASE')}\"",
            f"      schema: {schema}", "      threads: 4"]


# Warehouse types the generator writes a profile for: (profile lines, whether
# it is reached over the network, whether its connection is in warehouse.env).
WAREHOUSES = {
    "duckdb": (profile_duckdb, False, False),
    "postgres": (profile_postgres, True, True),
}


def text(entry, key, where, pattern):
    value = entry.get(key)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InputError(f"{where}.{key}: expected a string like {pattern.pattern}")
    return value


def warehouse_port(warehouse, where):
    port = warehouse.get("port")
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise InputError(f"{where}.port: expected a TCP port")
    return port


def image_parts(image):
    name, _, digest = image.partition("@")
    base, _, tag = name.rpartition(":") if ":" in name.rsplit("/", 1)[-1] else (name, "", "")
    return base, tag, digest


def tenant_files(overlay, tenant, index):
    """(kustomization.yaml, profiles.yml or None, gateway entry) of one tenant."""
    where = f"tenants[{index}]"
    if not isinstance(tenant, dict):
        raise InputError(f"{where}: expected an object")
    name = text(tenant, "name", where, NAME)
    image = text(tenant, "image", where, IMAGE)
    replicas = tenant.get("replicas", 1)
    if not isinstance(replicas, int) or isinstance(replicas, bool) or \
            not 1 <= replicas <= MAX_REPLICAS:
        raise InputError(f"{where}.replicas: expected 1 to {MAX_REPLICAS}")
    warehouse = tenant.get("warehouse")
    if not isinstance(warehouse, dict):
        raise InputError(f"{where}.warehouse: expected an object")
    where += ".warehouse"
    kind = warehouse.get("type")
    own_profile = "profiles_file" in warehouse
    if not own_profile and kind not in WAREHOUSES:
        raise InputError(f"{where}.type: expected one of {sorted(WAREHOUSES)} "
                         "(or name a profiles_file)")
    networked = "address" in warehouse if own_profile else WAREHOUSES[kind][1]
    uses_env = bool(warehouse.get("env", False)) if own_profile else WAREHOUSES[kind][2]
    profiles = None
    if own_profile:
        source = overlay / text(warehouse, "profiles_file", where,
                                re.compile(r"[A-Za-z0-9._-][A-Za-z0-9._/-]{0,200}"))
        if ".." in source.relative_to(overlay).parts or not source.is_file():
            raise InputError(f"{where}.profiles_file: no such file in the overlay")
        profiles = source.read_text()
    else:
        profile = text(warehouse, "profile", where, PROFILE)
        lines = WAREHOUSES[kind][0](warehouse, where)
        profiles = "\n".join([f"{profile}:", "  target: prod", "  outputs:", "    prod:",
                              *lines]) + "\n"

    base, tag, digest = image_parts(image)
    out = ["# Written by k8s/tenants.py from tenants.json; edits are overwritten.",
           "apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization",
           "resources:", f"  - {ROOT}/base/worker", f"nameSuffix: -{name}",
           "labels:", "  - pairs:", f"      mfgate.dev/tenant: {name}",
           "    includeSelectors: true", "images:", "  - name: mfgate-worker",
           f"    newName: {base}"]
    out += [f"    newTag: \"{tag}\""] if tag else []
    out += [f"    digest: {digest}"] if digest else []
    components = ([f"{ROOT}/components/replicated"] if replicas > 1 else []) + \
                 ([f"{ROOT}/components/warehouse-env"] if uses_env else [])
    if components:
        out += ["components:"] + [f"  - {c}" for c in components]
    out += ["secretGenerator:", "  - name: mfgate-worker-profiles", "    files:",
            "      - profiles.yml", "  - name: mfgate-worker-tls", "    files:",
            "      - tls.crt=tls/tls.crt", "      - tls.key=tls/tls.key",
            "      - ca.crt=tls/ca.crt"]
    if uses_env:
        out += ["  - name: mfgate-worker-warehouse", "    envs:", "      - warehouse.env"]
    patches = []
    if replicas != 1:
        patches.append(("Deployment", [
            {"op": "replace", "path": "/spec/replicas", "value": replicas}]))
    if networked:
        address = text(warehouse, "address", where, CIDR)
        patches.append(("NetworkPolicy", [
            {"op": "add", "path": "/spec/egress/-", "value": {
                "to": [{"ipBlock": {"cidr": address}}],
                "ports": [{"port": warehouse_port(warehouse, where), "protocol": "TCP"}]}}]))
    if patches:
        out.append("patches:")
        for kind_name, operations in patches:
            out += [f"  - target:", f"      kind: {kind_name}",
                    f"    patch: '{json.dumps(operations)}'"]
    entry = {"name": name,
             "worker": {"address": f"dns:///mfgate-worker-{name}:{WORKER_PORT}",
                        "tls_server_name": f"mfgate-worker-{name}"},
             "api_key_sha256_file": f"/etc/mfgate/keys/{name}"}
    return "\n".join(out) + "\n", profiles, entry


def generate(overlay):
    overlay = pathlib.Path(overlay).resolve()
    try:
        spec = json.loads((overlay / "tenants.json").read_text())
    except (OSError, ValueError) as error:
        raise InputError(f"{overlay / 'tenants.json'}: {error}") from error
    if not isinstance(spec, dict) or not isinstance(spec.get("tenants"), list) or \
            not 1 <= len(spec["tenants"]) <= MAX_TENANTS:
        raise InputError(f"tenants: expected a list of 1 to {MAX_TENANTS} tenants")
    settings = spec.get("gateway", {})
    fixed = {"tenants", "worker_tls", "session_secret_file"}
    if not isinstance(settings, dict) or fixed & set(settings):
        raise InputError("gateway: expected an object without " + ", ".join(sorted(fixed)))
    out = overlay / "generated"
    files, entries = {}, []
    for index, tenant in enumerate(spec["tenants"]):
        kustomization, profiles, entry = tenant_files(overlay, tenant, index)
        if any(e["name"] == entry["name"] for e in entries):
            raise InputError(f"tenants[{index}].name: {entry['name']} is listed twice")
        files[f"{entry['name']}/kustomization.yaml"] = kustomization
        files[f"{entry['name']}/profiles.yml"] = profiles
        entries.append(entry)
    gateway = {"tenants": entries, **settings,
               # The secret every gateway replica signs session tokens with.
               "session_secret_file": "/etc/mfgate/keys/session-secret",
               "worker_tls": {"cert": "/etc/mfgate/worker-tls/tls.crt",
                              "key": "/etc/mfgate/worker-tls/tls.key",
                              "ca": "/etc/mfgate/worker-tls/ca.crt"}}
    files["gateway.json"] = json.dumps(gateway, indent=2) + "\n"
    files["kustomization.yaml"] = "\n".join(
        ["# Written by k8s/tenants.py from tenants.json; edits are overwritten.",
         "apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization",
         "resources:", *[f"  - {e['name']}" for e in entries],
         "configMapGenerator:", "  - name: mfgate-gateway-config", "    files:",
         "      - gateway.json", "secretGenerator:", "  - name: mfgate-gateway-keys",
         "    files:", "      - session-secret=keys/session-secret",
         *[f"      - {e['name']}=keys/{e['name']}" for e in entries]]) + "\n"
    for relative, content in files.items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return [e["name"] for e in entries]


def main(argv):
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        names = generate(argv[1])
    except InputError as error:
        print(f"tenants.py: {argv[1]}: {error}", file=sys.stderr)
        return 2
    print("\n".join(names))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
