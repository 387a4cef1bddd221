#!/usr/bin/env bash
# netns.sh - a lossy network in the kernel, as root: polsd in one network
# namespace, four terminals in another, a veth pair between them:
#   t1..t4 (pols-t-PID, 10.77.0.2) --veth--> polsd (pols-s-PID, 10.77.0.1)
# The faults are on the link, both ways, in the kernel's TCP/IP path, so
# they reach NNG's TCP transport as a bad network would deliver them:
#  - with sch_netem: tc netem (loss, delay, duplicate, reorder, corrupt);
#  - without it (a module some kernels lack): nftables drops packets at
#    random and duplicates them (netdev egress 'dup'), and a tbf qdisc
#    limits the rate (queueing delay, drops when its queue is full);
#  - either way, nftables resets connections at random (the packet is
#    dropped and its sender gets a TCP reset), overwrites four bytes at the
#    start of a segment or inside it with the TCP checksum fixed up (TCP
#    passes the damage on to NNG and pols), drops a quarter of polsd's
#    signed ACKs after polsd committed (polsd's connection reset: the
#    terminal must send those batches again, polsd must count them once);
#    and in every third round the link goes down (ip link set down) for
#    1-4 s as soon as polsd has applied a batch, and comes back.
# Terminals answer and sync round after round (every sync retried until it
# exits 0, bounded), then, over the healed link, one clean sync each
# settles the rest: every count of every team on the server equals the
# answers given, exactly, and polsd still answers a new sync at once.
# Prints what was injected (nftables and tc counters), what the programs
# saw, and what was lost or doubled. Skipped (exit 0) when not root or
# without network namespaces, veth or nftables. NETNS_SEED and NETNS_ROUNDS
# change the run (defaults 7 and 8): the seed drives the answers and the
# link's downtimes; the kernel's random drops differ from run to run.
# With fewer rounds than 8 a kind of fault may not happen, and the test
# says so and fails.
. "$(dirname "$0")/lib.sh"
SEED=${NETNS_SEED:-7}
ROUNDS=${NETNS_ROUNDS:-8}
RANDOM=$SEED
skip() { echo "  skipped: $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "not root (network namespaces need root)"
for c in ip tc nft; do
	command -v "$c" >/dev/null || skip "no '$c' (deploy/install-deps.sh installs nftables; iproute2 has ip and tc)"
done
# Slower programs under ASan: longer timeouts.
X=1
[ "${POLS_SANITIZED:-0}" = 1 ] && X=2

# Namespace and interface names carry our PID: several runs at once do not
# meet. The addresses live only inside the two namespaces.
NS=pols-s-$$ NT=pols-t-$$ VS=pols-s$$ VT=pols-t$$
SADDR=10.77.0.1 TADDR=10.77.0.2
BG=() # background jobs of the current round (syncs, link flaps)
netns_down() {
	local p
	for p in "${BG[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${BG[@]}"; do wait "$p" 2>/dev/null || true; done
	# Removing a namespace removes its end of the veth pair, and the pair
	# (still here only when moving it into a namespace failed).
	ip netns del "$NS" 2>/dev/null || true
	ip netns del "$NT" 2>/dev/null || true
	ip link del "$VS" 2>/dev/null || true
}
ON_EXIT+=(netns_down)
err=$(ip netns add "$NS" 2>&1) || skip "network namespaces not usable: $err"
ip netns add "$NT"
err=$(ip link add "$VS" type veth peer name "$VT" 2>&1) || skip "no veth pair: $err"
ip link set "$VS" netns "$NS"
ip link set "$VT" netns "$NT"
ip -n "$NS" addr add "$SADDR/24" dev "$VS"
ip -n "$NT" addr add "$TADDR/24" dev "$VT"
for ep in "$NS:$VS" "$NT:$VT"; do # namespace:interface
	ip -n "${ep%%:*}" link set lo up
	ip -n "${ep%%:*}" link set "${ep#*:}" up
done
in_s() { ip netns exec "$NS" "$@"; } # in the server's namespace
in_t() { ip netns exec "$NT" "$@"; } # in the terminals' namespace
err=$(in_t true 2>&1) || skip "ip netns exec not usable: $err"

# Faults, in packets per thousand (each rule counts what it did): high,
# as a sync is a few dozen packets; every kind is sure to happen in a run.
DROP=50 DUP=30 RESET=40 DAMAGE=40 RATE=1mbit
nft_faults() { # PEER: resets and payload damage, packets from/to PEER
	cat <<-EOF
	table inet pols_faults {
		chain in {
			type filter hook input priority 0; policy accept;
			ip saddr $1 tcp flags & (syn | rst) == 0 numgen random mod 1000 < $RESET counter reject with tcp reset comment "reset"
		}
		chain out {
			type filter hook output priority 0; policy accept;
			ip daddr $1 meta l4proto tcp meta length > 60 numgen random mod 1000 < $DAMAGE counter @ih,0,32 set 0x7a7a7a7a comment "damage-start"
			ip daddr $1 meta l4proto tcp meta length > 300 numgen random mod 1000 < $DAMAGE counter @ih,1600,32 set 0x7a7a7a7a comment "damage-inside"
		}
	}
	EOF
}
nft_loss() { # PEER DEV: drops on the way in, duplicates on the way out
	cat <<-EOF
	table inet pols_loss {
		chain in {
			type filter hook input priority 10; policy accept;
			ip saddr $1 numgen random mod 1000 < $DROP counter drop comment "drop"
		}
	}
	table netdev pols_dup {
		chain out {
			type filter hook egress device "$2" priority 0; policy accept;
			numgen random mod 1000 < $DUP counter dup to "$2" comment "dup"
		}
	}
	EOF
}
# And the reply that matters most: a signed ACK (a pols message, "POLS"
# at byte 12 of an NNG frame, type 4 at byte 17) dropped after polsd
# committed its batches, polsd's connection reset: the terminal must send
# those batches again and polsd must count them once.
ACK_LOST=25 # per cent of ACKs
ack_lost() {
	cat <<-EOF
	table inet pols_ack {
		chain in {
			type filter hook input priority 0; policy accept;
			ip saddr $SADDR tcp sport $PORT @ih,96,32 0x504f4c53 @ih,136,8 4 numgen random mod 100 < $ACK_LOST counter reject with tcp reset comment "ack-lost"
		}
	}
	EOF
}
PORT=7450
err=$(in_s nft -f - <<<"$(nft_faults "$TADDR")" 2>&1) || skip "nftables not usable in a namespace: $err"
in_t nft -f - <<<"$(nft_faults "$SADDR")"
in_t nft -f - <<<"$(ack_lost)"
NETEM=(delay 20ms 10ms loss 3% duplicate 3% reorder 10% corrupt 1%)
if err=$(tc -n "$NS" qdisc add dev "$VS" root netem "${NETEM[@]}" 2>&1); then
	tc -n "$NT" qdisc add dev "$VT" root netem "${NETEM[@]}"
	echo "  tc netem on both ends: ${NETEM[*]}"
	KIND=netem
else
	echo "  no tc netem here (${err//$'\n'/ }): nftables drops and duplicates, tbf limits the rate"
	err=$(in_s nft -f - <<<"$(nft_loss "$TADDR" "$VS")" 2>&1) ||
		skip "no netem and no nftables netdev egress hook (Linux >= 5.16): $err"
	in_t nft -f - <<<"$(nft_loss "$SADDR" "$VT")"
	for ep in "$NS:$VS" "$NT:$VT"; do
		tc -n "${ep%%:*}" qdisc add dev "${ep#*:}" root tbf rate $RATE burst 4kb latency 100ms
	done
	KIND=tbf
fi

make_server
echo "log_level = debug" >>"$T/srv/polsd.conf" # S103: applied or duplicate
URL="tcp://$SADDR:$PORT"
# start_polsd with polsd in the server's namespace (ip netns exec execs it:
# POLSD_PID is polsd's own).
mkdir -p "$T/nsbin"
printf '#!/bin/sh\nexec ip netns exec %q %q "$@"\n' "$NS" "$B/polsd" >"$T/nsbin/polsd"
chmod +x "$T/nsbin/polsd"
B=$T/nsbin start_polsd "$URL"

TERMS=(t1 t2 t3 t4)
declare -A TEAM=([t1]=bt-hengelo [t2]=bt-enschede [t3]=bt-almelo [t4]=bt-hengelo)
items=(veiligheid sfeer werkdruk samenwerking jezelf-zijn)
declare -A want n
for t in "${TERMS[@]}"; do
	enroll "$t" "${TEAM[$t]}" "$URL"
	printf 'sync_timeout = %d\nrequest_timeout_ms = %d\n' $((3 * X)) $((500 * X)) >"$T/$t/kiosk.conf"
	n[${TEAM[$t]}]=0
done

# sync_until_done TERMINAL: in the terminals' namespace, retried until it
# exits 0 (bounded).
sync_until_done() {
	local t=$1 rc
	for _ in $(seq 40); do
		rc=0
		in_t "$B/pols-kiosk" --data "$T/$t" sync 2>>"$T/$t.sync.log" || rc=$?
		echo "$rc" >>"$T/$t.rcs"
		if [ "$rc" -eq 0 ]; then touch "$T/$t.synced.$round"; return 0; fi
		[ "$rc" -eq 1 ] || { echo "$t: sync exit $rc" >&2; return 1; }
	done
	echo "$t: no complete sync in 40 tries" >&2
	return 1
}
# flap APPLIED DOWN: the link goes down in the middle of the syncs, as
# soon as polsd has applied a batch beyond the APPLIED it had (its ACK is
# then on its way, or about to be), at most 3 s after the syncs began;
# for DOWN seconds. $T/busy gets how many terminals were still syncing.
flap() {
	local t busy=0
	for _ in $(seq 300); do
		[ "$(grep -c 'S103: .* applied$' "$T/polsd.log")" -gt "$1" ] && break
		sleep 0.01
	done
	ip -n "$NT" link set "$VT" down
	for t in "${TERMS[@]}"; do [ -e "$T/$t.synced.$round" ] || busy=$((busy + 1)); done
	echo "$busy" >>"$T/busy"
	sleep "$2"
	ip -n "$NT" link set "$VT" up
}
flaps=0 down_ms=0
: >"$T/busy"
start=$SECONDS
for round in $(seq "$ROUNDS"); do
	for t in "${TERMS[@]}"; do
		team=${TEAM[$t]}
		# >= 5: the cell travels. (RANDOM read here, not in $(...): a
		# subshell's RANDOM is seeded anew, so NETNS_SEED would not hold.)
		k=$((5 + RANDOM % 3))
		for _ in $(seq "$k"); do
			v=()
			for j in 0 1 2 3 4; do
				x=$((RANDOM % 11))
				v+=("$x")
				want[$team/${items[$j]}/$x]=$((${want[$team/${items[$j]}/$x]:-0} + 1))
			done
			answer "$t" "$team" "${v[@]}" || fail "answer refused on $t"
			n[$team]=$((n[$team] + 1))
		done
	done
	BG=()
	applied=$(grep -c 'S103: .* applied$' "$T/polsd.log" || true)
	for t in "${TERMS[@]}"; do sync_until_done "$t" & BG+=($!); done
	if [ $((round % 3)) -eq 0 ]; then
		ms=$((1000 + RANDOM % 3000)) # 1-4 s: longer than sync_timeout, or not
		flap "$applied" "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))" & BG+=($!)
		flaps=$((flaps + 1)) down_ms=$((down_ms + ms))
	fi
	for p in "${BG[@]}"; do
		wait "$p" || fail "round $round: $(tail -n 3 "$T"/t*.sync.log)"
	done
	BG=()
done
tries=$(cat "$T"/t*.rcs | wc -l)
failed=$(awk '$1 != 0 {n++} END {print n + 0}' "$T"/t*.rcs)
echo "  ok: $ROUNDS rounds of answers and syncs over the faulty link in $((SECONDS - start)) s ($tries sync runs, $failed gave up and were retried)"

# What was injected, read before the link heals.
counter() { # NS COMMENT: packets counted by the rule with that comment
	ip netns exec "$1" nft -j list ruleset |
		jq --arg c "$2" '[.nftables[].rule? | select(.comment? == $c) | .expr[] | .counter?.packets // empty] | add // 0'
}
qdisc() { # NS DEV pkt|dropped|overlimits: from tc -s's "Sent" line of the root qdisc
	tc -n "$1" -s qdisc show dev "$2" | awk -v f="$3" '$1 == "Sent" {
		for (i = 2; i <= NF; i++) {
			if (f == "pkt" && $i == "pkt") print $(i - 1)
			if (f == "dropped" && $i == "(dropped") print $(i + 1) + 0
			if (f == "overlimits" && $i == "overlimits") print $(i + 1) + 0
		}
		exit
	}'
}
row() { printf '    %-52s %6s %6s\n' "$@"; }
echo "  faults injected (seed $SEED, $ROUNDS rounds, $KIND):"
row "" "to srv" "to t"
row "packets sent on the link" "$(qdisc "$NT" "$VT" pkt)" "$(qdisc "$NS" "$VS" pkt)"
if [ "$KIND" = netem ]; then
	row "packets dropped by netem (loss)" "$(qdisc "$NT" "$VT" dropped)" "$(qdisc "$NS" "$VS" dropped)"
