#!/usr/bin/env bash
# Sets up (with the test tools), then runs the whole suite: unit tests and
# the integration tests against the real kernel. Under CI=true a skipped
# kernel test is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
# the tests are TypeScript too: type errors fail the run before any test does
npx --no-install tsc -p tsconfig.test.json
npx --no-install vitest run "$@"
