#!/usr/bin/env bash
# The README's test command (`npm test`): type-check, lint and format check (Biome), then the
# conformance suite on SQLite and, when HERALD_TEST_POSTGRES_URL is set, the same files again on
# PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json --noEmit
npx tsc -p src/console/ui/tsconfig.json
npx biome check .
files=(test/*.test.ts)
# A test file whose process never exits (a leaked handle) is cancelled and fails the run instead
# of hanging it: no test or file here takes more than a few minutes.
timeout=(--test-timeout=600000)
echo "== conformance suite on SQLite"
HERALD_TEST_STORE=sqlite node --import tsx --test --test-concurrency=1 "${timeout[@]}" "${files[@]}"
if [ -n "${HERALD_TEST_POSTGRES_URL:-}" ]; then
  echo "== conformance suite on PostgreSQL ($HERALD_TEST_POSTGRES_URL)"
  HERALD_TEST_STORE=postgres node --import tsx --test --test-concurrency=1 "${timeout[@]}" "${files[@]}"
else
  echo "== PostgreSQL half skipped: HERALD_TEST_POSTGRES_URL is not set"
fi
