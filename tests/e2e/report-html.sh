#!/usr/bin/env bash
# report-html.sh - the HTML report as a team chief and HR get it: one
# self-contained page (no script, no external reference), with a
# thermometer per scale, the status word and the team's name escaped; a
# hostile org name shows only escaped; a withheld team's page says "te
# weinig respondenten" and shows no figure of the team; late answers are
# announced. A report file (--out) is 0600, replaces an older file only
# when whole, and is never written through a link. Needs no browser.
. "$(dirname "$0")/lib.sh"
S=$T/srv
make_server
cat >"$T/names.csv" <<'CSV'
id,parent,name,kind,headcount
bt-hengelo,twente,Basisteam Hengelo & Borne,team,40
bt-enschede,twente,"Basisteam <script>alert(1)</script> ""Enschede""",team,55
CSV
"$B/polsctl" --data "$S" org import "$T/names.csv" >/dev/null
URL="ipc://$T/s.sock"
enroll k bt-hengelo,bt-almelo,bt-enschede "$URL"
start_polsd "$URL"
# 2027-F05: Hengelo 8 (published), Enschede 6 (withheld to protect
# Almelo), Almelo 2 (too few).
for i in 1 2 3 4 5 6 7 8; do answer k bt-hengelo $((i % 7)) 5 7 3 $((i + 2)); done
for i in 1 2 3 4 5 6; do answer k bt-enschede 8 $i 5 3 6; done
for i in 1 2; do answer k bt-almelo 8 2 5 3 6; done
"$B/pols-kiosk" --data "$T/k" sync # the cells of k and more
# After the close Almelo's cell travels too (the server's clock moves
# with ours: the terminal keeps time by the server).
stop_polsd
export POLS_NOW=2027-03-30T09:00:00Z
start_polsd "$URL"
"$B/pols-kiosk" --data "$T/k" sync
account chef chief --team bt-hengelo
account hr hr

