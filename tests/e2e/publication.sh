#!/usr/bin/env bash
# publication.sh - from answers to published reports, checked against an
# independent computation:
#  - a generated organisation: korps -> 2 eenheden -> 4 districts -> 12
#    teams, one of them (t12) under k; 3 terminals, answers through
#    `pols-kiosk answer`, real polsd, sync;
#  - while the period is open, reports show only the response (and "fewer
#    than k" below k); after close + grace one snapshot is frozen for every
#    level; every unit's JSON report is checked by tests/tools/expect.py
#    against the answers the test gave: counts exact, means to 1e-9;
#  - t12 is withheld (too few), and its smallest sibling t10 with it
#    (complementary suppression), so district d4 minus t11 is two teams;
#  - scopes: a chief sees their own team and the levels above it, never a
#    sibling; a district account its subtree; refusals are audited;
#  - a Medewerkersmonitor campaign over the same org, checked the same way:
#    bands for sensitive items, signals, district-only follow-ups, Cronbach's
#    alpha from 30 complete respondents, the headcount flag;
#  - the snapshot is frozen: a report asked again, after more cells arrive
#    for another period, is byte for byte the same; CSV rows per unit x
#    scale; text reports fit in 80 columns.
. "$(dirname "$0")/lib.sh"
S=$T/srv
{
	echo "id,parent,name,kind,headcount"
	echo "nl,,Korps,korps,"
	echo "u1,nl,Eenheid Een,eenheid,"
	echo "u2,nl,Eenheid Twee,eenheid,"
	echo "d1,u1,District 1,district,"
	echo "d2,u1,District 2,district,"
	echo "d3,u2,District 3,district,"
	echo "d4,u2,District 4,district,"
	for i in $(seq 1 12); do
		printf 't%02d,d%d,Team %d,team,%d\n' "$i" $(((i - 1) / 3 + 1)) "$i" $((10 + i))
	done
} >"$T/org.csv"
"$B/polsctl" --data "$S" init >/dev/null
"$B/polsctl" --data "$S" org import "$T/org.csv" >/dev/null
"$B/polsctl" --data "$S" form publish forms/team-thermometer.json >/dev/null
"$B/polsctl" --data "$S" form publish forms/medewerkersmonitor.json >/dev/null
WAVE=$("$B/polsctl" --data "$S" wave open --form medewerkersmonitor --scope nl \
	--from 2027-03-01 --to 2027-03-12 | sed -n 's/.*: //p')
URL="ipc://$T/s.sock"
enroll ka t01,t02,t03,t04 "$URL"
enroll kb t05,t06,t07,t08 "$URL"
enroll kc t09,t10,t11,t12 "$URL"
start_polsd "$URL"

# Respondents per team t01..t12; t12 under k = 5.
sizes=(5 6 7 8 9 5 6 7 10 6 8 3)
items=(veiligheid sfeer werkdruk samenwerking jezelf-zijn)
: >"$T/answers.jsonl"
total=0
for i in $(seq 1 12); do
	team=$(printf 't%02d' "$i")
	term=ka; [ "$i" -gt 4 ] && term=kb; [ "$i" -gt 8 ] && term=kc
	for r in $(seq 1 "${sizes[$((i - 1))]}"); do
		parts=()
		for j in 0 1 2 3 4; do
			# a deterministic spread over 0..10
			v=$(((i * 7 + r * 3 + j * 5 + r * j) % 11))
			parts+=("\"${items[$j]}\":$v")
		done
		a="{$(IFS=,; echo "${parts[*]}")}"
		printf '{"form":"team-thermometer","team":"%s","answers":%s}\n' "$team" "$a" >>"$T/answers.jsonl"
		"$B/pols-kiosk" --data "$T/$term" answer <<<"$(tail -n 1 "$T/answers.jsonl")" >/dev/null
		total=$((total + 1))
	done
done
jq -e . "$T/answers.jsonl" >/dev/null || fail "the test wrote bad answers"
# The Medewerkersmonitor campaign: d1's teams together 33 (Cronbach's
# alpha from 30 up), t12 under k.
msizes=(12 11 10 6 7 5 8 9 6 7 5 4)
: >"$T/memo.jsonl"
for i in $(seq 1 12); do
	team=$(printf 't%02d' "$i")
	term=ka; [ "$i" -gt 4 ] && term=kb; [ "$i" -gt 8 ] && term=kc
	python3 tests/tools/memo_answers.py forms/medewerkersmonitor.json "$team" \
		"${msizes[$((i - 1))]}" "$i" >"$T/m.jsonl"
	while read -r line; do
		"$B/pols-kiosk" --data "$T/$term" answer <<<"$line" >/dev/null
	done <"$T/m.jsonl"
	cat "$T/m.jsonl" >>"$T/memo.jsonl"
done
for t in ka kb kc; do "$B/pols-kiosk" --data "$T/$t" sync >/dev/null; done
echo "  ok: $total Team Thermometer and $(wc -l <"$T/memo.jsonl") Medewerkersmonitor answers on 3 terminals, synced"

