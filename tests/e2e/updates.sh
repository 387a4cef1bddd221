#!/usr/bin/env bash
# updates.sh - what the server tells terminals on every sync: a new form
# version reaches a terminal and is used for the next response; a campaign
# opens and closes; settings change, and older settings are refused; a
# terminal with a clock days off files answers under the server's period.
. "$(dirname "$0")/lib.sh"
S=$T/srv
make_server
"$B/polsctl" --data "$S" form publish forms/medewerkersmonitor.json >/dev/null
URL="ipc://$T/s.sock"
enroll k bt-hengelo "$URL"
start_polsd "$URL"
answer5() { for _ in 1 2 3 4 5; do answer k bt-hengelo "$1" "$1" "$1" "$1" "$1"; done; }
memo() {
	jq -c '{form: "medewerkersmonitor", team: "bt-hengelo",
	  answers: ([.items[] | select(.required == true)
	    | {key: .id, value: (if .type == "freq5" then 2 else 4 end)}] | from_entries)}' \
	  forms/medewerkersmonitor.json | "$B/pols-kiosk" --data "$T/k" answer
}
meta() { sqlite3 "$T/k/db/kiosk.db" "SELECT CAST(value AS TEXT) FROM meta WHERE key = '$1'"; }

# A new version of a form, published after enrollment.
jq '.version = 2 | .title.nl = "Teamthermometer 2"' forms/team-thermometer.json >"$T/tt2.json"
"$B/polsctl" --data "$S" form publish "$T/tt2.json" >/dev/null
check "sync brings the new form" "$B/pols-kiosk" --data "$T/k" sync
eq "the terminal holds both versions" "$(sqlite3 "$T/k/db/kiosk.db" "SELECT group_concat(version) FROM forms WHERE id='team-thermometer'")" "1,2"
answer5 7
check "sync" "$B/pols-kiosk" --data "$T/k" sync
eq "the next responses were filed under version 2" \
	"$(sqlite3 "$S/server.db" "SELECT version || ':' || n FROM cells WHERE unit='bt-hengelo' AND form='team-thermometer'")" "2:5"

# The terminal's teams change on the server; it learns at its next sync.
set +e; out=$(answer k bt-almelo 5 5 5 5 5 2>&1); rc=$?; set -e
[ "$rc" -eq 2 ] || fail "bt-almelo before the change: $rc $out"
check "polsctl terminal teams" "$B/polsctl" --data "$S" terminal teams k --teams bt-hengelo,bt-almelo
check "sync brings the new teams" "$B/pols-kiosk" --data "$T/k" sync
check "the terminal now takes answers for bt-almelo" answer k bt-almelo 5 5 5 5 5
set +e; out=$("$B/polsctl" --data "$S" terminal teams k --teams twente 2>&1); rc=$?; set -e
[ "$rc" -eq 1 ] && grep -q "is a district, not a team" <<<"$out" || fail "teams = a district: $out"
echo "  ok: a district is refused as a team"

# A campaign opens after enrollment, then closes.
set +e; out=$(memo 2>&1); rc=$?; set -e
[ "$rc" -eq 2 ] && grep -q "no open campaign" <<<"$out" || fail "MEMO before any wave: $rc $out"
WAVE=$("$B/polsctl" --data "$S" wave open --form medewerkersmonitor --scope twente \
	--from 2027-03-01 --to 2027-03-31 | sed -n 's/.*: //p')
check "sync brings the campaign" "$B/pols-kiosk" --data "$T/k" sync
check "the Medewerkersmonitor can be answered now" memo
"$B/polsctl" --data "$S" wave close "$WAVE" >/dev/null
check "sync after the wave closed" "$B/pols-kiosk" --data "$T/k" sync
set +e; out=$(memo 2>&1); rc=$?; set -e
[ "$rc" -eq 2 ] && grep -q "no open campaign" <<<"$out" || fail "MEMO after the wave closed: $rc $out"
echo "  ok: after the wave closed the terminal refuses new MEMO answers"
memo_cells() { sqlite3 "$S/server.db" "SELECT COALESCE(SUM(n),0) FROM cells WHERE unit='bt-hengelo' AND form='medewerkersmonitor'"; }
eq "the single MEMO response waits for the grace time after the close" "$(memo_cells)" 0
stop_polsd
POLS_NOW=2027-03-12T10:00:00Z start_polsd "$URL"
POLS_NOW=2027-03-12T10:00:00Z "$B/pols-kiosk" --data "$T/k" sync
eq "48 hours after the close it goes" "$(memo_cells)" 1
stop_polsd
start_polsd "$URL"

# Settings: a new version arrives; an older one is refused.
stop_polsd
printf 'kiosk_cooldown = 33\nsettings_version = 2\n' >"$S/polsd.conf"
start_polsd "$URL"
check "sync with new settings" "$B/pols-kiosk" --data "$T/k" sync
eq "the terminal took cooldown 33" "$(meta settings | jq .cooldown)" 33
stop_polsd
printf 'kiosk_cooldown = 5\nsettings_version = 1\n' >"$S/polsd.conf"
start_polsd "$URL"
out=$("$B/pols-kiosk" --data "$T/k" sync 2>&1) || fail "sync with older settings failed: $out"
grep -q "settings version 1 is older than the 2 this terminal holds; kept the newer" <<<"$out" ||
	fail "no refusal: $out"
eq "older settings are refused: cooldown stays 33" "$(meta settings | jq .cooldown)" 33
rm "$S/polsd.conf"

# A terminal whose clock is ten days ahead files under the server's period.
stop_polsd
start_polsd "$URL" # POLS_NOW 2027-03-10: fortnight 2027-F05
POLS_NOW=2027-03-20T09:00:00Z "$B/pols-kiosk" --data "$T/k" sync
eq "the terminal measured its clock ten days ahead" "$(meta clock_offset)" -864000
for _ in 1 2 3 4 5; do POLS_NOW=2027-03-20T09:00:00Z answer k bt-hengelo 1 1 1 1 1; done
POLS_NOW=2027-03-20T09:00:00Z "$B/pols-kiosk" --data "$T/k" sync
eq "its answers went to 2027-F05, not F06" \
	"$(sqlite3 "$S/server.db" "SELECT group_concat(period) FROM cells WHERE unit='bt-hengelo' AND form='team-thermometer'")" "2027-F05"
eq "ten responses in F05" "$(sqlite3 "$S/server.db" "SELECT n FROM cells WHERE unit='bt-hengelo' AND form='team-thermometer'")" 10
stop_polsd
