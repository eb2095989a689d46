#!/usr/bin/env bash
# Sets up (with the test tools), then runs the whole suite: unit tests and
# the integration tests against the real kernel. Under CI=true a skipped
# kernel test is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
node="$(bash scripts/runtime-dir.sh)/bin/node"
# the tests are TypeScript too: type errors fail the run before any test does
"$node" node_modules/typescript/bin/tsc -p tsconfig.test.json
# on the pinned runtime: the receivers the tests start run on process.execPath
"$node" node_modules/vitest/vitest.mjs run "$@"