else
	row "packets dropped" "$(counter "$NS" drop)" "$(counter "$NT" drop)"
	row "packets duplicated" "$(counter "$NT" dup)" "$(counter "$NS" dup)"
	row "times tbf held packets back (overlimits)" "$(qdisc "$NT" "$VT" overlimits)" "$(qdisc "$NS" "$VS" overlimits)"
	row "packets dropped by tbf (queue full)" "$(qdisc "$NT" "$VT" dropped)" "$(qdisc "$NS" "$VS" dropped)"
fi
row "packets dropped, their sender's connection reset" "$(counter "$NS" reset)" "$(counter "$NT" reset)"
row "segments damaged at their start, checksum fixed" "$(counter "$NT" damage-start)" "$(counter "$NS" damage-start)"
row "segments damaged inside, checksum fixed" "$(counter "$NT" damage-inside)" "$(counter "$NS" damage-inside)"
row "signed ACKs dropped after the commit, polsd reset" "" "$(counter "$NT" ack-lost)"
echo "    link down $flaps times, $down_ms ms in all, right after polsd applied a batch; $(awk '{s += $1} END {print s + 0}' "$T/busy") terminals were mid-sync"
resent=$(grep -c "S103: .* duplicate$" "$T/polsd.log" || true)
echo "  seen by the programs:"
printf '    %-52s %6s\n' "batches polsd got again and answered duplicate" "$resent"
{ grep -ho '[KS]2[0-9][0-9]: [^:;(]*' "$T/polsd.log" "$T"/t*.sync.log || true; } | sed "s/ from .*//; s/'t[0-9]'/'t*'/" |
	sort | uniq -c | while read -r c what; do printf '    %-52s %6s\n' "${what:0:52}" "$c"; done
