#!/usr/bin/env bash
# kiosk-ui.sh - the interactive kiosk (`pols-kiosk run`) driven through a
# real terminal: tmux (80x24), send-keys, capture-pane. A Team Thermometer
# and a Sentimeter answered by key reach the server with exactly the keys
# typed; after "Versturen" neither screen nor scrollback holds an answer and
# the next start screen equals the first; Esc, the idle timeout and SIGKILL
# in the middle of a response store nothing; the cooldown refuses, then
# accepts; Ctrl-C, Ctrl-Z and Ctrl-\ do not leave; a mouse click picks;
# the admin screen needs its PIN and shows counts; unlock mode refuses a
# wrong passphrase and reads nothing, and continues with the right one.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || fail "tmux is needed (deploy/install-deps.sh)"
S=$T/srv
K=$T/k
TS=$T/tmux.sock
tm() { tmux -S "$TS" "$@"; }

make_server
# The server's kiosk settings reach the terminal in its bundle; the
# terminal takes the stricter of them and its kiosk.conf.
printf 'kiosk_cooldown = 3\nkiosk_idle_timeout = 15\n' >"$S/polsd.conf"
"$B/polsctl" --data "$S" form publish forms/sentimeter.json >/dev/null
URL="ipc://$T/s.sock"
enroll k bt-hengelo,bt-enschede "$URL"
start_polsd "$URL" # reached only through the admin screen's "sync now"
PIN_HASH=$(printf '2468\n' | "$B/pols-kiosk" pin-hash)
cat >"$K/kiosk.conf" <<EOF
idle_timeout = 15
cooldown = 3
sync_interval = 86400
admin_pin_hash = "$PIN_HASH"
EOF

# One tmux server for the whole test; panes stay after their program ends
# so the exit status can be read.
tm -f /dev/null new-session -d -s base -x 80 -y 24 "sleep 3600"
tm set-option -g remain-on-exit on >/dev/null
PIDS+=("$(tm display -p '#{pid}')") # lib.sh's cleanup stops the tmux server

# The kiosk runs under a shell that records its exit status (tmux's own
# pane_dead_status proved unreliable); kiosk_pid finds it under the shell.
start_kiosk() { # extra arguments of `run`
	tm kill-session -t kiosk 2>/dev/null || true
	rm -f "$T/kiosk.rc"
	tm new-session -d -s kiosk -x 80 -y 24 \
		"env POLS_NOW=$POLS_NOW ASAN_OPTIONS=${ASAN_OPTIONS:-} UBSAN_OPTIONS=${UBSAN_OPTIONS:-} $B/pols-kiosk --data $K run $*; echo \$? >$T/kiosk.rc"
}
kiosk_pid() { pgrep -P "$(tm display -p -t kiosk '#{pane_pid}')" -f pols-kiosk; }
screen() { tm capture-pane -p -t kiosk; }
history() { tm capture-pane -p -S - -t kiosk; }
alive() { [ ! -e "$T/kiosk.rc" ] && [ -n "$(kiosk_pid)" ]; }
# Under valgrind (make valgrind-test) the kiosk is many times slower, and
# hashing a passphrase most of all: the waits may last six times as long.
SLOW=1
[ "${POLS_VALGRIND:-0}" = 1 ] && SLOW=6
wait_for() { # text, [tenths of a second]
	local i out
	for i in $(seq $((${2:-100} * SLOW))); do
		out=$(screen)
		if grep -qF -- "$1" <<<"$out"; then return 0; fi
		sleep 0.1
	done
	echo "$out" >&2
	fail "the screen never showed '$1'"
}
wait_gone() { # text, [tenths]
	local i out
	for i in $(seq $((${2:-100} * SLOW))); do
		out=$(screen)
		if ! grep -qF -- "$1" <<<"$out"; then return 0; fi
		sleep 0.1
	done
	echo "$out" >&2
	fail "the screen kept showing '$1'"
}
keys() { tm send-keys -t kiosk "$@"; }
responses() { # form: responses stored and not yet sent
	"$B/pols-kiosk" --data "$K" status --json | jq -r --arg f "$1" '.responses[$f] // 0'
}
START="Kies je taal om te beginnen"

