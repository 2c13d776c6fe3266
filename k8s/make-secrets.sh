#!/usr/bin/env bash
# Writes each overlay's tenants (tenants.py, from its tenants.json) and the
# files their Secret generators read, for a first deployment or a test
# cluster (production clusters may bring their own, e.g. from cert-manager
# and a secret store, at the same paths):
#   .pki/ca.{crt,key}                  a private CA for gateway<->worker mTLS
#   overlays/*/tls/                    the gateway's client certificate
#                                      (CN mfgate-gateway)
#   overlays/*/generated/TENANT/tls/   each worker's server certificate
#                                      (CN and DNS SAN mfgate-worker-TENANT)
#   overlays/*/generated/keys/TENANT   SHA-256 digest of a new API key per
#                                      tenant; the key itself goes to
#                                      generated/keys/TENANT.key (0600)
#   overlays/*/generated/keys/session-secret
#                                      the secret the gateway replicas share
#                                      to sign session tokens
#   overlays/*/generated/TENANT/warehouse.env
#                                      the connection of a tenant whose
#                                      profile reads one, to fill in
# Existing files are kept. Usage: k8s/make-secrets.sh [DAYS]   (default 365)
set -euo pipefail
cd "$(dirname "$0")"
days=${1:-365}
umask 077

ssl() { openssl "$@" 2>/dev/null; }

if [[ ! -f .pki/ca.crt ]]; then
  mkdir -p .pki
  ssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days "$days" \
    -subj "/CN=mfgate-internal-ca" -keyout .pki/ca.key -out .pki/ca.crt
fi

# issue DIR NAME USAGE: DIR/tls.{crt,key} for CN=NAME (and DNS SAN NAME).
issue() {
  local dir=$1 name=$2 usage=$3
  [[ -f "$dir/tls.crt" ]] && return 0
  mkdir -p "$dir"
  printf 'subjectAltName=DNS:%s\nextendedKeyUsage=%s\n' "$name" "$usage" > "$dir/ext"
  ssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name" \
    -keyout "$dir/tls.key" -out "$dir/tls.csr"
  ssl x509 -req -in "$dir/tls.csr" -CA .pki/ca.crt -CAkey .pki/ca.key \
    -CAcreateserial -days "$days" -extfile "$dir/ext" -out "$dir/tls.crt"
  cp .pki/ca.crt "$dir/ca.crt"
  rm -f "$dir/tls.csr" "$dir/ext"
}

for overlay_dir in overlays/*/; do
  overlay_dir=${overlay_dir%/}
  names=$(python3 tenants.py "$overlay_dir")
  mapfile -t tenants <<< "$names"
  issue "$overlay_dir/tls" mfgate-gateway clientAuth
  mkdir -p "$overlay_dir/generated/keys"
  if [[ ! -f "$overlay_dir/generated/keys/session-secret" ]]; then
    (umask 077 && openssl rand -hex 32 > "$overlay_dir/generated/keys/session-secret")
  fi
  for tenant in "${tenants[@]}"; do
    dir=$overlay_dir/generated/$tenant
    issue "$dir/tls" "mfgate-worker-$tenant" serverAuth
    if [[ ! -f "$overlay_dir/generated/keys/$tenant" ]]; then
      key="mfg_$(openssl rand -hex 24)"
      printf '%s\n' "$key" > "$overlay_dir/generated/keys/$tenant.key"
      printf '%s' "$key" | sha256sum | cut -d' ' -f1 > "$overlay_dir/generated/keys/$tenant"
      echo "$overlay_dir/$tenant: API key in $overlay_dir/generated/keys/$tenant.key"
    fi
    if grep -q 'warehouse.env' "$dir/kustomization.yaml" && [[ ! -f "$dir/warehouse.env" ]]; then
      printf '%s\n' WAREHOUSE_HOST=replace-me WAREHOUSE_USER=replace-me \
        WAREHOUSE_PASSWORD=replace-me WAREHOUSE_DATABASE=replace-me > "$dir/warehouse.env"
      echo "$dir/warehouse.env: fill in $tenant's warehouse connection"
    fi
  done
done