account hr hr
account chef01 chief --team t01
account chef10 chief --team t10
account dist4 district --unit d4

# Open: the response only.
out=$(report_as hr --unit nl --form team-thermometer --period 2027-F05 --format json)
eq "open period: no results, only the response" "$(jq -c '[.open, (.scales // "none")]' <<<"$out")" '[true,"none"]'
eq "open period: t01 responded 5" "$(jq -c '.progress[] | select(.team == "t01") | .n' <<<"$out")" 5
eq "open period: t12 under k says so, no number" \
	"$(jq -c '.progress[] | select(.team == "t12") | .n' <<<"$out")" '"minder dan k"'
out=$(report_as hr --unit nl --form team-thermometer --period 2027-F05 --format csv)
eq "open period, CSV: the same" "$(grep '^t12,' <<<"$out")" "t12,team-thermometer,2027-F05,minder dan 5"
out=$(report_as hr --unit nl --form team-thermometer --period 2027-F05 --format html)
grep -q "^<!DOCTYPE html>" <<<"$out" && grep -q "<td>t12</td><td>minder dan 5</td>" <<<"$out" ||
	fail "open period, HTML: $out"
echo "  ok: open period, HTML: the same"
must_fail() { # description, expected fragment, command...
	local d=$1 frag=$2 o rc; shift 2
	set +e; o=$("$@" 2>&1); rc=$?; set -e
	[ "$rc" -ne 0 ] || fail "$d: succeeded: $o"
	grep -qF -- "$frag" <<<"$o" || fail "$d: said '$o', want '$frag'"
	echo "  ok: $d"
}
must_fail "nothing is published while the period is open" "nog niets gepubliceerd" report_as hr --unit nl

# 2027-F05 ends 15 March; 48 h grace: due from 17 March 00:00.
export POLS_NOW=2027-03-17T01:00:00Z
stop_polsd
start_polsd "$URL"
for t in ka kb kc; do "$B/pols-kiosk" --data "$T/$t" sync >/dev/null; done
eq "t12's three answers reach the server once the period closed" "$(report_json t12 | jq .n)" 3
out=$("$B/polsctl" --data "$S" publish)
grep -q "team-thermometer 2027-F05, snapshot 1" <<<"$out" || fail "publish said: $out"
grep -q "medewerkersmonitor $WAVE, snapshot 1" <<<"$out" || fail "publish said: $out"
eq "publishing again makes nothing new" "$("$B/polsctl" --data "$S" publish | tail -n 1)" \
	"0 momentopname(n) gemaakt / snapshot(s) made"

mkdir "$T/rep"
for u in $(tail -n +2 "$T/org.csv" | cut -d, -f1); do
	report_as hr --unit "$u" --format json >"$T/rep/$u.json"
done
python3 tests/tools/expect.py forms/team-thermometer.json "$T/org.csv" "$T/answers.jsonl" \
	"$T/rep" 5 "t12=te weinig respondenten,t10=te weinig respondenten" >"$T/expect.out" ||
	{ cat "$T/expect.out"; fail "the published figures differ from the answers"; }
tail -n 1 "$T/expect.out" | sed 's/^/  ok: Team Thermometer: /'
mkdir "$T/memo"
for u in $(tail -n +2 "$T/org.csv" | cut -d, -f1); do
	report_as hr --unit "$u" --form medewerkersmonitor --format json >"$T/memo/$u.json"
done
python3 tests/tools/expect.py forms/medewerkersmonitor.json "$T/org.csv" "$T/memo.jsonl" \
	"$T/memo" 5 "t12=te weinig respondenten,t11=te weinig respondenten" >"$T/expect.out" ||
	{ cat "$T/expect.out"; fail "the published Medewerkersmonitor figures differ from the answers"; }
tail -n 1 "$T/expect.out" | sed 's/^/  ok: Medewerkersmonitor (bands, signals, district-only items, alpha): /'
eq "alpha at d1 (33 complete), not at d2 (18)" \
	"$(jq -c '[(.scales[0].alpha | type)]' "$T/memo/d1.json" "$T/memo/d2.json" | tr -d '\n')" '["number"]["null"]'
eq "t01: 12 respondents for a headcount of 11: flagged as suspect, not hidden" \
	"$(jq -c '[.suspect, .n]' "$T/memo/t01.json" "$T/memo/t02.json" | tr -d '\n')" '[true,12][false,11]'
eq "the follow-ups are withheld at team level" \
	"$(jq '.withheld_items | length' "$T/memo/t01.json")" 11
for u in t01 d1 nl; do
	w=$(report_as hr --unit "$u" --form medewerkersmonitor | wc -L)
	[ "$w" -le 80 ] || fail "the text report of $u is $w columns wide"
	txt=$(report_as hr --unit "$u" --form team-thermometer)
	[ "$(wc -L <<<"$txt")" -le 80 ] && [ "$(wc -l <<<"$txt")" -le 24 ] ||
		fail "the Team Thermometer text report of $u does not fit 80x24: $txt"
