#!/usr/bin/env bash
# scan.sh - after a full run with every program logging at debug level
# (answers, sync, publication, reports in JSON, CSV and HTML), no log,
# database, WAL or temporary file anywhere in the installation holds an
# answer in clear: not the answer JSON, not an item id next to a value,
# not the sensitive follow-ups. Scanned twice: while polsd runs (its WAL
# and shared memory exist only then) and after everything stopped.
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
# Both periods closed (F05 on 15 March, the campaign on 31 March) and
# their grace time past: one publication, and reports of it.
export POLS_NOW=2027-04-03T09:00:00Z
"$B/polsctl" --data "$S" publish >>"$T/polsctl.log" 2>&1
account hr hr
for fmt in json csv html; do
	for form in team-thermometer medewerkersmonitor; do
		report_as hr --unit bt-hengelo --form "$form" --format "$fmt" \
			--out "$T/report-$form.$fmt" 2>>"$T/polsctl.log"
	done
done
eq "the report shows the published team" "$(jq .n "$T/report-team-thermometer.json")" 5

scan() { # every file of the run, databases and their WAL included: "HITS FILES"
	local f needle hits=0 files
	mapfile -t files < <(find "$T" -type f ! -name org.csv ! -name '*.sock')
	[ "${#files[@]}" -gt 10 ] || fail "nothing to scan"
	for f in "${files[@]}"; do
		# The answers as the terminal received them (the forms, public,
		# name the same options, so look for item and value together;
		# published scale means such as "veiligheid":90 are no answer),
		# as JSON or as a log might write them.
		for needle in '"veiligheid":9([^0-9]|$)' '"sfeer":1([^0-9]|$)' \
			'"discriminatie-grond":\["geloof' '"discriminatie":true' \
			'"discriminatie-gemeld":"nee-niet-gedurfd"' '"answers"'; do
			if grep -aqE -- "$needle" "$f"; then
				echo "  found $needle in $f" >&2
				hits=$((hits + 1))
			fi
		done
		if grep -aqE '(veiligheid|werkdruk|jezelf-zijn)[]["'\'' :=]{1,4}9([^0-9]|$)|discriminatie-gemeld[]["'\'' :=]{1,4}nee' "$f"; then
			echo "  found an item next to its value in $f" >&2
			hits=$((hits + 1))
		fi
	done
	echo "$hits ${#files[@]}"
}
held=$(ls "$S" | grep -c -- '-\(wal\|shm\)$' || true)
eq "server.db's WAL and shared memory are there to scan" "$held" 2
read -r hits n <<<"$(scan)"
eq "answers in clear in $n files (logs, databases, WAL, reports), polsd running" "$hits" 0
stop_polsd
[ -s "$T/polsd.1.log" ] || fail "polsd logged nothing at debug level"
read -r hits n <<<"$(scan)"
eq "answers in clear in $n files, all stopped" "$hits" 0
# The scan can fail: answers planted as a log line and as JSON are found.
printf 'kiosk: debug K999: veiligheid=9 discriminatie-gemeld: nee-niet-gedurfd\n' >"$T/planted.log"
printf '{"answers":{"sfeer":1}}' >"$T/planted.json"
read -r hits n <<<"$(scan 2>/dev/null)"
eq "the scan finds planted answers" "$hits" 3
rm "$T/planted.log" "$T/planted.json"
# The terminal's database does hold the forms (public), never a value next
# to an item: its answers live only inside the accumulator ciphertext.
grep -aq 'geloof-of-levensovertuiging' "$T/k/db/kiosk.db" || fail "the scan cannot see the form text"
echo "  ok: the scan does see the (public) form text in the terminal database"
