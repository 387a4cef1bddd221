#!/usr/bin/env bash
# forms.sh - polsctl form check / show / publish as a form author meets
# them: a broken form gets every problem listed as FILE: path: reason, the
# shipped forms pass, `form show` reads the questionnaire back in Dutch and
# English, and publish runs the same check and publishes nothing on failure.
. "$(dirname "$0")/lib.sh"

P=$B/polsctl

# A form with several independent problems, one of each kind.
cat >"$T/kapot.json" <<'JSON'
{
  "id": "kapot",
  "version": 1,
  "title": { "nl": "Kapot", "en": "" },
  "period": "week",
  "modules": [ { "id": "m", "title": { "nl": "Module", "en": "Module" } } ],
  "items": [
    { "id": "sfeer", "type": "likert5", "module": "m",
      "text": { "nl": "De sfeer is goed.", "en": "The atmosphere is good." } },
    { "id": "wie", "type": "choice", "module": "x",
      "text": { "nl": "Wie?", "en": "Who?" },
      "options": [ { "value": "a", "label": { "nl": "a", "en": "a" } },
                   { "value": "a", "label": { "nl": "b", "en": "b" } } ] },
    { "id": "sfeer", "type": "yesno", "text": { "nl": "Nog eens?", "en": "Again?" } },
    { "id": "later", "type": "yesno", "text": { "nl": "Later?", "en": "Later?" },
      "show_if": "nog == true" },
    { "id": "nog", "type": "yesno", "text": { "nl": "Nog?", "en": "" } },
    { "id": "gevoelig", "type": "yesno", "sensitive": 1, "publish": "korps",
      "text": { "nl": "Gevoelig?", "en": "Sensitive?" } }
  ],
  "scales": [
    { "id": "s", "name": { "nl": "S", "en": "S" }, "items": ["sfeer", "bar", "nog"],
      "direction": "higher_is_worse", "cut": { "amber": 50, "red": 120 } },
    { "id": "t", "name": { "nl": "T", "en": "T" }, "items": ["sfeer"],
      "direction": "higher_is_better", "cut": { "amber": 40, "red": 60 } }
  ],
  "notes": [ { "after": "weg", "text": { "nl": "Hulp", "en": "Help" } } ]
}
JSON
K=$T/kapot.json
want="$K: title.en: missing translation
$K: items[1].module: unknown module 'x'
$K: items[1].options: duplicate value 'a'
$K: items[2]: duplicate id 'sfeer' (first at items[0])
$K: items[4].text.en: missing translation
$K: items[5].sensitive: must be true or false
$K: items[5].publish: must be \"team\" or \"district\"
$K: items[3].show_if: refers to 'nog', which is not an earlier item
$K: scales[0].items[1]: unknown item 'bar'
$K: scales[0].items[2]: item 'nog' is yesno, which is counted, not scored (want likert5, freq5 or scale0_10)
$K: scales[0].cut.red: 120 is outside 0-100
$K: scales[1].items[0]: item 'sfeer' is already in scales[0]; an item belongs to at most one scale
$K: scales[1].cut: red 60 is above amber 40 (higher_is_better needs red <= amber)
$K: items[0]: missing 'construct' (required for an item in a scale; 'sfeer' is in scales[0])
$K: notes[0].after: unknown item 'weg'"

set +e
out=$("$P" form check "$K" 2>"$T/err"); rc=$?
set -e
eq "form check of a broken form exits 1" "$rc" 1
eq "form check prints nothing on stdout for a broken form" "$out" ""
eq "form check lists every problem, one a line, FILE: path: reason" \
	"$(cat "$T/err")" "$want"
eq "15 problems" "$(wc -l <"$T/err")" 15

# Shipped forms: all valid, without --data.
out=$("$P" form check forms/team-thermometer.json)
eq "team-thermometer passes" "$out" "forms/team-thermometer.json: ok (5 items, 5 scales)"
for f in forms/medewerkersmonitor.json forms/sentimeter.json; do
	[ -f "$f" ] || { echo "  skip: $f not there yet"; continue; }
	out=$("$P" form check "$f")
	check "$f passes form check" grep -qE "^$f: ok \([0-9]+ items, [0-9]+ scales\)$" <<<"$out"
done

# Usage errors.
set +e
"$P" form check >/dev/null 2>&1; rc1=$?
"$P" form show forms/team-thermometer.json --lang de >/dev/null 2>&1; rc2=$?
"$P" form check "$T/geen.json" 2>"$T/err"; rc3=$?
set -e
eq "form check without FILE is a usage error" "$rc1" 2
eq "form show --lang de is a usage error" "$rc2" 2
eq "an unreadable file fails" "$rc3" 1
check "... and says so" grep -qF "$T/geen.json: cannot open" "$T/err"

# form show: Dutch by default, English on request.
nl=$("$P" form show forms/team-thermometer.json)
check "show nl: title" grep -qx "Teamthermometer" <<<"$nl"
check "show nl: vraag 1 with its id" grep -qx "vraag 1 \[veiligheid\] (verplicht)" <<<"$nl"
check "show nl: the question" grep -qx "Hoe veilig voelde je je de afgelopen twee weken in je team?" <<<"$nl"
check "show nl: the 0-10 scale with its anchors" \
	grep -qx "  0 ... 10   (0 = helemaal niet veilig, 10 = volkomen veilig)" <<<"$nl"