report_as chef --format html --out "$T/chef.html"
page=$(cat "$T/chef.html")
eq "the report file is 0600" "$(stat -c %a "$T/chef.html")" 600
json=$(report_as chef --format json)
eq "the published team's figures" "$(jq -c '[.suppressed, .n]' <<<"$json")" "[false,8]"
eq "the page starts with <!DOCTYPE html>" "$(head -c 15 "$T/chef.html")" "<!DOCTYPE html>"
check "the page ends with </html>" grep -q '</html>$' <<<"$(tail -n 1 "$T/chef.html")"
# An attribute or CSS url() reaching outside, or an element that loads.
REMOTE='[[:space:]]*["'\'']?[[:space:]]*(https?:|//)'
no_external() { # page
	! grep -Eiq "(src|href|action)[[:space:]]*=$REMOTE|url\\($REMOTE" <<<"$1" &&
		! grep -Eiq '<link|<script|<iframe|<object|<embed|<img|@import' <<<"$1"
}
check "no external reference, no script" no_external "$page"
check "an inline SVG thermometer" grep -q '<svg class="thermo"' <<<"$page"
eq "one thermometer per scale" "$(grep -o '<svg class="thermo"' <<<"$page" | wc -l)" \
	"$(jq '[.scales[] | select(.mean != null)] | length' <<<"$json")"
check "the team's name, escaped" grep -qF 'Basisteam Hengelo &amp; Borne' <<<"$page"
check "the raw name never appears" eval '! grep -qF "Hengelo & Borne" <<<"$page"'
level=$(jq -r .status.level <<<"$json")
check "the status word ($level)" grep -qF ">$level</div>" <<<"$page"
check "respondents n of headcount" grep -qF '8 van 40' <<<"$page"
check "the benchmark names" grep -qF 'District Twente' <<<"$page"
check "the help channels" grep -q 'vertrouwenspersoon' <<<"$page"
check "how to read it" grep -qF 'Hoe lees je dit?' <<<"$page"
check "A4 print CSS" grep -qF '@media print' <<<"$page"
check "no late notice yet" eval '! grep -qi "nagekomen antwoorden" <<<"$page"'

# HR over the district: the hostile name appears only escaped.
report_as hr --unit twente --format html --out "$T/twente.html"
page=$(cat "$T/twente.html")
check "district page: no external reference, no script" no_external "$page"
check "the hostile name is escaped" \
	grep -qF 'Basisteam &lt;script&gt;alert(1)&lt;/script&gt; &quot;Enschede&quot;' <<<"$page"
check "the hostile name never appears raw" eval '! grep -qiF "<script" <<<"$page"'
check "the children: Almelo too few" grep -qE 'Basisteam Almelo</td><td>team</td><td>niet getoond: te weinig respondenten' <<<"$page"
check "the children: Enschede withheld with the same words (no hint of its size)" \
	grep -qE 'Enschede(&quot;)?</td><td>team</td><td>niet getoond: te weinig respondenten, hier of in een groep ernaast' <<<"$page"
check "the children: Hengelo's n" grep -qF 'Basisteam Hengelo &amp; Borne</td><td>team</td><td>8</td>' <<<"$page"
report_as hr --unit bt-enschede --format html --out "$T/enschede.html"
page=$(cat "$T/enschede.html")
check "the hostile team's own page: only escaped" eval '! grep -qiF "<script" <<<"$page"'
check "... with its escaped name in the heading" \
	grep -qF '<h1>Basisteam &lt;script&gt;alert(1)&lt;/script&gt; &quot;Enschede&quot;</h1>' <<<"$page"

# A withheld team: says so, and no number of it (n 2, headcount 30).
report_as hr --unit bt-almelo --format html --out "$T/almelo.html"
page=$(cat "$T/almelo.html")
eq "Almelo is withheld" "$(report_as hr --unit bt-almelo --format json | jq -c '[.suppressed, .n]')" "[true,null]"
check "withheld page: DOCTYPE" grep -q '^<!DOCTYPE html>' <<<"$(head -n 1 "$T/almelo.html")"
check "withheld page: no external reference, no script" no_external "$page"
check "withheld page: te weinig respondenten" grep -qF 'te weinig respondenten' <<<"$page"
check "withheld page: no thermometer" eval '! grep -q "<svg" <<<"$page"'
check "withheld page: the help channels" grep -q 'vertrouwenspersoon' <<<"$page"
# Visible text without markup, entities, periods and dates: only k is left.
nums=$(sed -E -e 's/<style>.*<\/style>//' -e 's/<[^>]*>/ /g' -e 's/&[#a-zA-Z0-9]+;/ /g' \
	-e 's/[0-9]+( [a-z]+)?( [0-9]{4})? t\/m [0-9]+ [a-z]+ [0-9]{4}//g' \
	-e 's/[0-9]{4}-[0-9A-Za-z-]+//g' <<<"$page" | grep -oE '[0-9]+' | sort -u | tr '\n' ' ')
eq "withheld page: no number but k" "$nums" "5 "

# Late answers for Hengelo (fewer than k, after publication): announced,
# the figures stay.
stop_polsd
export POLS_NOW=2027-03-12T09:00:00Z
answer k bt-hengelo 2 2 9 2 2
answer k bt-hengelo 3 3 9 3 3
export POLS_NOW=2027-04-02T09:00:00Z
start_polsd "$URL"
"$B/pols-kiosk" --data "$T/k" sync
eq "the late answers reached the server" \
	"$(sqlite3 "$S/server.db" "SELECT SUM(n) FROM cells WHERE unit = 'bt-hengelo' AND period = '2027-F05'")" 10
page=$(report_as chef --format html)
check "late answers are announced" grep -qF 'Nagekomen antwoorden, nog niet verwerkt' <<<"$page"
check "... and the figures stay" grep -qF '8 van 40' <<<"$page"
eq "the json says late too" "$(report_as chef --format json | jq .late)" true

# --out is the operator's own path, but a report there is still 0600 (also
# over an older file that was not), a link in its place is refused rather
# than written through, and a refused report leaves the file as it was.
printf 'oud\n' >"$T/old.html"
chmod 644 "$T/old.html"
report_as chef --format html --out "$T/old.html"
eq "a report over an older 0644 file is 0600" "$(stat -c %a "$T/old.html")" 600
check "and whole" grep -q '</html>$' <<<"$(tail -n 1 "$T/old.html")"
echo "not a report" >"$T/victim"
ln -s "$T/victim" "$T/link.html"
ln -s "$T/nowhere" "$T/dangling.html"
for l in link dangling; do
	set +e; out=$(report_as hr --format html --out "$T/$l.html" 2>&1); rc=$?; set -e
	eq "a link in place of the report file ($l.html) is refused" "$rc" 1
	grep -qF "refusing to write through it" <<<"$out" || fail "said: $out"
done
eq "its target is untouched" "$(cat "$T/victim")" "not a report"
check "nothing is created where the dangling one points" test ! -e "$T/nowhere"
printf 'oud\n' >"$T/kept.csv"
set +e; out=$(report_as chef --team bt-enschede --format csv --out "$T/kept.csv" 2>&1); rc=$?; set -e
eq "a refused report exits 1" "$rc" 1
grep -qF "outside the scope" <<<"$out" || fail "said: $out"
eq "and leaves the file there as it was" "$(cat "$T/kept.csv")" "oud"
eq "no temporary file is left" "$(find "$T" -maxdepth 1 -name '*.tmp*' | wc -l)" 0
