#!/usr/bin/env bash
# admin.sh - polsctl as an administrator meets it: init refuses to
# overwrite, org import is all-or-nothing with FILE:LINE errors and updates
# on re-import, forms are validated and versioned, terminals need real
# teams, settings are checked, and a cell below k is not shown.
. "$(dirname "$0")/lib.sh"

must_fail() { # description, expected stderr fragment, command...
	local d=$1 frag=$2 out rc; shift 2
	set +e; out=$("$@" 2>&1); rc=$?; set -e
	[ "$rc" -ne 0 ] || fail "$d: succeeded"
	grep -qF -- "$frag" <<<"$out" || fail "$d: said '$out', want '$frag'"
	echo "  ok: $d -> $out"
}
S=$T/srv
make_server

must_fail "init refuses an existing installation" "refusing to overwrite" \
	"$B/polsctl" --data "$S" init
check "the keys are untouched after a refused init" test -s "$S/keys/sign.sk"

# org import: a bad row anywhere means nothing is imported.
cat >"$T/bad.csv" <<'CSV'
id,parent,name,kind,headcount
bt-nieuw,twente,Basisteam Nieuw,team,12
bt-raar,twente,Basisteam Raar,teem,5
CSV
must_fail "a bad kind is refused with its line" "bad.csv:3: unknown kind 'teem'" \
	"$B/polsctl" --data "$S" org import "$T/bad.csv"
eq "nothing of the bad file was imported" \
	"$(sqlite3 "$S/server.db" "SELECT COUNT(*) FROM org WHERE id = 'bt-nieuw'")" 0
printf 'id,parent,name,kind,headcount\nbt-wees,nergens,Basisteam Wees,team,9\n' >"$T/orphan.csv"
must_fail "an unknown parent is refused with its line" "orphan.csv:2: parent 'nergens'" \
	"$B/polsctl" --data "$S" org import "$T/orphan.csv"
printf 'id,parent,name,kind,headcount\nd-x,bt-hengelo,District X,district,\n' >"$T/upside.csv"
must_fail "a district under a team is refused" "upside.csv:2:" \
	"$B/polsctl" --data "$S" org import "$T/upside.csv"
printf 'id,parent,name,kind,headcount\nbt-hengelo,twente,Basisteam Hengelo-Borne,team,44\n' >"$T/update.csv"
check "re-import updates a team" "$B/polsctl" --data "$S" org import "$T/update.csv"
eq "name and headcount updated" \
	"$(sqlite3 "$S/server.db" "SELECT name || '/' || headcount FROM org WHERE id = 'bt-hengelo'")" \
	"Basisteam Hengelo-Borne/44"
eq "the rest of the org is still there" "$(sqlite3 "$S/server.db" 'SELECT COUNT(*) FROM org')" 6

# Forms: validated, signed, versions immutable.
printf '{"id":"kapot","version":1,"title":{"nl":"x","en":"x"},"period":"week","items":[{"id":"a","type":"slider","text":{"nl":"a","en":"a"}}]}' >"$T/kapot.json"
must_fail "an invalid form is refused with the item named" "unknown type 'slider'" \
	"$B/polsctl" --data "$S" form publish "$T/kapot.json"
check "publishing the same form again is harmless" \
	"$B/polsctl" --data "$S" form publish forms/team-thermometer.json
jq '.title.nl = "Teamthermometer (gewijzigd)"' forms/team-thermometer.json >"$T/changed.json"
must_fail "a changed form under the same version is refused" "already published with other content" \
	"$B/polsctl" --data "$S" form publish "$T/changed.json"
jq '.version = 2 | .title.nl = "Teamthermometer 2"' forms/team-thermometer.json >"$T/v2.json"
check "a new version publishes" "$B/polsctl" --data "$S" form publish "$T/v2.json"
eq "both versions kept" "$(sqlite3 "$S/server.db" "SELECT group_concat(version) FROM forms WHERE id='team-thermometer'")" "1,2"
sig=$(sqlite3 "$S/server.db" "SELECT length(sig) FROM forms WHERE version = 2")
eq "the stored form carries a 64-byte signature" "$sig" 64

