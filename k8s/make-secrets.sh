#!/usr/bin/env bash
# Writes the files the overlays' Secret generators read, for a first
# deployment or a test cluster (production clusters may bring their own, e.g.
# from cert-manager and a secret store, at the same paths):
#   .pki/ca.{crt,key}                 a private CA for gateway<->worker mTLS
#   overlays/*/tls/                   the gateway's client certificate
#                                     (CN mfgate-gateway)
#   tenants/*/tls/                    each worker's server certificate
#                                     (CN and DNS SAN mfgate-worker-TENANT)
#   overlays/*/keys/TENANT            SHA-256 digest of a new API key per
#                                     tenant; the key itself goes to
#                                     overlays/*/keys/TENANT.key (0600)
#   overlays/*/keys/session-secret    the secret the gateway replicas share
#                                     to sign session tokens
#   tenants/acme/warehouse.env        acme's PostgreSQL connection, to fill in
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

for tenant_dir in tenants/*/; do
  tenant=$(basename "$tenant_dir")
  issue "$tenant_dir/tls" "mfgate-worker-$tenant" serverAuth
done
for overlay_dir in overlays/*/; do
  issue "$overlay_dir/tls" mfgate-gateway clientAuth
  mkdir -p "$overlay_dir/keys"
  if [[ ! -f "$overlay_dir/keys/session-secret" ]]; then
    openssl rand -hex 32 > "$overlay_dir/keys/session-secret"
  fi
  for tenant_dir in tenants/*/; do
    tenant=$(basename "$tenant_dir")
    [[ -f "$overlay_dir/keys/$tenant" ]] && continue
    key="mfg_$(openssl rand -hex 24)"
    printf '%s\n' "$key" > "$overlay_dir/keys/$tenant.key"
    printf '%s' "$key" | sha256sum | cut -d' ' -f1 > "$overlay_dir/keys/$tenant"
    echo "$(basename "$overlay_dir")/$tenant: API key in $overlay_dir""keys/$tenant.key"
  done
done
if [[ ! -f tenants/acme/warehouse.env ]]; then
  cat > tenants/acme/warehouse.env <<'ENV'
SHOP_PG_HOST=10.20.0.15
SHOP_PG_PORT=5432
SHOP_PG_USER=mfgate_reader
SHOP_PG_PASSWORD=replace-me
SHOP_PG_DATABASE=shop
ENV
  echo "tenants/acme/warehouse.env: fill in acme's PostgreSQL connection"
fi
