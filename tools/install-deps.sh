#!/usr/bin/env bash
# Installs what mfgate needs to build and run (with --test: and to test;
# with --images: and to build its container images; with --k8s: and to
# build its images and run the Kubernetes tests),
# skipping what is already there: the pinned Debian packages
# (tools/apt-packages*.txt), a repo-local Python environment, .venv, with
# the pinned engine and test packages, (--test) the pinned npm packages of
# the TypeScript client tests and .venv-mcp2026 (the 2026-era Python SDK),
# and (--k8s) the pinned Kubernetes tools in
# .k8s-build/bin.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'install-deps: %s\n' "$*" >&2; }

install_apt() {
  local missing=()
  local lists=(tools/apt-packages.txt)
  [[ "${1:-}" == "--test" || "${1:-}" == "--k8s" ]] && lists+=(tools/apt-packages-test.txt)
  [[ "${1:-}" == "--k8s" || "${1:-}" == "--images" ]] && lists+=(tools/apt-packages-k8s.txt)
  while IFS= read -r line; do
    line=${line%%#*}
    [[ -z "${line// }" ]] && continue
    local name=${line%%=*} want=${line#*=}
    local have
    have=$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null || true)
    if [[ "$have" != "install ok installed $want" && "$have" != "install ok installed "* ]]; then
      missing+=("$line")
    fi
  done < <(cat "${lists[@]}")
  ((${#missing[@]} == 0)) && return 0
  [[ $(id -u) -eq 0 ]] || { log "needs root to install: ${missing[*]}"; exit 1; }
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    # A point release can retire a pinned version; Debian 12's current one of
    # the same package is then the closest match.
    log "a pinned version is not available; installing Debian 12's current versions"
    apt-get install -y -qq --no-install-recommends "${missing[@]%%=*}" >/dev/null
  fi
}

install_venv() {
  local stamp=.venv/.mfgate-requirements
  local want
  want=$(cat tools/python-requirements.txt tools/python-constraints.txt | sha256sum)
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return 0; fi
  log "creating .venv (pinned dbt-metricflow, dbt-duckdb, mcp, pytest)"
  rm -rf .venv
  /usr/bin/python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check \
    -r tools/python-requirements.txt -c tools/python-constraints.txt
  echo "$want" > "$stamp"
}

# The official MCP Python SDK of the 2026 era (mcp 2.x, which speaks
# 2026-07-28) for its e2e tests, in an environment of its own so that .venv
# keeps the 1.x client its other tests use.
install_venv_mcp2026() {
  local stamp=.venv-mcp2026/.mfgate-requirements
  local want
  want=$(sha256sum tools/python-requirements-mcp2026.txt)
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return 0; fi
  log "creating .venv-mcp2026 (pinned mcp 2.x)"
  rm -rf .venv-mcp2026
  /usr/bin/python3 -m venv .venv-mcp2026
  .venv-mcp2026/bin/pip install -q --disable-pip-version-check \
    -r tools/python-requirements-mcp2026.txt
  echo "$want" > "$stamp"
}

# The official MCP TypeScript SDK clients for the tests, each pinned by its
# package-lock.json: tests/ts_client (@modelcontextprotocol/sdk 1.x) and
# tests/ts_client2026 (@modelcontextprotocol/client 2.x, 2026-07-28).
install_node_client() {
  local dir=$1
  local stamp=$dir/node_modules/.mfgate-lock
  local want
  want=$(sha256sum "$dir/package-lock.json")
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return 0; fi
  log "installing the MCP TypeScript client ($dir)"
  npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >&2
  echo "$want" > "$stamp"
}

# Go programs are built from the Go module proxy at pinned versions, with the
# machine's Go or, when there is none, a pinned Go toolchain fetched from the
# same proxy. Prints the go binary to use.
GO_TOOLCHAIN=v0.0.1-go1.23.4.linux-amd64
go_binary() {
  if command -v go >/dev/null; then
    command -v go
    return 0
  fi
  local go
  go=$(echo "$PWD"/.deps/go-toolchain/golang.org/toolchain@*/bin/go)
  if [[ ! -x "$go" ]]; then
    log "fetching the Go toolchain ($GO_TOOLCHAIN) from the Go module proxy"
    mkdir -p .deps
    curl -fsSL -o .deps/go.zip \
      "https://proxy.golang.org/golang.org/toolchain/@v/$GO_TOOLCHAIN.zip"
    /usr/bin/python3 -m zipfile -e .deps/go.zip .deps/go-toolchain
    rm -f .deps/go.zip
    go=$(echo "$PWD"/.deps/go-toolchain/golang.org/toolchain@*/bin/go)
    chmod +x "$go" "$(dirname "$go")"/../pkg/tool/*/* 2>/dev/null || true
  fi
  echo "$go"
}

# kustomize, to render k8s/ in the tests.
KUSTOMIZE_VERSION=v5.5.0
install_kustomize() {
  local stamp=.deps/bin/.kustomize-version
  if [[ -x .deps/bin/kustomize && "$(cat "$stamp" 2>/dev/null)" == "$KUSTOMIZE_VERSION" ]]; then
    return 0
  fi
  local go
  go=$(go_binary)
  log "building kustomize $KUSTOMIZE_VERSION"
  GOBIN="$PWD/.deps/bin" GOPATH="$PWD/.deps/gopath" GOFLAGS=-modcacherw GOTOOLCHAIN=local \
    "$go" install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" >&2
  echo "$KUSTOMIZE_VERSION" > "$stamp"
}

# The Kubernetes tests' tools, in .k8s-build/bin (ignored, kept between
# runs): kube-apiserver, kubectl and kubelet's probers (tests/k8s/gotools,
# whose go.mod pins them; the build takes minutes), kubeconform and
# kube-score, and etcd from Debian's etcd-server package.
KUBECONFORM_VERSION=v0.8.0
KUBE_SCORE_VERSION=v1.20.0
ETCD_SERVER=etcd-server=3.4.23-4+b4
install_k8s_tools() {
  local bin=.k8s-build/bin stamp=.k8s-build/bin/.versions want go
  want=$(cat tests/k8s/gotools/go.mod tests/k8s/gotools/go.sum tests/k8s/gotools/probe/main.go
         echo "$KUBECONFORM_VERSION $KUBE_SCORE_VERSION $ETCD_SERVER")
  want=$(sha256sum <<< "$want")
  if [[ "$(cat "$stamp" 2>/dev/null)" == "$want" ]]; then return 0; fi
  go=$(go_binary)
  mkdir -p "$bin"
  local env=(GOPATH="$PWD/.k8s-build/go/path" GOCACHE="$PWD/.k8s-build/go/cache"
             GOFLAGS=-modcacherw GOTOOLCHAIN=local)
  log "building kube-apiserver, kubectl and kubelet's probers (tests/k8s/gotools)"
  local out=$PWD/$bin/
  (cd tests/k8s/gotools && env "${env[@]}" "$go" build -trimpath -ldflags=-s\ -w \
     -o "$out" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl ./probe >&2)
  log "building kubeconform $KUBECONFORM_VERSION and kube-score $KUBE_SCORE_VERSION"
  for tool in "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION" \
              "github.com/zegl/kube-score/cmd/kube-score@$KUBE_SCORE_VERSION"; do
    env "${env[@]}" GOBIN="$PWD/$bin" "$go" install -trimpath "$tool" >&2
  done
  log "unpacking $ETCD_SERVER"
  local deb
  deb=$(mktemp -d)
  (cd "$deb" && { apt-get download -qq "$ETCD_SERVER" 2>/dev/null ||
                  { apt-get update -qq && apt-get download -qq "$ETCD_SERVER"; }; } >&2)
  dpkg -x "$deb"/etcd-server_*.deb "$deb/root"
  cp "$deb/root/usr/bin/etcd" "$bin/etcd"
  rm -rf "$deb"
  echo "$want" > "$stamp"
}

install_apt "${1:-}"
install_venv
if [[ "${1:-}" == "--test" || "${1:-}" == "--k8s" ]]; then
  install_node_client tests/ts_client
  install_node_client tests/ts_client2026
  install_venv_mcp2026
  install_kustomize
fi
[[ "${1:-}" == "--k8s" ]] && install_k8s_tools
exit 0
