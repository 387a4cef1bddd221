#!/usr/bin/env bash
# questionnaires.sh - the three questionnaires end to end: each passes
# `polsctl form check`, is published, and is answered through
# `pols-kiosk answer`, show_if paths and "zeg ik liever niet" included; a
# Medewerkersmonitor campaign (wave) with some modules left out; scale
# aggregates reach the server, the Cronbach blocks only the district cell.
. "$(dirname "$0")/lib.sh"
S=$T/srv
make_server
for f in medewerkersmonitor sentimeter team-thermometer; do
	check "forms/$f.json passes form check" "$B/polsctl" form check "forms/$f.json"
done
check "the Sentimeter publishes" "$B/polsctl" --data "$S" form publish forms/sentimeter.json
check "the Medewerkersmonitor publishes" "$B/polsctl" --data "$S" form publish forms/medewerkersmonitor.json

# A campaign for district Twente in March 2027, without verloopintentie.
MODS=$(jq -r '[.modules[].id | select(. != "verloopintentie")] | join(",")' forms/medewerkersmonitor.json)
out=$("$B/polsctl" --data "$S" wave open --form medewerkersmonitor --scope twente \
	--from 2027-03-01 --to 2027-03-31 --modules "$MODS")
WAVE=$(sed -n 's/.*: \(w[0-9a-f-]*\)$/\1/p' <<<"$out")
[ -n "$WAVE" ] || fail "wave open said: $out"
echo "  ok: wave $WAVE opened"
set +e
out=$("$B/polsctl" --data "$S" wave open --form medewerkersmonitor --scope bt-hengelo \
	--from 2027-03-15 --to 2027-04-15 2>&1); rc=$?
set -e
[ "$rc" -ne 0 ] || fail "an overlapping wave was opened"
grep -q "already covers" <<<"$out" || fail "overlap said: $out"
echo "  ok: an overlapping wave for a team inside the scope is refused"
set +e
out=$("$B/polsctl" --data "$S" wave open --form sentimeter --scope twente \
	--from 2027-03-01 --to 2027-03-31 2>&1); rc=$?
set -e
[ "$rc" -ne 0 ] && grep -q "not in campaigns" <<<"$out" || fail "a wave of a monthly form: $out"
echo "  ok: a monthly form cannot get a wave"
"$B/polsctl" --data "$S" wave list | grep -q "^$WAVE" || fail "wave list lacks $WAVE"

URL="ipc://$T/s.sock"
enroll k bt-hengelo,bt-enschede "$URL"

# Answers built from the form: every required item of the included modules.
memo_answers() { # extra JSON object merged in last
	jq -c --arg mods "$MODS" --argjson extra "$1" '
	  ($mods | split(",")) as $m
	  | [.items[] | select(.required == true and (.module as $x | $m | index($x)))
	     | {key: .id, value: (if .type == "freq5" then 2 else 4 end)}]
	  | from_entries + $extra' forms/medewerkersmonitor.json
}
memo() { # team, extra answers
	printf '{"form":"medewerkersmonitor","team":"%s","answers":%s}' "$1" "$(memo_answers "$2")" |
		"$B/pols-kiosk" --data "$T/k" answer
}
must_refuse() { # description, expected fragment, team, extra answers
	local out rc
	set +e
	out=$(memo "$3" "$4" 2>&1); rc=$?
	set -e
	[ "$rc" -eq 2 ] || fail "$1: exit $rc ($out)"
	grep -qF -- "$2" <<<"$out" || fail "$1: said '$out', want '$2'"
	echo "  ok: $1 -> $out"
}

for i in 1 2 3 4 5; do memo bt-hengelo '{}' || fail "plain MEMO response $i"; done
memo bt-hengelo '{"discriminatie":true,"discriminatie-van-wie":["collega","leidinggevende"],
	"discriminatie-grond":["anders"],"discriminatie-gemeld":"nee-niet-gedurfd","pesten":false}' ||
	fail "MEMO with a discrimination follow-up"
