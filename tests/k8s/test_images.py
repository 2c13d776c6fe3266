"""The images `make images` built (k8s/images/build.sh, OCI layout in
.k8s-build/images/oci): a numeric non-root user, the entry points the
manifests rely on, and only what runs: no compiler, build tool, package
lists or test package; the tenants' projects read-only to the runtime user."""

import json
import re

import pytest

from pods import LAYOUT, rootfs_of

IMAGES = ["gateway", "worker", "worker-demo", "worker-acme"]
# Packages whose presence would mean build or test material in a runtime image.
FORBIDDEN_PACKAGE = re.compile(
    r"^(gcc|g\+\+|cpp|clang|llvm|make|bazel|binutils|build-essential|libgtest|libgmock|"
    r"protobuf-compiler|python3-pytest|python3-pip|python3-venv|python3\.11-venv|apt|"
    r".*-dev)(-[0-9.]+)?$")
FORBIDDEN_FILES = ["usr/bin/gcc", "usr/bin/cc", "usr/bin/c++", "usr/bin/ld", "usr/bin/make",
                   "usr/bin/protoc", "usr/bin/bazel", "usr/bin/apt-get"]
# Of tools/python-requirements.txt, only the tests use these.
TEST_PYTHON = ["pytest", "mcp", "kubernetes_validate", "pip"]


def blob(digest):
    return json.loads((LAYOUT / "blobs" / "sha256" / digest.split(":")[1]).read_text())


def image_config(image):
    index = json.loads((LAYOUT / "index.json").read_text())
    manifest = next(m for m in index["manifests"]
                    if m["annotations"]["org.opencontainers.image.ref.name"] == image)
    return blob(blob(manifest["digest"])["config"]["digest"])["config"]


def installed_packages(rootfs):
    status = (rootfs / "var" / "lib" / "dpkg" / "status").read_text()
    packages = set()
    for stanza in status.split("\n\n"):
        fields = dict(re.findall(r"^(\w[\w-]*): (.*)$", stanza, re.M))
        if fields.get("Status") == "install ok installed":
            packages.add(fields["Package"])
    return packages


@pytest.mark.parametrize("image", IMAGES)
def test_image_runs_as_a_numeric_non_root_user(image):
    config = image_config(image)
    uid, gid = config["User"].split(":")
    assert uid.isdigit() and gid.isdigit() and int(uid) != 0 and int(gid) != 0
    entrypoint = {"gateway": ["/usr/local/bin/mfgate"]}.get(
        image, ["/opt/mfgate/bin/mfgate-worker"])
    assert config["Entrypoint"] == entrypoint


@pytest.mark.parametrize("image", IMAGES)
def test_image_carries_only_what_runs(image):
    rootfs = rootfs_of(image) / "rootfs"
    packages = installed_packages(rootfs)
    assert "libc6" in packages  # The check reads the real package database.
    assert not {p for p in packages if FORBIDDEN_PACKAGE.match(p)}
    assert not [f for f in FORBIDDEN_FILES if (rootfs / f).exists()]
    assert not list((rootfs / "var" / "lib" / "apt" / "lists").glob("*_Packages"))
    if image != "gateway":
        site = next((rootfs / "opt" / "mfgate" / "venv" / "lib").glob("python3*/site-packages"))
        assert (site / "metricflow").is_dir() and (site / "dbt").is_dir()
        assert not [m for m in TEST_PYTHON if (site / m).exists()]
        assert "python3" in packages


@pytest.mark.parametrize("image, manifest", [("worker-demo", True), ("worker-acme", False)])
def test_tenant_projects_are_read_only_and_keep_no_profile(image, manifest):
    project = rootfs_of(image) / "rootfs" / "srv" / "mfgate" / "project"
    assert (project / "dbt_project.yml").is_file()
    assert not (project / "profiles.yml").exists()
    # The demo ships its parsed manifest (as new as its sources: current);
    # acme's relation names depend on the deployment's profile, so its
    # worker parses at start, into its scratch directory.
    assert (project / "target" / "semantic_manifest.json").exists() == manifest
    for path in [project, *project.rglob("*")]:
        info = path.lstat()
        assert info.st_uid == 0 and not info.st_mode & 0o022, path
