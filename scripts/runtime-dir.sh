#!/usr/bin/env bash
# Prints the directory of the Node.js runtime bpfaudit runs on: the one
# package.json pins (optionalDependencies node-linux-<arch>, installed from
# the npm registry by scripts/setup.sh), never whatever `node` is on PATH.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
case $(uname -m) in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "bpfaudit: no pinned Node.js runtime for $(uname -m) (x86_64 and aarch64 are packaged)" >&2; exit 1 ;;
esac
dir="$root/node_modules/node-linux-$arch"
if [ ! -x "$dir/bin/node" ]; then
  echo "bpfaudit: the pinned Node.js runtime is missing ($dir/bin/node): run scripts/setup.sh" >&2
  exit 1
fi
echo "$dir"