memo bt-hengelo '{"intimidatie":"liever-niet","seksuele-intimidatie":"liever-niet"}' ||
	fail "MEMO with zeg ik liever niet"
echo "  ok: 7 Medewerkersmonitor responses, with follow-ups and 'liever niet'"
must_refuse "a follow-up answered while its condition is false" "answered but not shown" \
	bt-hengelo '{"discriminatie":false,"discriminatie-gemeld":"nee-niet-gedurfd"}'
must_refuse "a follow-up without its yes" "answered but not shown" \
	bt-hengelo '{"pesten-van-wie":["collega"]}'
must_refuse "an item of a module the wave leaves out" "not part of this campaign" \
	bt-hengelo '{"verloop-denken":3}'
must_refuse "'liever niet' on an item that does not offer it" "liever" \
	bt-hengelo '{"werkdruk-tempo":"liever-niet"}'
set +e
out=$(printf '{"form":"medewerkersmonitor","team":"bt-hengelo","answers":%s}' "$(memo_answers '{}')" |
	POLS_NOW=2027-04-02T09:00:00Z "$B/pols-kiosk" --data "$T/k" answer 2>&1); rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "no open campaign" <<<"$out" || fail "after the wave: $rc $out"
echo "  ok: after the wave's last day: refused ($out)"

# Sentimeter and Team Thermometer on the same terminal.
SENTI=$(jq -c '[.items[] | {key: .id, value: 4}] | from_entries' forms/sentimeter.json)
for i in 1 2 3 4 5; do
	printf '{"form":"sentimeter","team":"bt-enschede","answers":%s}' "$SENTI" |
		"$B/pols-kiosk" --data "$T/k" answer || fail "Sentimeter $i"
	answer k bt-enschede 8 7 6 7 9
done
echo "  ok: 5 Sentimeter and 5 Team Thermometer responses"

start_polsd "$URL"
check "sync" "$B/pols-kiosk" --data "$T/k" sync
rep=$(report_json bt-hengelo medewerkersmonitor)
eq "MEMO respondents" "$(jq .n <<<"$rep")" 7
eq "MEMO period is the wave" "$(jq -r .period <<<"$rep")" "$WAVE"
eq "discrimination: one yes" "$(jq '.items[] | select(.id=="discriminatie") | .counts.true' <<<"$rep")" 1
eq "discrimination ground counted once" "$(jq '.items[] | select(.id=="discriminatie-grond") | .counts.anders' <<<"$rep")" 1
eq "ground not shown to the six others" "$(jq '.items[] | select(.id=="discriminatie-grond") | .counts._ns' <<<"$rep")" 6
eq "'liever niet' counted" "$(jq '.items[] | select(.id=="intimidatie") | .counts["liever-niet"]' <<<"$rep")" 1
eq "left-out module: all not shown" "$(jq '.items[] | select(.id=="verloop-denken") | .counts._ns' <<<"$rep")" 7
eq "Sentimeter respondents" "$(report_json bt-enschede sentimeter | jq .n)" 5

# Scales in the cells: the team cell has no Cronbach blocks, the district has.
team_agg=$(sqlite3 "$S/server.db" "SELECT agg FROM cells WHERE unit='bt-hengelo' AND form='medewerkersmonitor'")
dist_agg=$(sqlite3 "$S/server.db" "SELECT agg FROM cells WHERE unit='twente' AND form='medewerkersmonitor'")
eq "werkdruk scale: 7 respondents with a score" "$(jq '.scales[] | select(.id=="werkdruk") | .n' <<<"$team_agg")" 7
eq "the team cell holds no item-score products" "$(jq '[.scales[] | has("full")] | any' <<<"$team_agg")" false
eq "the district cell holds them" "$(jq '[.scales[] | has("full")] | all' <<<"$dist_agg")" true
eq "the district counts the same respondents" "$(jq .n <<<"$dist_agg")" 7
stop_polsd
