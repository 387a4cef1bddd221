#!/usr/bin/env bash
# run.sh - run every unit test (cmocka binaries in $POLS_TESTBIN) and every
# end-to-end script (tests/e2e/*.sh, real processes) and end with one line:
#   N passed, M failed
# Each line gives the test's wall time. Runs from the repository root.
# POLS_BIN points at the programs under test. POLS_ONLY="e2e/forms unit/test_agg"
# runs only the tests named (make valgrind-test uses it); POLS_UNIT_WRAP is a
# command put before each unit test binary (valgrind, for make valgrind-test).
# POLS_VERBOSE=1 prints every test's output, not only a failed one's (the
# fault tests print what they injected and what survived).
set -u
cd "$(dirname "$0")/.."
: "${POLS_BIN:?set POLS_BIN}" "${POLS_TESTBIN:?set POLS_TESTBIN}"
export POLS_BIN POLS_TESTBIN
pass=0 fail=0 failed=()
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
read -r -a unit_wrap <<<"${POLS_UNIT_WRAP:-}"

wanted() { # name: is it one of POLS_ONLY (all when unset)?
	[ -z "${POLS_ONLY:-}" ] && return 0
	case " $POLS_ONLY " in *" $1 "*) return 0 ;; esac
	return 1
}

run() { # name, command...
	local name=$1 t0 s; shift
	wanted "$name" || return 0
	t0=$SECONDS
	if timeout 600 "$@" >"$log/out" 2>&1; then
		pass=$((pass + 1))
		printf 'ok    %-24s %4ds\n' "$name" $((SECONDS - t0))
		[ -z "${POLS_VERBOSE:-}" ] || sed 's/^/      /' "$log/out"
	else
		s=$((SECONDS - t0))
		fail=$((fail + 1))
		failed+=("$name")
		printf 'FAIL  %-24s %4ds\n' "$name" "$s"
		sed 's/^/      /' "$log/out" | tail -n 40
	fi
}

for t in "$POLS_TESTBIN"/test_*; do
	[ -x "$t" ] || continue
	run "unit/$(basename "$t")" "${unit_wrap[@]}" "$t"
done
for t in tests/e2e/*.sh; do
	[ "$(basename "$t")" = lib.sh ] && continue
	run "e2e/$(basename "$t" .sh)" bash "$t"
done

echo
[ ${#failed[@]} -gt 0 ] && printf 'failed: %s\n' "${failed[*]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
