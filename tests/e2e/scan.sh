#!/usr/bin/env bash
# scan.sh - after a full run with every program logging at debug level,
# no log, database, WAL or temporary file anywhere in the installation
# holds an answer in clear: not the answer JSON, not an item id next to a
# value, not the sensitive follow-ups.
. "$(dirname "$0")/lib.sh"
S=$T/srv
make_server
"$B/polsctl" --data "$S" form publish forms/medewerkersmonitor.json >/dev/null
"$B/polsctl" --data "$S" wave open --form medewerkersmonitor --scope twente \
	--from 2027-03-01 --to 2027-03-31 >/dev/null
printf 'log_level = debug\n' >"$S/polsd.conf"
URL="ipc://$T/s.sock"
enroll k bt-hengelo "$URL"
printf 'log_level = debug\n' >"$T/k/kiosk.conf"
start_polsd "$URL"
memo() {
	jq -c --argjson extra "$1" '{form: "medewerkersmonitor", team: "bt-hengelo",
	  answers: (([.items[] | select(.required == true)
	    | {key: .id, value: (if .type == "freq5" then 3 else 2 end)}] | from_entries) + $extra)}' \
	  forms/medewerkersmonitor.json
}
for i in 1 2 3 4 5; do
	memo '{"discriminatie":true,"discriminatie-grond":["geloof-of-levensovertuiging"],"discriminatie-van-wie":["leidinggevende"],"discriminatie-gemeld":"nee-niet-gedurfd"}' \
		>"$T/answer.json"
	"$B/pols-kiosk" --data "$T/k" answer <"$T/answer.json" 2>>"$T/kiosk.log"
	answer k bt-hengelo 9 1 9 1 9 2>>"$T/kiosk.log"
done
# The scan below can find such an answer: the input itself holds it.
grep -qF '"discriminatie-gemeld":"nee-niet-gedurfd"' "$T/answer.json" || fail "needle not in the input"
rm -f "$T/answer.json"
"$B/pols-kiosk" --data "$T/k" sync 2>>"$T/kiosk.log"
"$B/polsctl" --data "$S" publish >/dev/null
stop_polsd
[ -s "$T/polsd.1.log" ] || fail "polsd logged nothing at debug level"

# Every file of the run, databases and their WAL included.
mapfile -t files < <(find "$T" -type f ! -name '*.csv' ! -name '*.bundle')
[ "${#files[@]}" -gt 5 ] || fail "nothing to scan"
hits=0
for f in "${files[@]}"; do
	# The answers as the terminal received them (the forms themselves,
	# public, name the same options, so look for item and value together).
	for needle in '"veiligheid":9' '"sfeer":1' '"discriminatie-grond":["geloof' \
		'"discriminatie":true' '"discriminatie-gemeld":"nee-niet-gedurfd"' '"answers"'; do
		if grep -aqF -- "$needle" "$f"; then
			echo "  found $needle in $f" >&2
			hits=$((hits + 1))
		fi
	done
done
eq "answers in clear in ${#files[@]} files (logs, databases, WAL)" "$hits" 0
# The terminal's database does hold the forms (public), never a value next
# to an item: its answers live only inside the accumulator ciphertext.
grep -aq 'geloof-of-levensovertuiging' "$T/k/db/kiosk.db" || fail "the scan cannot see the form text"
echo "  ok: the scan does see the (public) form text in the terminal database"
