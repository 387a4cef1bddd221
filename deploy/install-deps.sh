#!/bin/sh
# install-deps.sh - install the Debian packages pols needs to build and test.
#
#   deploy/install-deps.sh              install (apt-get update first)
#   deploy/install-deps.sh --if-missing install only when something is missing
#   deploy/install-deps.sh --check      exit 1 and list what is missing
#
# Idempotent. Never prompts (DEBIAN_FRONTEND=noninteractive, -y). When a
# package is missing and cannot be installed (not root, no network), it
# fails with one clear line saying what to install.
set -eu

PKGS="build-essential pkg-config libsodium-dev libsqlite3-dev sqlite3 libnng-dev libcjson-dev libcmocka-dev jq valgrind libncurses-dev tmux python3 bc"
# Legacy nanomsg for tests/e2e/interop.sh. clang and its fuzzer runtime
# only for make fuzz, which sets POLS_FUZZ_DEPS=1 (make test needs no clang).
PKGS="$PKGS libnanomsg-dev"
# ip, tc and nft for tests/e2e/netns.sh (a lossy link between network
# namespaces; it runs as root only).
PKGS="$PKGS iproute2 nftables"
[ -z "${POLS_FUZZ_DEPS:-}" ] || PKGS="$PKGS clang libclang-rt-14-dev"

missing() {
	m=""
	command -v cc >/dev/null 2>&1 || m="$m build-essential"
	command -v make >/dev/null 2>&1 || m="$m build-essential"
	command -v pkg-config >/dev/null 2>&1 || m="$m pkg-config"
	command -v sqlite3 >/dev/null 2>&1 || m="$m sqlite3"
	command -v jq >/dev/null 2>&1 || m="$m jq"
	command -v valgrind >/dev/null 2>&1 || m="$m valgrind"
	command -v tmux >/dev/null 2>&1 || m="$m tmux"
	# python3: the independent oracles of the publication tests
	command -v python3 >/dev/null 2>&1 || m="$m python3"
	command -v bc >/dev/null 2>&1 || m="$m bc" # make bench
	# In /sbin or /usr/sbin: not on every user's PATH.
	for c in ip:iproute2 tc:iproute2 nft:nftables; do
		command -v "${c%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${c%%:*}" ] ||
			[ -x "/sbin/${c%%:*}" ] || m="$m ${c#*:}"
	done
	if command -v pkg-config >/dev/null 2>&1; then
		pkg-config --exists libsodium || m="$m libsodium-dev"
		pkg-config --exists sqlite3 || m="$m libsqlite3-dev"
		pkg-config --exists libcjson || m="$m libcjson-dev"
		pkg-config --exists cmocka || m="$m libcmocka-dev"
		pkg-config --exists ncursesw || m="$m libncurses-dev"
	else
		m="$m libsodium-dev libsqlite3-dev libcjson-dev libcmocka-dev libncurses-dev"
	fi
	# Debian's libnng-dev has no .pc file: look for the header.
	[ -f /usr/include/nng/nng.h ] || [ -f /usr/local/include/nng/nng.h ] ||
		m="$m libnng-dev"
	pkg-config --exists nanomsg 2>/dev/null || m="$m libnanomsg-dev"
	if [ -n "${POLS_FUZZ_DEPS:-}" ]; then
		command -v clang >/dev/null 2>&1 || m="$m clang"
		t=$(mktemp)
		echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n; }' |
			clang -fsanitize=fuzzer,address,undefined -x c - -o "$t" >/dev/null 2>&1 ||
			m="$m libclang-rt-14-dev"
		rm -f "$t"
	fi
	echo "$m" | tr ' ' '\n' | sort -u | tr '\n' ' ' | sed 's/^ *//; s/ *$//'
}

mode=${1:-install}
need=$(missing)
case "$mode" in
--check)
	[ -z "$need" ] && exit 0
	echo "missing Debian packages: $need" >&2
	exit 1 ;;
--if-missing)
	[ -z "$need" ] && exit 0 ;;
install) ;;
*)
	echo "usage: $0 [--check|--if-missing]" >&2
	exit 2 ;;
esac

if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1 && [ -z "${CI:-}" ] && [ -t 0 ]; then
		SUDO=sudo
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		SUDO="sudo -n"
	else
		echo "install-deps: missing packages ($need) and not root; run: apt-get install $PKGS" >&2
		exit 1
	fi
else
	SUDO=
fi
echo "install-deps: installing $PKGS" >&2
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get update -qq || ! $SUDO apt-get install -y -qq --no-install-recommends $PKGS >/dev/null; then
	echo "install-deps: apt-get could not install: $PKGS" >&2
	exit 1
fi
need=$(missing)
if [ -n "$need" ]; then
	echo "install-deps: still missing after install: $need" >&2
	exit 1
fi