start_kiosk
wait_for "$START"
FIRST=$(history)
grep -qF "vertrouwenspersoon" <<<"$FIRST" || fail "no help on the start screen"
grep -qF "Netwerk Diversiteit (NDV)" <<<"$FIRST" || fail "no NDV on the start screen"
grep -qF "5 colleagues or" <<<"$FIRST" || fail "no English explanation"
echo "  ok: the start screen explains anonymity and help in Dutch and English"

# Ctrl-C, Ctrl-Z, Ctrl-\ do not leave (start screen).
keys C-c; keys C-z; keys 'C-\'
sleep 0.3
alive || fail "a control key ended the kiosk"
wait_for "$START"
echo "  ok: Ctrl-C, Ctrl-Z and Ctrl-\\ do not leave the kiosk"

# Four scripted Team Thermometers (all 5) for bt-hengelo, the fifth by
# keys: 7 8 6 10 9. The server's report then counts exactly those.
for i in 1 2 3 4; do answer k bt-hengelo 5 5 5 5 5 || fail "scripted answer $i"; done
keys 1
wait_for "Kies je team"
grep -qF "Basisteam Hengelo" <<<"$(screen)" || fail "team list"
keys 2
wait_for "Kies een vragenlijst"
keys 2
wait_for "vraag 1 van 5"
keys 7
wait_for "vraag 2 van 5"
keys C-c
keys 8
wait_for "vraag 3 van 5"
alive || fail "Ctrl-C during a response ended the kiosk"
keys 6
wait_for "vraag 4 van 5"
keys t
wait_for "vraag 5 van 5"
keys Left
wait_for "vraag 4 van 5"
grep -qF "(*) 10" <<<"$(screen)" || fail "going back lost the answer"
keys Right
wait_for "vraag 5 van 5"
keys 9
wait_for "Versturen"
echo "  ok: one question a screen, 'vraag N van 5', back and forward"
keys Enter
wait_for "Bedankt"
keys Enter # any key leaves "Bedankt" at once
wait_for "$START"
AFTER=$(history)
[ "$AFTER" = "$FIRST" ] || { diff <(echo "$FIRST") <(echo "$AFTER") >&2; fail "the start screen after a response differs from the first"; }
for w in "Je antwoorden" "Teamthermometer" "Hoe veilig" "Bedankt"; do
	grep -qF "$w" <<<"$AFTER" && fail "'$w' is still on screen or in the scrollback"
done
echo "  ok: after Versturen the screen and scrollback equal the first start screen"
eq "Team Thermometer stored" "$(responses team-thermometer)" 5

# Cooldown: refused at once, accepted after it.
keys 1
wait_for "Een moment geduld"
sleep 0.3
grep -qF "Kies je team" <<<"$(screen)" && fail "the cooldown let a response start"
grep -qE "[0-9]+ (seconden|seconds)" <<<"$(screen)" && fail "the cooldown shows a time"
wait_for "$START" 60
keys 1
wait_for "Kies je team"
echo "  ok: the cooldown refuses a second response, then accepts it"

# Sentimeter by keys for bt-enschede (likert5): 4 5 3 4 2 5 1 4 3, after
# four scripted ones (all 3).
SENTI_KEYS=(4 5 3 4 2 5 1 4 3)
for i in 1 2 3 4; do
	printf '{"form":"sentimeter","team":"bt-enschede","answers":%s}' \
		"$(jq -c '[.items[] | {key: .id, value: 3}] | from_entries' forms/sentimeter.json)" |
		"$B/pols-kiosk" --data "$K" answer || fail "scripted Sentimeter $i"
done
keys 1
wait_for "Kies een vragenlijst"
keys 1
wait_for "vraag 1 van 9"
n=1
for v in "${SENTI_KEYS[@]}"; do
	keys "$v"
	n=$((n + 1))
	[ "$n" -le 9 ] && wait_for "vraag $n van 9"
done
wait_for "Versturen"
keys Enter
wait_for "Bedankt"
wait_for "$START"
eq "Sentimeter stored" "$(responses sentimeter)" 5