# Terminals.
must_fail "a terminal for an unknown team is refused" "team 'bt-nergens' is not in the organisation" \
	"$B/polsctl" --data "$S" terminal add t9 --teams bt-nergens --out "$T/t9.bundle"
must_fail "a terminal for a district is refused" "'twente' is a district, not a team" \
	"$B/polsctl" --data "$S" terminal add t9 --teams twente --out "$T/t9.bundle"
check "no bundle was written for a refused terminal" test ! -e "$T/t9.bundle"
# Names never become paths (files are named by the program, not by ids);
# ids with a '/' or '..' from the command line, a CSV or a form are
# refused all the same.
must_fail "a terminal name with a path in it is refused" "bad terminal name '../t9'" \
	"$B/polsctl" --data "$S" terminal add ../t9 --teams bt-hengelo --out "$T/t9.bundle"
printf 'id,parent,name,kind,headcount\n../x,twente,X,team,5\n' >"$T/dots.csv"
must_fail "an org id with '..' is refused" "dots.csv:2: invalid id '../x'" \
	"$B/polsctl" --data "$S" org import "$T/dots.csv"
printf 'id,parent,name,kind,headcount\nbt-a/b,twente,X,team,5\n' >"$T/slash.csv"
must_fail "an org id with '/' is refused" "slash.csv:2: invalid id 'bt-a/b'" \
	"$B/polsctl" --data "$S" org import "$T/slash.csv"
jq '.id = "../x"' forms/team-thermometer.json >"$T/dots.json"
must_fail "a form id with '..' is refused" "invalid form id '../x'" \
	"$B/polsctl" --data "$S" form publish "$T/dots.json"
# --out is the operator's path; even so a bundle is never written through
# a link planted there, and the terminal is then not added.
echo "not a bundle" >"$T/victim"
ln -s "$T/victim" "$T/linked.bundle"
must_fail "a bundle is not written through a link" "'$T/linked.bundle' already exists" \
	"$B/polsctl" --data "$S" terminal add t9 --teams bt-hengelo --out "$T/linked.bundle"
eq "the link's target is untouched" "$(cat "$T/victim")" "not a bundle"
eq "and t9 was not added" "$(sqlite3 "$S/server.db" "SELECT COUNT(*) FROM terminals WHERE name = 't9'")" 0
enroll t1 bt-hengelo "ipc://$T/s.sock"
must_fail "a terminal name is used once" "already exists" \
	"$B/polsctl" --data "$S" terminal add t1 --teams bt-hengelo --out "$T/again.bundle"
"$B/polsctl" --data "$S" terminal add t2 --teams bt-hengelo --out "$T/t2.bundle" >/dev/null
eq "the bundle is 0600 (it holds a one-time token)" "$(stat -c %a "$T/t2.bundle")" 600
must_fail "a terminal cannot be enrolled twice" "already an enrolled terminal" \
	"$B/pols-kiosk" --data "$T/t1" enroll "$T/t2.bundle"
echo '{"not":"a bundle"}' >"$T/fake.bundle"
must_fail "a file that is no bundle is refused" "is not an enrollment bundle" \
	"$B/pols-kiosk" --data "$T/fake" enroll "$T/fake.bundle"
# A bundle whose form was altered after signing: the terminal refuses it.
jq '.state.forms[0].form |= sub("Hoe veilig"; "Hoe onveilig")' "$T/t2.bundle" >"$T/forged.bundle"
must_fail "a bundle with a forged form is refused" "form signature does not verify" \
	"$B/pols-kiosk" --data "$T/forged" enroll "$T/forged.bundle"
check "and no half-enrolled terminal is left" test ! -e "$T/forged/db/kiosk.db"
eq "nor any of its keys" "$(ls "$T/forged/keys" | wc -l)" 0
check "the good bundle then enrolls in the same place" \
	"$B/pols-kiosk" --data "$T/forged" enroll "$T/t2.bundle"

