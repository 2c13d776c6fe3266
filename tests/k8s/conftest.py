"""Shared fixtures of the Kubernetes tests: k8s/ with the files
make-secrets.sh writes, and each overlay rendered by kustomize as a
deployment renders it."""

import pathlib
import shutil
import subprocess

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
KUSTOMIZE = REPO / ".deps" / "bin" / "kustomize"
OVERLAYS = sorted(p.name for p in (REPO / "k8s" / "overlays").iterdir() if p.is_dir())


@pytest.fixture(scope="session")
def k8s_copy(tmp_path_factory):
    """k8s/ with the generated tenants and secrets make-secrets.sh writes."""
    assert KUSTOMIZE.exists(), "kustomize is missing: tools/install-deps.sh --test builds it"
    copy = tmp_path_factory.mktemp("k8s") / "k8s"
    shutil.copytree(REPO / "k8s", copy, ignore=shutil.ignore_patterns(
        ".pki", "tls", "generated"))
    subprocess.run([copy / "make-secrets.sh", "2"], check=True, capture_output=True)
    return copy


def render_text(k8s_copy, overlay):
    return subprocess.run([KUSTOMIZE, "build", k8s_copy / "overlays" / overlay],
                          check=True, capture_output=True, text=True).stdout


def render(k8s_copy, overlay):
    return [doc for doc in yaml.safe_load_all(render_text(k8s_copy, overlay)) if doc]


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request, k8s_copy):
    return request.param, render(k8s_copy, request.param)