# Were the faults there? (Checked after the counts, which say more.)
acks_lost=$(counter "$NT" ack-lost)
resets=$(($(counter "$NS" reset) + $(counter "$NT" reset)))
damaged=$(($(counter "$NS" damage-start) + $(counter "$NT" damage-start) + $(counter "$NS" damage-inside) + $(counter "$NT" damage-inside)))
drops=$(($(counter "$NS" drop) + $(counter "$NT" drop)))
dups=$(($(counter "$NS" dup) + $(counter "$NT" dup)))

# The link heals: no rules, no qdisc, the link up. One clean sync each.
for ep in "$NS:$VS" "$NT:$VT"; do
	ip netns exec "${ep%%:*}" nft flush ruleset
	tc -n "${ep%%:*}" qdisc del dev "${ep#*:}" root
	ip -n "${ep%%:*}" link set "${ep#*:}" up
done
check "polsd is still running" kill -0 "$POLSD_PID"
for t in "${TERMS[@]}"; do
	printf 'sync_timeout = %d\nrequest_timeout_ms = %d\n' $((5 * X)) $((1000 * X)) >"$T/$t/kiosk.conf"
	check "$t: a clean sync over the healed link settles the rest" in_t "$B/pols-kiosk" --data "$T/$t" sync
	eq "$t: nothing left to send" "$("$B/pols-kiosk" --data "$T/$t" status | sed -n 's/.*batches to send: //p')" 0
