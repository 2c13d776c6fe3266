#!/usr/bin/env bash
# Builds mfgate's container images into one OCI image layout, from pinned
# Debian packages (mmdebstrap), the binaries `make build` made and the
# engine's pinned Python packages; no other registry and no base image.
#
#   k8s/images/build.sh [OUT]      default OUT: .k8s-build/images
#
# OUT/oci holds the images as tags: gateway, worker, worker-demo (the
# tutorial project on DuckDB, parsed) and worker-acme (the shop project, for
# PostgreSQL; parsed at start into the scratch directory, since its relation
# names come from the deployment's profile). Push one with e.g.
#   skopeo copy oci:OUT/oci:gateway docker://REGISTRY/mfgate-gateway:0.1.0
#
# Runtime images hold Debian's essential set, the packages pinned in
# k8s/images/*.packages, the binaries and (workers) the engine's Python
# environment: no compiler, no package manager's lists, no test packages.
# They run as uid 65532 and need no writable path but the volumes the
# manifests mount. Every file's time is SOURCE_DATE_EPOCH (default: the last
# commit's). OUT/*.lock lists every Debian package each image holds; a
# version that differs from k8s/images/*.lock is reported (Debian retires a
# pinned version when it publishes a fix). An image whose inputs did not
# change is not built again.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
out=$(realpath -m "${1:-.k8s-build/images}")
layout=$out/oci
here=k8s/images
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
# Packages of tools/python-requirements.txt only the tests use: every other
# one goes into the worker's venv.
TEST_PYTHON=(mcp pytest kubernetes-validate)
# Needed only to make the engine's venv; purged before packing.
BUILD_ONLY=(python3-venv python3.11-venv python3-pip-whl python3-setuptools-whl)
UID_GID=65532:65532

log() { printf 'images: %s\n' "$*" >&2; }
pinned() { sed -e 's/#.*//' -e '/^\s*$/d' "$1"; }

for tool in mmdebstrap umoci strip; do
  command -v "$tool" >/dev/null || { log "$tool is missing (tools/install-deps.sh --test)"; exit 1; }
done
for binary in gateway/mfgate worker/mfgate-worker worker/sandbox/mfgate-sandbox; do
  [[ -x bazel-bin/$binary ]] || { log "bazel-bin/$binary is missing: run make build"; exit 1; }
done
mkdir -p "$out"
[[ -f "$layout/index.json" ]] || umoci init --layout "$layout"

# Digest of an image's inputs: its recipe, packages and files.
stamp_of() { cat "$0" "$@" | sha256sum | cut -d' ' -f1; }
up_to_date() { [[ -f "$out/$1.stamp" && "$(cat "$out/$1.stamp")" == "$2" ]] &&
               umoci stat --image "$layout:$1" >/dev/null 2>&1; }

