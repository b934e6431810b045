#!/usr/bin/env bash
# Installs the Debian packages the test suite and the collector tests need:
# Chromium (browser tests), Prometheus + promtool (metrics tests), PostgreSQL
# (replica tests). As root it installs what is missing; otherwise it prints
# exactly what is missing and the command that installs it, and exits 1.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1; }
have_pg() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }

have chromium || [ -x /usr/bin/chromium ] || need+=(chromium)
have prometheus || need+=(prometheus)
have promtool || need+=(prometheus)
have_pg || need+=(postgresql)

# de-duplicate
if [ ${#need[@]} -gt 0 ]; then
  mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
fi

if [ ${#need[@]} -eq 0 ]; then
  echo "setup-system: chromium, prometheus, promtool and postgresql are present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-system: missing Debian packages: ${need[*]}" >&2
  echo "setup-system: install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${need[*]}" >&2
  exit 1
fi

if ! have apt-get; then
  echo "setup-system: missing ${need[*]} and apt-get is not available; install them with your package manager" >&2
  exit 1
fi

echo "setup-system: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian starts these as services on install; the tests start their own instances.
(systemctl stop prometheus postgresql 2>/dev/null || true)
echo "setup-system: done"