done
# polsd still serves at once: five more answers, one sync, timed.
t=t1 team=${TEAM[t1]}
for _ in 1 2 3 4 5; do
	answer "$t" "$team" 10 10 10 10 10 || fail "answer refused on $t"
	for item in "${items[@]}"; do want[$team/$item/10]=$((${want[$team/$item/10]:-0} + 1)); done
	n[$team]=$((n[$team] + 1))
done
t0=$(date +%s%N)
check "polsd answers a new sync within $((5 * X)) s" in_t "$B/pols-kiosk" --data "$T/$t" sync
echo "    (it took $((($(date +%s%N) - t0) / 1000000)) ms)"

lost=0 doubled=0 differ=""
for team in $(printf '%s\n' "${TEAM[@]}" | sort -u); do
	got=$(report_json "$team")
	gn=$(jq .n <<<"$got")
	[ "$gn" -lt "${n[$team]}" ] && lost=$((lost + n[$team] - gn))
	[ "$gn" -gt "${n[$team]}" ] && doubled=$((doubled + gn - n[$team]))
	have=$(jq -r '.items[] | .id as $i | .counts | to_entries[] | select(.value > 0) | "\($i)/\(.key) \(.value)"' <<<"$got" | sort)
	expect=$(for item in "${items[@]}"; do for x in $(seq 0 10); do
		c=${want[$team/$item/$x]:-0}
		[ "$c" -eq 0 ] || echo "$item/$x $c" # (not &&: the loop would end false)
	done; done | sort)
	if [ "$have" = "$expect" ] && [ "$gn" = "${n[$team]}" ]; then
		echo "  ok: $team: $gn responses on the server, every count equal to the answers"
	else
		differ+="