done
echo "  ok: the text reports fit in 80 columns; a Team Thermometer's in 80x24"

eq "d4's report lists t10 and t12 as withheld" \
	"$(jq -c '[.withheld[].unit]' "$T/rep/d4.json")" '["t10","t12"]'
eq "with reasons, never their numbers" \
	"$(jq -c '[.children[] | select(.suppressed) | has("n")] | unique' "$T/rep/d4.json")" '[false]'
eq "a team's benchmarks are its district, eenheid and korps" \
	"$(jq -c '[.benchmarks[].unit]' "$T/rep/t01.json")" '["d1","u1","nl"]'
eq "the difference from the district is the team's mean minus the district's" \
	"$(jq '(.scales[0].mean - .benchmarks[0].scales[0].mean - .benchmarks[0].scales[0].diff) | fabs < 1e-9' "$T/rep/t01.json")" true
eq "every team and level has a status" \
	"$(jq -s -c '[.[] | select(.suppressed == false) | .status.level] | map(IN("stabiel", "aandacht", "actie nodig")) | all' "$T"/rep/*.json)" true

# Scopes.
eq "the chief's own report is the published one" \
	"$(report_as chef01 --format json | jq -c 'del(.title, .late)')" "$(jq -c 'del(.title, .late)' "$T/rep/t01.json")"
must_fail "a chief's request for a sibling team is refused" "outside the scope" report_as chef01 --team t02
must_fail "a chief's request for the district is refused" "outside the scope" report_as chef01 --unit d1
eq "the chief of a withheld team sees why, and the benchmarks above" \
	"$(report_as chef10 --format json | jq -c '[.suppressed, (.reason | test("te weinig respondenten, hier of in een groep ernaast")), (.benchmarks | length), has("n")]')" \
	'[true,true,3,false]'
eq "a district account sees its district" "$(report_as dist4 --format json | jq -r .unit)" d4
eq "and its teams" "$(report_as dist4 --team t11 --format json | jq .n)" "${sizes[10]}"
must_fail "but not another district" "outside the scope" report_as dist4 --unit d3
must_fail "nor the eenheid above it" "outside the scope" report_as dist4 --unit u2
audit=$("$B/polsctl" --data "$S" audit)
eq "every request is in the audit log, refusals too" \
	"$(grep -c "	refused$" <<<"$audit")" 4
grep -q "^2027-03-17T01:00:00Z	chef01	report	t01 - - json	ok$" <<<"$audit" ||
	fail "audit line missing: $audit"

# CSV: one row per unit x scale (withheld units one row without figures).
csv=$(report_as hr --unit nl --format csv)
eq "CSV: header + 17 published units x 5 scales + 2 withheld" "$(wc -l <<<"$csv")" $((1 + 17 * 5 + 2))
eq "CSV: t01 veiligheid mean as in the JSON" \
	"$(grep '^t01,' <<<"$csv" | grep ',veiligheid,' | cut -d, -f9)" \
	"$(jq '.scales[] | select(.id == "veiligheid") | .mean' "$T/rep/t01.json" | xargs printf '%.6g')"
csv=$(report_as chef01 --format csv)
eq "CSV for a chief: their team only" "$(cut -d, -f1 <<<"$csv" | sort -u | tr '\n' ' ')" "t01 unit "

# polsd publishes by itself too (publish_interval seconds after it starts,
# then every interval): F06 below needs no polsctl publish.
# Frozen: later data for another period does not touch this snapshot.
export POLS_NOW=2027-03-24T09:00:00Z
for r in 1 2 3 4 5; do answer ka t01 1 1 1 1 1 >/dev/null; done
"$B/pols-kiosk" --data "$T/ka" sync >/dev/null
"$B/polsctl" --data "$S" publish >/dev/null
eq "the published report is the same, byte for byte" \
	"$(report_as hr --unit t01 --period 2027-F05 --format json)" "$(cat "$T/rep/t01.json")"
stop_polsd
export POLS_NOW=2027-04-01T09:00:00Z # F06 closed (29 March) + 48 h
printf 'publish_interval = 1\n' >"$S/polsd.conf"
start_polsd "$URL"
for _ in $(seq 100); do
	grep -q "S109 published 1 snapshot" "$T/polsd.log" && break
	sleep 0.1
done
eq "polsd published F06 by itself within its interval" \
	"$(sqlite3 "$S/server.db" "SELECT COUNT(*) FROM snapshots WHERE period = '2027-F06'")" 1
eq "t01's F06 report: the five later answers, with F05 as its trend" \
	"$(report_as hr --unit t01 --period 2027-F06 --format json | jq -c '[.n, .trend.previous_period, (.trend.series | length)]')" \
	'[5,"2027-F05",2]'
stop_polsd
