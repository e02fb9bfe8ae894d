#!/usr/bin/env bash
# Installs the Debian packages the test suite needs (only those missing) and starts the local
# PostgreSQL when it is stopped. Run by `npm test` and `.ci/run`. Without root or apt-get it only
# lists what is missing: those tests then say why they cannot run.
#   libusb-1.0-0        node-hid's Linux binary
#   chromium            browser tests (playwright-core drives it)
#   wireguard-go, wireguard-tools, iproute2, nftables
#                       real tunnels between network namespaces
#   curl, prometheus-blackbox-exporter, openssl
#                       reference probe timings and test certificates
#   prometheus          promtool checks /metrics; a real Prometheus scrapes a test server
# LAGEBILD_NO_SYSTEM_PACKAGES=1 skips this step.
set -euo pipefail

log() { printf '[system packages] %s\n' "$*"; }
[ "${LAGEBILD_NO_SYSTEM_PACKAGES:-}" = 1 ] && { log 'skipped (LAGEBILD_NO_SYSTEM_PACKAGES=1)'; exit 0; }

have() { command -v "$1" >/dev/null 2>&1; }
need=()
ldconfig -p 2>/dev/null | grep -q libusb-1.0.so.0 || need+=(libusb-1.0-0)
have chromium || [ -n "${LAGEBILD_CHROMIUM:-}" ] || need+=(chromium)
have wireguard-go || need+=(wireguard-go)
have wg || need+=(wireguard-tools)
have ip || need+=(iproute2)
have nft || need+=(nftables)
have curl || need+=(curl)
have prometheus-blackbox-exporter || need+=(prometheus-blackbox-exporter)
have openssl || need+=(openssl)
{ have prometheus && have promtool; } || need+=(prometheus)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && have apt-get; then
    log "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    log 'installed'
  else
    log "missing: ${need[*]} (install them as root: apt-get install ${need[*]}); the tests that need them will say so"
  fi
fi

# PostgreSQL: the storage tests use the local server; start it when it is installed but stopped.
if have pg_ctlcluster && [ -d /etc/postgresql ] && [ "$(id -u)" = 0 ]; then
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    log 'starting PostgreSQL'
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
fi
exit 0