# Esc discards at once ("snel verbergen"), in English, mid-response.
before=$(responses team-thermometer)
keys 2 # "Bedankt" lasted longer than the cooldown
wait_for "Choose your team"
keys 2 2
wait_for "question 1 of 5"
keys 3 4
wait_for "question 3 of 5"
keys Escape
wait_for "$START" 20
[ "$(history)" = "$FIRST" ] || fail "the start screen after Esc differs from the first"
eq "Esc stored nothing" "$(responses team-thermometer)" "$before"

# An idle response is discarded after its timeout, with a countdown.
keys 1
wait_for "Kies je team"
keys 2 2
wait_for "vraag 1 van 5"
keys 1 2
wait_for "vraag 3 van 5"
wait_for "Ben je er nog" 150
wait_for "$START" 80
[ "$(history)" = "$FIRST" ] || fail "the start screen after the idle timeout differs"
eq "an idle response stored nothing" "$(responses team-thermometer)" "$before"

# A mouse (or touch) click: X10 report for the "2 English" button.
keys -l $'\e[M 88'
wait_for "Choose your team"
keys Escape
wait_for "$START"
echo "  ok: a click picks a button"

# SIGKILL in the middle of a response: nothing half is stored.
keys 1
wait_for "Kies je team"
keys 2 2
wait_for "vraag 1 van 5"
keys 0 0 0
wait_for "vraag 4 van 5"
kill -KILL "$(kiosk_pid)"
for i in $(seq 50); do alive || break; sleep 0.1; done
alive && fail "the kiosk survived SIGKILL"
eq "SIGKILL mid-response stored nothing" "$(responses team-thermometer)" "$before"
start_kiosk
wait_for "$START"
[ "$(history)" = "$FIRST" ] || fail "the start screen after a restart differs"
echo "  ok: after SIGKILL and a restart the start screen is the first one"

# SIGTERM (a service stop) and SIGHUP (the terminal window closed) in the
# middle of a response: the response is discarded as Esc would, and the
# kiosk ends cleanly, exit 0, the terminal given back.
for sig in TERM HUP; do
	keys 1
	wait_for "Kies je team"
	keys 2 2
	wait_for "vraag 1 van 5"
	keys 0 0
	wait_for "vraag 3 van 5"
	kill -"$sig" "$(kiosk_pid)"
	for i in $(seq $((100 * SLOW))); do [ -e "$T/kiosk.rc" ] && break; sleep 0.1; done
	eq "SIG$sig: the kiosk ends with exit 0" "$(cat "$T/kiosk.rc" 2>/dev/null)" 0
	eq "SIG$sig mid-response stored nothing" "$(responses team-thermometer)" "$before"
	start_kiosk
	wait_for "$START"
done

# The admin screen: Ctrl-A and the PIN; counts only; sync now.
keys C-a
wait_for "Beheercode"
keys 1 1 1 1 Enter
wait_for "Code onjuist"
keys 2 4 6 8 Enter
wait_for "Open cellen / Open cells: 2"
out=$(screen)
grep -qF "team-thermometer: 5" <<<"$out" || { echo "$out" >&2; fail "admin: responses per form"; }
grep -qF "sentimeter: 5" <<<"$out" || fail "admin: Sentimeter count"
grep -qF "nog nooit" <<<"$out" || fail "admin: never synced"
echo "  ok: the admin screen needs the PIN and shows counts"
keys s
wait_for "gelukt" 150
wait_for "Te verzenden batches / Batches to send: 0" 50
echo "  ok: 'sync now' from the admin screen, in the background"
keys r # no-op; stops an idle countdown that would take the q
sleep 0.3
if ! grep -qF "Beheer / Admin" <<<"$(screen)"; then
	# A slow sync (sanitizers) outlasted the idle timeout: in again.
	keys C-a
	wait_for "Beheercode"
	keys 2 4 6 8 Enter
	wait_for "Beheer / Admin"