# Settings: unknown keys and bad values, with FILE:LINE.
printf 'listen = tcp://127.0.0.1:1\n\nmin_respondents = 2\n' >"$T/bad.conf"
must_fail "k below 3 is refused" "bad.conf:3: 'min_respondents' must be an integer between 3 and 1000" \
	"$B/polsd" --data "$S" --config "$T/bad.conf"
printf 'lissen = tcp://127.0.0.1:1\n' >"$T/typo.conf"
must_fail "an unknown key is refused" "typo.conf:1: unknown key 'lissen'" \
	"$B/polsctl" --data "$S" --config "$T/typo.conf" terminal list
printf 'sync_timeout = 0\n' >"$T/t1/kiosk.conf"
must_fail "a bad kiosk setting is refused" "kiosk.conf:1: 'sync_timeout' must be an integer between 1 and 3600" \
	"$B/pols-kiosk" --data "$T/t1" status
rm "$T/t1/kiosk.conf"
check "polsctl writes a commented example config" "$B/polsctl" config-example "$T/example.conf"
check "which polsd accepts as it is" "$B/polsctl" --data "$S" --config "$T/example.conf" terminal list
grep -q '^#min_respondents = 5' "$T/example.conf" || fail "example lacks min_respondents"
ln -s "$T/victim" "$T/linked.conf"
must_fail "an example config is not written through a link" "Too many levels of symbolic links" \
	"$B/polsctl" config-example "$T/linked.conf"
must_fail "nor the kiosk's" "Too many levels of symbolic links" \
	"$B/pols-kiosk" config-example "$T/linked.conf"
eq "the link's target is untouched" "$(cat "$T/victim")" "not a bundle"
must_fail "a malformed POLS_NOW is refused" "POLS_NOW" \
	env POLS_NOW=gisteren "$B/pols-kiosk" --data "$T/t1" answer <<<'{"form":"team-thermometer","team":"bt-hengelo","answers":{"veiligheid":1,"sfeer":1,"werkdruk":1,"samenwerking":1,"jezelf-zijn":1}}'

# Fewer than k respondents: they stay on the terminal while the period is
# open (minimum batch size), and once sent after it closed nothing of them
# is shown, counts included.
start_polsd "ipc://$T/s.sock"
for i in 1 2 3 4; do answer t1 bt-hengelo 9 9 9 9 9; done
"$B/pols-kiosk" --data "$T/t1" sync
cells=$("$B/pols-kiosk" --data "$T/t1" status | sed -n 's/.*open cells: //p')
eq "4 responses in an open period stay on the terminal" "$cells" 1
account chef chief --team bt-hengelo
out=$(report_as chef --form team-thermometer --period 2027-F05 --format json)
eq "so the chief sees the period open, under k: no number" \
	"$(jq -c '[.open, .progress[0].n]' <<<"$out")" '[true,"minder dan k"]'
stop_polsd
# 2027-F05 (ISO weeks 9-10) ends at 15 March 00:00 UTC; 48 hours of grace
# later, at 17 March 00:00, the cell may go.
export POLS_NOW=2027-03-16T23:00:00Z
start_polsd "ipc://$T/s.sock"
"$B/pols-kiosk" --data "$T/t1" sync
eq "within the grace time it still waits" \
	"$("$B/pols-kiosk" --data "$T/t1" status | sed -n 's/.*open cells: //p')" 1
stop_polsd
export POLS_NOW=2027-03-17T00:00:00Z
start_polsd "ipc://$T/s.sock"
"$B/pols-kiosk" --data "$T/t1" sync
eq "after the grace time the small cell is sent" \
	"$("$B/pols-kiosk" --data "$T/t1" status | sed -n 's/.*open cells: //p')" 0
