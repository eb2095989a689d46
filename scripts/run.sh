#!/usr/bin/env bash
# Sets up, then runs the receiver; arguments go to `bpfaudit run`
# (no arguments: the embedded default, every probe, text on stdout).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
exec bin/bpfaudit run "$@"
