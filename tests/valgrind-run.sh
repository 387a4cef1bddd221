#!/usr/bin/env bash
# valgrind-run.sh - the end-to-end scripts (and unit tests) with every pols
# program under valgrind: make valgrind-test. Each program the scripts start
# (pols-kiosk, polsd, polsctl) runs through a small wrapper in $O/vg/bin that
# execs valgrind with --leak-check=full and logs to the script's temporary
# folder; tests/e2e/lib.sh fails the script when any of those logs holds a
# report (an invalid read or write, a use of uninitialised memory, a leak:
# definite, indirect or possible), and valgrind's exit code 99 fails the
# command itself.
#   POLS_ONLY="e2e/pipeline ..."  the tests to run (default: VG_TESTS below)
# Slow on purpose-built stress scripts (kill-kiosk: thousands of batches,
# lossy: timing-driven faults) and on tests that only drive other tools
# (fuzz regression), which run under ASan in make asan-test instead.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${POLS_BIN:?set POLS_BIN}" "${POLS_TESTBIN:?set POLS_TESTBIN}" "${POLS_VGBIN:?set POLS_VGBIN}"
command -v valgrind >/dev/null || { echo "valgrind is not installed (deploy/install-deps.sh installs it)" >&2; exit 1; }
real=$(cd "$POLS_BIN" && pwd)
mkdir -p "$POLS_VGBIN"
# --child-silent-after-fork: the kiosk screen's background sync is a fork
# that carries the screen's whole heap to its _exit, which valgrind would
# count as lost; its code is kiosk_sync, which every script also runs
# under valgrind as pols-kiosk sync.
VG="valgrind -q --child-silent-after-fork=yes --leak-check=full --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 --suppressions=$PWD/tests/valgrind.supp"
for p in pols-kiosk polsd polsctl; do
	cat >"$POLS_VGBIN/$p.tmp" <<WRAP
#!/bin/sh
# $p under valgrind (tests/valgrind-run.sh); logs go to \$POLS_VGDIR.
exec $VG --log-file="\${POLS_VGDIR:-/tmp}/vg.%p.log" "$real/$p" "\$@"
WRAP
	chmod 0755 "$POLS_VGBIN/$p.tmp"
	mv "$POLS_VGBIN/$p.tmp" "$POLS_VGBIN/$p"
done
export POLS_VALGRIND=1 POLS_BIN=$POLS_VGBIN
# Every process takes about a second to start under valgrind: fewer of them.
export PIPELINE_ANSWERS=${PIPELINE_ANSWERS:-24}
export POLS_UNIT_WRAP="$VG --log-file=/dev/stderr"
# VG_JOBS lanes (default: the number of cores) share the tests round-robin,
# in the order given (longest first balances them); each lane is one
# tests/run.sh, its report printed whole when all are done.
read -r -a tests <<<"${POLS_ONLY:-${VG_TESTS:?}}"
jobs=${VG_JOBS:-$(nproc 2>/dev/null || echo 1)}
[ "$jobs" -ge 1 ] 2>/dev/null || jobs=1
lane=()
for i in "${!tests[@]}"; do
	lane[i % jobs]="${lane[i % jobs]:-} ${tests[i]}"
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
pids=()
for l in "${!lane[@]}"; do
	POLS_ONLY="${lane[l]}" tests/run.sh >"$out/$l" 2>&1 &
	pids[l]=$!
done
rc=0 pass=0 fail=0
for l in "${!lane[@]}"; do
	wait "${pids[l]}" || rc=1
	echo "== lane $((l + 1)) of ${#lane[@]}:${lane[l]}"
	cat "$out/$l"
	read -r p _ f _ < <(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out/$l" || echo "0 passed 1 failed")
	pass=$((pass + p)) fail=$((fail + f))
done
echo
echo "valgrind: $pass passed, $fail failed"
[ "$rc" -eq 0 ] && [ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
