#!/usr/bin/env bash
# demo.sh - the whole flow on embedded defaults, in a fresh temporary folder:
# a server installation, an org of one unit, one district and three teams,
# the Team Thermometer, two enrolled terminals, a few dozen scripted
# responses, a real polsd, sync, the period closing, one publication and
# the reports of a team chief and of HR.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${POLS_BIN:-$PWD/bin}
D=$(mktemp -d "${TMPDIR:-/tmp}/pols-demo.XXXXXX")
URL="ipc://$D/polsd.sock"
export POLS_NOW=${POLS_NOW:-2027-03-10T09:00:00Z}
step() { printf '\n== %s\n' "$*"; }

step "Server: installatie, organisatie, vragenlijst / installation, org, questionnaire"
"$B/polsctl" --data "$D/server" init
cp deploy/demo-org.csv "$D/org.csv"
"$B/polsctl" --data "$D/server" org import "$D/org.csv"
"$B/polsctl" --data "$D/server" form publish forms/team-thermometer.json

step "Twee terminals inrichten / enrol two terminals"
"$B/polsctl" --data "$D/server" terminal add kantine-hengelo --teams bt-hengelo,bt-almelo \
	--server "$URL" --out "$D/kantine-hengelo.bundle" | head -n 1
"$B/polsctl" --data "$D/server" terminal add briefing-enschede --teams bt-enschede,bt-almelo \
	--server "$URL" --out "$D/briefing-enschede.bundle" | head -n 1
"$B/pols-kiosk" --data "$D/kantine-hengelo" enroll "$D/kantine-hengelo.bundle"
"$B/pols-kiosk" --data "$D/briefing-enschede" enroll "$D/briefing-enschede.bundle"
rm -f "$D"/*.bundle

step "Medewerkers vullen de Teamthermometer in / employees answer (48 responses)"
for i in $(seq 0 47); do
	case $((i % 4)) in
	0) t=kantine-hengelo team=bt-hengelo ;;
	1) t=kantine-hengelo team=bt-almelo ;;
	2) t=briefing-enschede team=bt-enschede ;;
	3) t=briefing-enschede team=bt-almelo ;;
	esac
	printf '{"form":"team-thermometer","team":"%s","answers":{"veiligheid":%d,"sfeer":%d,"werkdruk":%d,"samenwerking":%d,"jezelf-zijn":%d}}' \
		"$team" $((5 + i % 5)) $((4 + i % 6)) $((3 + i % 7)) $((6 + i % 4)) $((5 + i % 6)) |
		"$B/pols-kiosk" --data "$D/$t" answer
done
"$B/pols-kiosk" --data "$D/kantine-hengelo" status

step "Server starten en synchroniseren / start the server and sync"
"$B/polsd" --data "$D/server" --listen "$URL" 2>"$D/polsd.log" &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q listening "$D/polsd.log" && break; sleep 0.05; done
"$B/pols-kiosk" --data "$D/kantine-hengelo" sync
"$B/pols-kiosk" --data "$D/briefing-enschede" sync
"$B/pols-kiosk" --data "$D/kantine-hengelo" status

step "Accounts: teamchef Almelo en HR / a team chief and HR"
export POLS_PASSWORD=demo-wachtwoord # demo only: normally typed, never in the environment
"$B/polsctl" --data "$D/server" account add chef-almelo --role chief --team bt-almelo
"$B/polsctl" --data "$D/server" account add hr --role hr

step "De periode loopt nog: alleen de respons / the period is open: response only"
"$B/polsctl" --data "$D/server" report --as chef-almelo --form team-thermometer --period 2027-F05

kill $PID; wait $PID 2>/dev/null || true
trap - EXIT
step "Twee weken later: periode gesloten, publiceren / the period closed: publish once"
export POLS_NOW=2027-03-17T09:00:00Z # 2027-F05 ended 15 March, plus 48 h grace
"$B/polsctl" --data "$D/server" publish

step "Teamrapport / team report: Basisteam Almelo (as its chief)"
"$B/polsctl" --data "$D/server" report --as chef-almelo
"$B/polsctl" --data "$D/server" report --as hr --unit twente --format html --out "$D/rapport-twente.html"
"$B/polsctl" --data "$D/server" report --as hr --unit nl --format csv --out "$D/rapport-korps.csv"
step "Klaar / done"
cat <<EOF2
De server is gestopt. Alle bestanden staan in / the server has stopped; all files are in:
  $D
    server/             server database and keys (polsd --data $D/server)
    kantine-hengelo/    terminal 1 (db/ and keys/)
    briefing-enschede/  terminal 2
    polsd.log           the server's log
    rapport-twente.html the district report (open it in a browser)
    rapport-korps.csv   every unit x scale, for Excel, R or SPSS
Try: POLS_NOW=$POLS_NOW POLS_PASSWORD=$POLS_PASSWORD $B/polsctl --data $D/server report --as hr --unit bt-hengelo --format json
EOF2