$team: $gn responses on the server, ${n[$team]} given; counts (< given, > on the server):
$(diff <(echo "$expect") <(echo "$have") | grep '^[<>]' | head -n 10 || true)"
	fi
done
echo "    lost $lost, doubled $doubled"
[ -z "$differ" ] || fail "the server's counts differ from the answers given (lost $lost, doubled $doubled responses):$differ"
eq "applied batches equal the batches the terminals cut" \
	"$(sqlite3 "$T/srv/server.db" "SELECT COUNT(*) FROM applied")" \
	"$(for t in "${TERMS[@]}"; do sqlite3 "$T/$t/db/kiosk.db" "SELECT COUNT(*) FROM batches"; done | awk '{s += $1} END {print s}')"
[ "$acks_lost" -gt 0 ] || fail "no ACK was dropped after the commit"
[ "$resent" -gt 0 ] || fail "ACKs were dropped after the commit, yet polsd never got a batch twice"
[ "$resets" -gt 0 ] || fail "no connection was reset"
[ "$damaged" -gt 0 ] || fail "no segment was damaged"
if [ "$KIND" = tbf ]; then
	[ "$drops" -gt 0 ] || fail "no packet was dropped"
	[ "$dups" -gt 0 ] || fail "no packet was duplicated"
fi
stop_polsd