check "show nl: vraag 5" grep -qx "vraag 5 \[jezelf-zijn\] (verplicht)" <<<"$nl"
en=$("$P" form show forms/team-thermometer.json --lang en)
check "show en: title" grep -qx "Team Thermometer" <<<"$en"
check "show en: question 3" grep -qx "question 3 \[werkdruk\] (required)" <<<"$en"
check "show en: the question" grep -qx "How heavy was your workload over the past two weeks?" <<<"$en"
check "show en: anchors" grep -qx "  0 ... 10   (0 = very light, 10 = far too heavy)" <<<"$en"
eq "show --lang nl is the default" "$("$P" form show forms/team-thermometer.json --lang nl)" "$nl"

# A small form with modules, a condition, a sensitive item and a note.
cat >"$T/klein.json" <<'JSON'
{
  "id": "klein", "version": 1, "period": "month",
  "title": { "nl": "Klein", "en": "Small" },
  "modules": [ { "id": "gedrag", "title": { "nl": "Ongewenst gedrag", "en": "Unacceptable behaviour" } } ],
  "items": [
    { "id": "pesten", "type": "yesno", "module": "gedrag", "sensitive": true,
      "text": { "nl": "Ben je gepest?", "en": "Were you bullied?" } },
    { "id": "wie", "type": "multi", "module": "gedrag", "sensitive": true, "publish": "district",
      "show_if": "pesten == true",
      "text": { "nl": "Door wie?", "en": "By whom?" },
      "options": [ { "value": "collega", "label": { "nl": "een collega", "en": "a colleague" } },
                   { "value": "burger", "label": { "nl": "een burger", "en": "a citizen" } } ] },
    { "id": "vaak", "type": "freq5", "construct": "frequentie",
      "text": { "nl": "Hoe vaak?", "en": "How often?" } }
  ],
  "scales": [ { "id": "v", "name": { "nl": "V", "en": "V" }, "items": ["vaak"],
    "direction": "higher_is_worse", "cut": { "amber": 50, "red": 75 } } ],
  "notes": [ { "after": "wie", "text": { "nl": "Hulp nodig? Bel de vertrouwenspersoon.\nOf je leidinggevende.",
    "en": "Need help? Call the confidential adviser.\nOr your leader." } } ]
}
JSON
eq "a form with modules and notes passes" "$("$P" form check "$T/klein.json")" \
	"$T/klein.json: ok (3 items, 1 scale)"
want_nl="Klein
(klein, versie 1, per maand)

== Ongewenst gedrag ==

vraag 1 [pesten]
Ben je gepest?
  [true] ja
  [false] nee
  [liever-niet] zeg ik liever niet

vraag 2 [wie] (meer antwoorden mogelijk) (alleen als: pesten == true)
Door wie?
  [collega] een collega
  [burger] een burger
  [liever-niet] zeg ik liever niet

> Hulp nodig? Bel de vertrouwenspersoon.
> Of je leidinggevende.

vraag 3 [vaak]
Hoe vaak?
  [0] nooit
  [1] zelden
  [2] soms
  [3] vaak
  [4] altijd"
eq "form show (nl) reads the questionnaire" "$("$P" form show "$T/klein.json")" "$want_nl"
en=$("$P" form show "$T/klein.json" --lang en)
check "show en: module title" grep -qx "== Unacceptable behaviour ==" <<<"$en"
check "show en: condition" grep -qxF "question 2 [wie] (more than one answer possible) (only if: pesten == true)" <<<"$en"
check "show en: rather not say" grep -qxF "  [liever-niet] I'd rather not say" <<<"$en"
check "show en: the note, every line" grep -qx "> Or your leader." <<<"$en"
check "show en: freq5 from never" grep -qx "  \[0\] never" <<<"$en"
set +e
"$P" form show "$K" >"$T/out" 2>"$T/err"; rc=$?
set -e
eq "form show of a broken form exits 1" "$rc" 1
eq "... and lists the problems like check" "$(cat "$T/err")" "$want"

# form publish: the same check; nothing published on failure.
S=$T/srv
make_server
set +e
"$P" --data "$S" form publish "$K" >"$T/out" 2>"$T/err"; rc=$?
set -e
eq "publish of a broken form exits 1" "$rc" 1
eq "publish lists every problem, one a line" "$(sed 's/^polsctl: //' "$T/err")" "$want"
eq "nothing of it was published" \
	"$(sqlite3 "$S/server.db" "SELECT COUNT(*) FROM forms WHERE id = 'kapot'")" 0
check "a valid form with modules, notes and sensitive items publishes" \
	"$P" --data "$S" form publish "$T/klein.json"
for f in forms/medewerkersmonitor.json forms/sentimeter.json; do
	[ -f "$f" ] || continue
	check "$f publishes" "$P" --data "$S" form publish "$f"
done
echo "forms: all passed"
