#!/usr/bin/env bash
# run.sh - run each libFuzzer target for a while (make fuzz calls it).
#
#   tests/fuzz/run.sh BUILD SECONDS TARGET...
#
# For each TARGET: BUILD/fuzz_TARGET runs SECONDS seconds on a working
# corpus BUILD/corpus/TARGET (new inputs go there) seeded from the
# committed tests/fuzz/corpus/TARGET, with tests/fuzz/TARGET.dict when it
# exists. Crashes, leaks, sanitizer reports, protocol violations (aborts)
# and inputs slower than 10 s stop it; the input is written to
# BUILD/crashes/ and this script exits 1 and says how to add it to
# tests/fuzz/regress/. The full libFuzzer log is BUILD/TARGET.log. Ends
# with "fuzz: N passed, M failed" (targets).
set -u
cd "$(dirname "$0")/../.."
build=${1:?build folder} secs=${2:?seconds}
shift 2
rc=0 pass=0 fail=0
mkdir -p "$build/crashes" "$build/tmp"
# The targets' installations: what a crash leaves behind stays in BUILD.
TMPDIR=$(cd "$build/tmp" && pwd)
export TMPDIR
for t in "$@"; do
	bin=$build/fuzz_$t log=$build/$t.log
	mkdir -p "$build/corpus/$t"
	rm -f "$build/crashes/$t-"*
	dict=()
	[ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
	echo "fuzz: $t for $secs s (log: $log)"
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len=16384 -print_final_stats=1 "${dict[@]}" \
		-artifact_prefix="$build/crashes/$t-" \
		"$build/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
		grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log"
		echo "fuzz: $t: no crash"
		pass=$((pass + 1))
	else
		rc=1 fail=$((fail + 1))
		echo "FAIL  fuzz: $t found a problem:"
		grep -E 'ERROR:|SUMMARY:|PROTOCOL VIOLATION|runtime error|^    #[0-9]' "$log" | head -n 40
		for f in "$build/crashes/$t-"*; do
			[ -f "$f" ] || continue
			echo "  input $f ($(wc -c <"$f") bytes); replay: $bin $f"
			echo "  keep it: cp $f tests/fuzz/regress/$t-$(basename "$f" | sed "s/^$t-//")"
		done
	fi
done
echo "fuzz: $pass passed, $fail failed"
exit "$rc"