fi
keys q
for i in $(seq $((100 * SLOW))); do [ -s "$T/kiosk.rc" ] && break; sleep 0.1; done
st=$(cat "$T/kiosk.rc" 2>/dev/null || true)
eq "q on the admin screen quits the kiosk, exit status" "$st" 0
rep=$(report_json bt-hengelo)
eq "Team Thermometer respondents on the server" "$(jq .n <<<"$rep")" 5
for iv in veiligheid:7 sfeer:8 werkdruk:6 samenwerking:10 jezelf-zijn:9; do
	eq "typed ${iv%%:*} = ${iv#*:}" \
		"$(jq --arg i "${iv%%:*}" --arg v "${iv#*:}" '.items[] | select(.id==$i) | .counts[$v]' <<<"$rep")" 1
done
rep=$(report_json bt-enschede sentimeter)
eq "Sentimeter respondents on the server" "$(jq .n <<<"$rep")" 5
i=0
for id in $(jq -r '.items[].id' forms/sentimeter.json); do
	v=${SENTI_KEYS[$i]}
	want=1
	[ "$v" = 3 ] && want=5 # the scripted ones answered 3
	eq "Sentimeter $id typed $v" "$(jq --arg i "$id" --arg v "$v" '.items[] | select(.id==$i) | .counts[$v]' <<<"$rep")" "$want"
	i=$((i + 1))
done
json=$("$B/pols-kiosk" --data "$K" status --json)
eq "status --json: last sync ok" "$(jq .last_sync.ok <<<"$json")" true
eq "status --json: nothing pending" "$(jq '.cells + .batches' <<<"$json")" 0

# Unlock mode.
answer k bt-hengelo 3 3 3 3 3 || fail "answer before lock"
before=$("$B/pols-kiosk" --data "$K" status --json | jq -c '{cells, batches, responses}')
printf 'correct horse battery staple\n' >"$T/pass"
printf 'wrong horse battery staple\n' >"$T/wrong"
"$B/pols-kiosk" --data "$K" lock --passphrase-file "$T/pass" >/dev/null || fail "lock"
[ -e "$K/keys/storage.key" ] && fail "lock left storage.key"
set +e
out=$("$B/pols-kiosk" --data "$K" status 2>&1); rc=$?
set -e
[ "$rc" -ne 0 ] && grep -qF -- "--unlock" <<<"$out" || fail "status without --unlock: $rc $out"
set +e
out=$("$B/pols-kiosk" --data "$K" status --json --unlock --passphrase-file "$T/wrong" 2>&1); rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a wrong passphrase opened the terminal"
grep -qF "wachtwoord onjuist / wrong passphrase" <<<"$out" || fail "wrong passphrase said: $out"
grep -qF "cells" <<<"$out" && fail "a wrong passphrase printed counts"
echo "  ok: a wrong passphrase reads nothing and says so"
start_kiosk --unlock
wait_for "Wachtwoord / Passphrase" 50
keys -l "wrong horse battery staple"
keys Enter
wait_for "wachtwoord onjuist / wrong passphrase" 100
keys -l "correct horse battery staple"
keys Enter
wait_for "$START" 100
eq "unlocked: the same counts as before" \
	"$("$B/pols-kiosk" --data "$K" status --json --unlock --passphrase-file "$T/pass" 2>/dev/null | jq -c '{cells, batches, responses}')" "$before"
keys 1
wait_for "Kies je team"
keys 2 2
wait_for "vraag 1 van 5"
keys 1 2 3 4 5
wait_for "Versturen"
keys Enter
wait_for "Bedankt"
wait_for "$START"
eq "unlock mode stores" "$("$B/pols-kiosk" --data "$K" status --json --unlock --passphrase-file "$T/pass" 2>/dev/null | jq '.responses["team-thermometer"]')" 2
echo "  ok: unlock mode continues where it was and stores"
# The sync child of an unlocked kiosk opens the terminal with the key in
# memory (no key file exists any more).
sqlite3 "$K/db/kiosk.db" "DELETE FROM meta WHERE key IN ('kiosk_sync_last', 'kiosk_sync_ok')"
keys C-a
wait_for "Beheercode"
keys 2 4 6 8 Enter
wait_for "nog nooit"
keys s
wait_for "gelukt" 150
echo "  ok: unlock mode syncs in the background with the key in memory only"
stop_polsd
