#!/usr/bin/env bash
# run.sh - run every unit test (cmocka binaries in $POLS_TESTBIN) and every
# end-to-end script (tests/e2e/*.sh, real processes) and end with one line:
#   N passed, M failed
# Runs from the repository root. POLS_BIN points at the programs under test.
set -u
cd "$(dirname "$0")/.."
: "${POLS_BIN:?set POLS_BIN}" "${POLS_TESTBIN:?set POLS_TESTBIN}"
export POLS_BIN POLS_TESTBIN
pass=0 fail=0 failed=()
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

run() { # name, command...
	local name=$1; shift
	if timeout 600 "$@" >"$log/out" 2>&1; then
		pass=$((pass + 1))
		printf 'ok    %s\n' "$name"
	else
		fail=$((fail + 1))
		failed+=("$name")
		printf 'FAIL  %s\n' "$name"
		sed 's/^/      /' "$log/out" | tail -n 40
	fi
}

for t in "$POLS_TESTBIN"/test_*; do
	[ -x "$t" ] || continue
	run "unit/$(basename "$t")" "$t"
done
for t in tests/e2e/*.sh; do
	[ "$(basename "$t")" = lib.sh ] && continue
	run "e2e/$(basename "$t" .sh)" bash "$t"
done

echo
[ ${#failed[@]} -gt 0 ] && printf 'failed: %s\n' "${failed[*]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
