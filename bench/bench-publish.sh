#!/usr/bin/env bash
# bench-publish.sh - publication at national scale and its scaling, against
# bounds measured in the same run (bench/publish_nat.c says what each is).
#
#  publish   a korps of 14 eenheden, 140 districts, 5,000 teams and 65,000
#            respondents, three questionnaires, one period each: time to
#            compute and freeze every snapshot. Bound: one pass reading,
#            parsing and summing the same cells in memory.
#  report    one chief's report from the snapshot. Bound: reading its
#            stored body.
#  scaling   publication at 1x, 2x and 4x the work (1,250, 2,500 and 5,000
#            teams): the cost of each doubling (at most 2.3x expected).
#
# A table on stderr, one JSON line per figure on stdout (ratio: bound/value
# for times, 1.0 is the bound).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${POLS_BENCHBIN:?}"
W=$(mktemp -d "${TMPDIR:-/tmp}/pols-bench-publish.XXXXXX")
trap 'rm -rf "$W"' EXIT
say() { printf '%s\n' "$*" >&2; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
declare -A pub
for teams in 1250 2500 5000; do
	say "publication: $teams teams, $((teams * 13)) respondents, three questionnaires ..."
	read -r p r b rb t n < <("$POLS_BENCHBIN/publish_nat" "$W/s$teams" "$teams")
	rm -rf "$W/s$teams"
	pub[$teams]=$p
	if [ "$teams" = 5000 ]; then
		say "$(printf '  %-28s %10s %10s %7s' figure value bound ratio)"
		say "$(printf '  %-28s %9.2fs %9.2fs %7.2f' "publish (national)" "$p" "$b" "$(div "$b" "$p")")"
		say "$(printf '  %-28s %8.2fms %8.2fms %7.2f' "one chief's report" "$r" "$rb" "$(div "$rb" "$r")")"
		printf '{"name":"publish","value":%s,"unit":"s","bound":%s,"ratio":%.3f,"teams":%s,"respondents":%s,"forms":3,"target":"< 10 s"}\n' \
			"$p" "$b" "$(div "$b" "$p")" "$t" "$n"
		printf '{"name":"chief_report","value":%s,"unit":"ms","bound":%s,"ratio":%.3f,"teams":%s,"format":"json","target":"< 50 ms"}\n' \
			"$r" "$rb" "$(div "$rb" "$r")" "$t"
	fi
done
for step in "1250 2500" "2500 5000"; do
	set -- $step
	c=$(div "${pub[$2]}" "${pub[$1]}")
	say "$(printf '  %-28s %9.2fx %9.2fx' "publish ${1}->${2} teams" "$c" 2.3)"
	printf '{"name":"publish_scaling","value":%.3f,"unit":"x per doubling","bound":2.3,"ratio":%.3f,"from_teams":%s,"to_teams":%s}\n' \
		"$c" "$(div "2.3" "$c")" "$1" "$2"
done