# rootfs IMAGE DIR [mmdebstrap options...]: Debian's essential set and the
# image's pinned packages, docs and caches left out, a passwd entry for the
# runtime user.
rootfs() {
  local image=$1 dir=$2
  shift 2
  local include
  include=$(pinned "$here/$image.packages" | paste -sd, -)
  rm -rf "$dir"
  mmdebstrap --quiet --variant=essential --include="$include" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --customize-hook='echo "nonroot:x:65532:65532:mfgate:/nonexistent:/usr/sbin/nologin" >> "$1/etc/passwd"' \
    --customize-hook='echo "nonroot:x:65532:" >> "$1/etc/group"' \
    "$@" \
    --customize-hook='chroot "$1" dpkg-query -W -f "\${Package}=\${Version}\n" > "$1/.packages"' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/* "$1"/tmp/*' \
    bookworm "$dir"
  sort "$dir/.packages" > "$out/$image.lock" && rm "$dir/.packages"
  if [[ -f "$here/$image.lock" ]] && ! diff -q "$here/$image.lock" "$out/$image.lock" >/dev/null; then
    log "$image: Debian packages differ from $here/$image.lock:"
    diff "$here/$image.lock" "$out/$image.lock" | grep '^[<>]' >&2 || true
  fi
}

# pack IMAGE DIR [PARENT]: DIR as one layer (on PARENT's), every file's time
# SOURCE_DATE_EPOCH (so a project's shipped manifest is as new as its
# sources: current).
pack() {
  local image=$1 dir=$2 parent=${3:-}
  find "$dir" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  umoci rm --image "$layout:$image" 2>/dev/null || true
  if [[ -n "$parent" ]]; then
    umoci tag --image "$layout:$parent" "$image"
  else
    umoci new --image "$layout:$image"
  fi
  umoci insert --image "$layout:$image" --history.created_by "k8s/images/build.sh $image" \
    --history.created "$(date -u -d "@$SOURCE_DATE_EPOCH" +%FT%TZ)" "$dir" /
}

configure() {
  local image=$1
  shift
  umoci config --image "$layout:$image" --created "$(date -u -d "@$SOURCE_DATE_EPOCH" +%FT%TZ)" \
    --os linux --architecture amd64 --config.user "$UID_GID" --config.workingdir / \
    --clear=config.env --config.env PATH=/usr/local/bin:/usr/bin:/bin \
    --config.label org.opencontainers.image.title="mfgate-$image" "$@" --no-history
}

work=$(mktemp -d "$out/work.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- gateway --------------------------------------------------------------
stamp=$(stamp_of "$here/gateway.packages" bazel-bin/gateway/mfgate)
if up_to_date gateway "$stamp"; then
  log "gateway: up to date"
else
  log "gateway: building"
  rootfs gateway "$work/gateway"
  install -D -m 0755 bazel-bin/gateway/mfgate "$work/gateway/usr/local/bin/mfgate"
  strip "$work/gateway/usr/local/bin/mfgate"
  pack gateway "$work/gateway"
  configure gateway --config.entrypoint /usr/local/bin/mfgate \
    --config.exposedports 8000/tcp --config.exposedports 9464/tcp
  echo "$stamp" > "$out/gateway.stamp"
  rm -rf "$work/gateway"
fi

# --- worker ---------------------------------------------------------------
runfiles=bazel-bin/worker/mfgate-worker.runfiles/mfgate
mapfile -t host_files < <(cd "$runfiles" && find -L worker/engine/host proto -name '*.py' \
                          ! -name '*_test.py' | sort)
stamp=$(stamp_of "$here/worker.packages" tools/python-requirements.txt \
        tools/python-constraints.txt bazel-bin/worker/mfgate-worker \
        bazel-bin/worker/sandbox/mfgate-sandbox "${host_files[@]/#/$runfiles/}")
if up_to_date worker "$stamp"; then
  log "worker: up to date"
else
  log "worker: building"
  # The engine's packages, fetched once (host Python = image Python).
  wheels=$repo/.k8s-build/wheels
  pattern=$(printf '%s|' "${TEST_PYTHON[@]}")
  pinned tools/python-requirements.txt | grep -vE "^(${pattern%|})(\[.*\])?==" \
    > "$work/engine-requirements.txt"
  cp tools/python-constraints.txt "$work/constraints.txt"
  .venv/bin/pip download --quiet --disable-pip-version-check -d "$wheels" \
    -r "$work/engine-requirements.txt" -c "$work/constraints.txt" >&2
  rootfs worker "$work/worker" \
    --customize-hook="mkdir -p \"\$1/tmp/build\" && cp -r '$wheels' '$work/engine-requirements.txt' '$work/constraints.txt' \"\$1/tmp/build/\"" \
    --customize-hook='chroot "$1" python3 -m venv /opt/mfgate/venv' \
    --customize-hook='chroot "$1" /opt/mfgate/venv/bin/pip install --quiet --no-index --disable-pip-version-check --find-links /tmp/build/wheels -r /tmp/build/engine-requirements.txt -c /tmp/build/constraints.txt' \
    --customize-hook='chroot "$1" /opt/mfgate/venv/bin/pip uninstall --quiet --yes pip' \
    --customize-hook="chroot \"\$1\" dpkg --purge ${BUILD_ONLY[*]} >/dev/null" \
    --customize-hook='find "$1/opt/mfgate/venv" -name __pycache__ -prune -exec rm -rf {} +' \
    --customize-hook='chroot "$1" /opt/mfgate/venv/bin/python -m compileall -q --invalidation-mode unchecked-hash /opt/mfgate/venv/lib'
  bin=$work/worker/opt/mfgate/bin
  install -D -m 0755 bazel-bin/worker/mfgate-worker "$bin/mfgate-worker"
  install -D -m 0755 bazel-bin/worker/sandbox/mfgate-sandbox \
    "$bin/mfgate-worker.runfiles/mfgate/worker/sandbox/mfgate-sandbox"
  strip "$bin/mfgate-worker" "$bin/mfgate-worker.runfiles/mfgate/worker/sandbox/mfgate-sandbox"
  for file in "${host_files[@]}"; do
    install -D -m 0644 "$runfiles/$file" "$bin/mfgate-worker.runfiles/mfgate/$file"
  done
  pack worker "$work/worker"
  configure worker --config.entrypoint /opt/mfgate/bin/mfgate-worker \
    --config.env MFGATE_PYTHON=/opt/mfgate/venv/bin/python --config.env DO_NOT_TRACK=1 \
    --config.exposedports 50051/tcp --config.exposedports 8081/tcp \
    --config.exposedports 9464/tcp
  echo "$stamp" > "$out/worker.stamp"
  rm -rf "$work/worker"
fi

# --- tenants: the worker with a project at /srv/mfgate/project -------------
# project_layer IMAGE DIR: DIR (a built dbt project) as the project layer,
# owned by root and read-only to the runtime user, without its profile, logs
# or (unless KEEP_MANIFEST) its parsed manifest.
project_layer() {
  local image=$1 dir=$2 keep_manifest=$3
  local layer=$work/$image
  mkdir -p "$layer/srv/mfgate"
  cp -a "$dir" "$layer/srv/mfgate/project"
  rm -rf "$layer/srv/mfgate/project/"{profiles.yml,logs,dbt_packages,*.wal}
  if [[ "$keep_manifest" == keep ]]; then
    find "$layer/srv/mfgate/project/target" -mindepth 1 -maxdepth 1 \
      ! -name semantic_manifest.json -exec rm -rf {} +
  else
    rm -rf "$layer/srv/mfgate/project/target"
  fi
  chown -R 0:0 "$layer/srv"
  chmod -R a+rX,go-w "$layer/srv"
  pack "$image" "$layer" worker
  rm -rf "$layer"
}

demo=.demo/mf_tutorial_project
[[ -f "$demo/target/semantic_manifest.json" ]] || { log "$demo is missing: run make demo-project"; exit 1; }
stamp=$(cat "$out/worker.stamp"; find "$demo" -path "$demo/logs" -prune -o -type f -print0 |
        sort -z | xargs -0 sha256sum | sha256sum)
if up_to_date worker-demo "$stamp"; then
  log "worker-demo: up to date"
else
  log "worker-demo: building"
  project_layer worker-demo "$demo" keep
  echo "$stamp" > "$out/worker-demo.stamp"
fi

stamp=$(cat "$out/worker.stamp"; find examples/shop -type f -print0 | sort -z |
        xargs -0 sha256sum | sha256sum)
if up_to_date worker-acme "$stamp"; then
  log "worker-acme: up to date"
else
  log "worker-acme: building"
  shop=$work/shop-source
  cp -a examples/shop "$shop"
  rm -rf "$shop"/{target,logs,*.duckdb}
  project_layer worker-acme "$shop" drop
  echo "$stamp" > "$out/worker-acme.stamp"
fi

umoci gc --layout "$layout"
log "done: $(umoci ls --layout "$layout" | tr '\n' ' ')in $layout"
