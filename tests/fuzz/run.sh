#!/usr/bin/env bash
# run.sh - run each libFuzzer target for a while (make fuzz calls it).
#
#   tests/fuzz/run.sh BUILD SECONDS TARGET...
#
# For each TARGET: BUILD/fuzz_TARGET runs SECONDS seconds on a working
# corpus BUILD/corpus/TARGET (new inputs go there) seeded from the
# committed tests/fuzz/corpus/TARGET, with tests/fuzz/TARGET.dict when it
# exists, and -max_len 16384 (65536 for form and bundle). Crashes,
# leaks, sanitizer reports, protocol and invariant violations (aborts)
# and inputs slower than 10 s stop it; the input is written to
# BUILD/crashes/ and this script exits 1 and says how to add it to
# tests/fuzz/regress/. The full libFuzzer log is BUILD/TARGET.log. Ends
# with "fuzz: N passed, M failed" (targets). FUZZ_JOBS targets run at once
# (default: the number of cores), each on its own core; their reports are
# printed in the order given.
set -u
cd "$(dirname "$0")/../.."
build=${1:?build folder} secs=${2:?seconds}
shift 2
rc=0 pass=0 fail=0
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
mkdir -p "$build/crashes" "$build/tmp"
# The targets' installations: what a crash leaves behind stays in BUILD
# (fuzz_bundle's terminal folders go to /dev/shm when it is writable).
TMPDIR=$(cd "$build/tmp" && pwd)
export TMPDIR
# fuzz_one TARGET: run it, print its report; exit 0 when it found nothing.
fuzz_one() {
	local t=$1 bin=$build/fuzz_$1 log=$build/$1.log maxlen tmp f
	local dict=()
	mkdir -p "$build/corpus/$t"
	rm -f "$build/crashes/$t-"*
	[ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
	# Longer inputs where the real ones are: the Medewerkersmonitor form
	# (43 KB) and a bundle carrying it (59 KB) must not be cut.
	case $t in
	form | bundle) maxlen=65536 ;;
	*) maxlen=16384 ;;
	esac
	# kiosk_enroll fsyncs keys and database: on tmpfs that is free.
	tmp=$TMPDIR
	if [ "$t" = bundle ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
		tmp=/dev/shm
	fi
	echo "fuzz: $t for $secs s (log: $log)"
	if TMPDIR=$tmp "$bin" -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=2048 -max_len="$maxlen" -print_final_stats=1 \
		"${dict[@]}" \
		-artifact_prefix="$build/crashes/$t-" \
		"$build/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
		grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log"
		echo "fuzz: $t: no crash"
		return 0
	fi
	echo "FAIL  fuzz: $t found a problem:"
	grep -E 'ERROR:|SUMMARY:|PROTOCOL VIOLATION|INVARIANT VIOLATION|runtime error|^    #[0-9]' "$log" | head -n 40
	for f in "$build/crashes/$t-"*; do
		[ -f "$f" ] || continue
		echo "  input $f ($(wc -c <"$f") bytes); replay: $bin $f"
		echo "  keep it: cp $f tests/fuzz/regress/$t-$(basename "$f" | sed "s/^$t-//")"
	done
	return 1
}

running=0
for t in "$@"; do
	if [ "$running" -ge "$jobs" ]; then
		wait -n || true
		running=$((running - 1))
	fi
	rm -f "$build/$t.rc"
	(fuzz_one "$t" >"$build/$t.report" 2>&1; echo $? >"$build/$t.rc") &
	running=$((running + 1))
done
wait
for t in "$@"; do
	cat "$build/$t.report"
	if [ "$(cat "$build/$t.rc" 2>/dev/null)" = 0 ]; then
		pass=$((pass + 1))
	else
		rc=1 fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
exit "$rc"
