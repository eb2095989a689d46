#!/usr/bin/env bash
# Installs what bpfaudit needs on Debian 12 and builds it: Debian packages,
# npm packages, the BPF objects, the native addon and the TypeScript.
# Safe to run again; it only does what is missing or out of date.
#   scripts/setup.sh          runtime needs
#   scripts/setup.sh --test   plus what the test suite drives (ipset, curl, ...)
set -euo pipefail
cd "$(dirname "$0")/.."

runtime_pkgs=(clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool make gcc g++ python3 pkg-config)
test_pkgs=(iproute2 ipset curl util-linux procps logrotate liburing-dev auditd rsyslog rsyslog-gnutls openssl)
pkgs=("${runtime_pkgs[@]}")
[ "${1:-}" = "--test" ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages ${missing[*]}; run as root or install them" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The host's node only runs npm here; bpfaudit itself runs on the Node.js
# that package.json pins (node-linux-<arch>, from the npm registry).
if ! command -v npm >/dev/null; then
  echo "setup: npm is missing; it is needed once, to install the pinned Node.js runtime and the packages (see README)" >&2
  exit 1
fi

# npm install, not npm ci: this npm leaves other platforms' optional packages
# out of the lock file, which npm ci then rejects as out of sync
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund --loglevel=error
fi

runtime=$(bash scripts/runtime-dir.sh)
bash scripts/build-bpf.sh
# built against the pinned runtime's own headers (its package carries include/node): nothing downloaded
if [ ! -f build/Release/bpfaudit.node ] || [ -n "$(find native binding.gyp "$runtime/bin/node" -newer build/Release/bpfaudit.node 2>/dev/null)" ]; then
  npm run --silent build:native >/dev/null
fi
"$runtime/bin/node" node_modules/typescript/bin/tsc -p tsconfig.json