eq "the server holds the 4" "$(report_json bt-hengelo | jq .n)" 4
out=$(report_as chef --format json)
eq "4 respondents < k=5: suppressed" "$(jq .suppressed <<<"$out")" true
eq "and no count is shown" "$(jq -c '[.n, .items, .scales]' <<<"$out")" '[null,null,null]'
out=$(report_as chef)
grep -q "te weinig respondenten" <<<"$out" || fail "text report does not say why: $out"
POLS_NOW=2027-03-10T09:00:00Z answer t1 bt-hengelo 9 9 9 9 9 # a late one for F05
"$B/pols-kiosk" --data "$T/t1" sync
eq "a late response for a closed period goes at once" \
	"$("$B/pols-kiosk" --data "$T/t1" status | sed -n 's/.*open cells: //p')" 0
eq "the server keeps and counts it" "$(report_json bt-hengelo | jq .n)" 5
out=$(report_as chef --format json)
eq "the published snapshot is unchanged (one late answer < k)" \
	"$(jq -c '[.snapshot, .suppressed, .late]' <<<"$out")" '[1,true,true]'
grep -q "nog niet verwerkt" <<<"$(report_as chef)" || fail "the late answer is not listed"
must_fail "a chief's report for the district is refused" "outside the scope" \
	report_as chef --unit twente
must_fail "a report in an unknown format is refused" "--format must be text, json, csv or html" \
	report_as chef --format xml
must_fail "a wrong password is refused" "wrong password" \
	env POLS_PASSWORD=fout "$B/polsctl" --data "$S" report --as chef
grep -q "chef	report	twente - - text	refused" <<<"$("$B/polsctl" --data "$S" audit)" ||
	fail "the refused request is not in the audit log"
# Password guessing is rate-limited: after 5 wrong ones in a row the
# account is locked for 30 s (doubling), even for the right password.
for i in 2 3 4 5; do
	must_fail "wrong password $i" "wrong password" env POLS_PASSWORD="fout$i" "$B/polsctl" --data "$S" report --as chef
done
must_fail "a sixth try is refused as locked" "te veel mislukte pogingen" \
	env POLS_PASSWORD=fout6 "$B/polsctl" --data "$S" report --as chef
must_fail "locked: the right password waits too" "probeer het over 30 s opnieuw" report_as chef
eq "every failed login is in the audit log" \
	"$("$B/polsctl" --data "$S" audit | grep -c "	chef	login	-	refused$")" 7
out=$(POLS_NOW=2027-03-17T00:00:31Z report_as chef --format json)
eq "after 30 s the right password works again" "$(jq .unit <<<"$out")" '"bt-hengelo"'
must_fail "and the count starts over: one wrong password is not locked out" "wrong password" \
	env POLS_PASSWORD=fout7 POLS_NOW=2027-03-17T00:00:32Z "$B/polsctl" --data "$S" report --as chef
must_fail "an unknown account gets the same words as a wrong password" "unknown account, wrong password or disabled" \
	env POLS_PASSWORD=wachtwoord-chef "$B/polsctl" --data "$S" report --as niemand
"$B/polsctl" --data "$S" account disable chef >/dev/null
must_fail "a disabled account is refused" "wrong password or disabled" \
	env POLS_NOW=2027-03-17T00:00:40Z POLS_PASSWORD=wachtwoord-chef "$B/polsctl" --data "$S" report --as chef
must_fail "a short password is refused" "password too short" \
	env POLS_PASSWORD=kort "$B/polsctl" --data "$S" account add chef2 --role chief --team bt-hengelo
must_fail "a chief account for a district is refused" "role chief needs a team" \
	env POLS_PASSWORD=lang-genoeg-wachtwoord "$B/polsctl" --data "$S" account add chef3 --role chief --team twente
eq "the password is stored as argon2id, never in clear" \
	"$(sqlite3 "$S/server.db" "SELECT substr(pwhash, 1, 10) FROM accounts WHERE name = 'chef'")" '$argon2id$'

stop_polsd
echo "  ok: polsd stopped cleanly"
