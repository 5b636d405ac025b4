#!/usr/bin/env bash
# Sets up a Debian/Ubuntu machine to build and run httptop, as root, then builds it.
# Idempotent: installs only what is missing. Usage: sudo ./install.sh
# The programs the tests run against (nginx, curl, podman...) are scripts/install-test-peers.sh's,
# which `make test` runs.
set -euo pipefail
cd "$(dirname "$0")"

say() { printf 'install.sh: %s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run me as root (sudo ./install.sh): I install system packages"
command -v apt-get >/dev/null || die "I only know Debian and Ubuntu (apt-get); install the packages in this script by hand"

# Build: clang/llvm for the BPF object; libbpf/libelf/zlib headers (and so libbpf1, libelf1 to run),
# libcapstone-dev (the addon finds Go's return instructions with it), pkg-config and node-gyp's make,
# g++ and python3 for the addon; ca-certificates for npm.
packages=(clang llvm libbpf-dev libelf-dev zlib1g-dev libcapstone-dev pkg-config make g++ python3 ca-certificates)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "installing ${missing[*]}"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
	say "system packages already installed"
fi

command -v node >/dev/null || die "Node.js 20 or later is needed (https://nodejs.org or your distribution's nodejs 20+)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || die "Node.js 20 or later is needed; this is $(node --version)"

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	say "installing npm packages (npm ci)"
	npm ci --no-audit --no-fund --loglevel=error
else
	say "npm packages already installed"
fi

say "building (make)"
make

# A command on PATH for `httptop` (what the README's first command runs).
if [ ! -e /usr/local/bin/httptop ] || [ "$(readlink -f /usr/local/bin/httptop)" != "$(pwd)/dist/source/cli.js" ]; then
	ln -sf "$(pwd)/dist/source/cli.js" /usr/local/bin/httptop
	say "linked /usr/local/bin/httptop -> $(pwd)/dist/source/cli.js"
fi
say "done: run sudo httptop (sudo make test installs what the tests need and runs them)"
