#!/usr/bin/env bash
# Makes the Containerfile's two base images locally, for machines where no
# registry is reachable:
#   RUNTIME_IMAGE  a minimal Debian bookworm root (debootstrap), standing in
#                  for docker.io/library/debian:bookworm-slim;
#   BASE_IMAGE     the same root plus this host's Node 20+ (binary, npm and
#                  headers: public, redistributable) where the official
#                  node:20-bookworm-slim keeps them (/usr/local).
# Nothing else of the host is copied: no CA bundle, no npm config, no credentials.
# Does nothing when both images exist (FORCE=1 remakes them).
#
# Usage: scripts/make-base-image.sh
# Environment: BASE_IMAGE (default localhost/httptop-base:bookworm-node20),
#              RUNTIME_IMAGE (default localhost/httptop-base:bookworm),
#              MIRROR (default: this host's apt source for SUITE, else deb.debian.org),
#              SUITE (default bookworm), PODMAN (default podman),
#              PODMAN_RUN_FLAGS (flags for the smoke-test `podman run`, e.g. --runtime runc).
set -euo pipefail

BASE_IMAGE=${BASE_IMAGE:-localhost/httptop-base:bookworm-node20}
RUNTIME_IMAGE=${RUNTIME_IMAGE:-localhost/httptop-base:bookworm}
SUITE=${SUITE:-bookworm}
PODMAN=${PODMAN:-podman}
read -r -a run_flags <<<"${PODMAN_RUN_FLAGS:-}"

die() { echo "make-base-image: $*" >&2; exit 1; }

if [[ ${FORCE:-0} != 1 ]] && $PODMAN image exists "$BASE_IMAGE" && $PODMAN image exists "$RUNTIME_IMAGE"; then
	echo "make-base-image: $BASE_IMAGE and $RUNTIME_IMAGE exist (FORCE=1 remakes them)"
	exit 0
fi

[[ $(id -u) == 0 ]] || die "debootstrap needs root; run as root"
command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install -y debootstrap)"
command -v node >/dev/null || die "node is not installed on this host; it is copied into the image"

# Debian's own nodejs (18) is too old for Ink 6: the host's Node must be 20 or newer.
node_major=$(node -p 'process.versions.node.split(".")[0]')
((node_major >= 20)) || die "host node is $(node --version); Node 20 or newer is needed"

# The Node installation: <prefix>/bin/node, <prefix>/lib/node_modules/npm, <prefix>/include/node.
node_bin=$(readlink -f "$(command -v node)")
node_prefix=$(dirname "$(dirname "$node_bin")")
[[ -f $node_prefix/include/node/node_api.h ]] ||
	die "Node headers not found in $node_prefix/include/node (node-gyp needs them to build the addon)"
[[ -f $node_prefix/lib/node_modules/npm/bin/npm-cli.js ]] ||
	die "npm not found in $node_prefix/lib/node_modules/npm"

# The mirror this host already uses for $SUITE (a deb822 .sources file or sources.list).
if [[ -z ${MIRROR:-} ]]; then
	MIRROR=$(awk -v suite="$SUITE" '
		/^URIs:/ { uri = $2 }
		/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) found = uri }
		/^$/ { uri = "" }
		END { if (found) print found }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
fi
if [[ -z ${MIRROR:-} ]]; then
	MIRROR=$(awk -v suite="$SUITE" '$1 == "deb" && $3 == suite { print $2; exit }' \
		/etc/apt/sources.list 2>/dev/null || true)
fi
MIRROR=${MIRROR:-http://deb.debian.org/debian}

work=$(mktemp -d /var/tmp/httptop-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs

echo "make-base-image: debootstrap $SUITE from $MIRROR"
debootstrap --variant=minbase "$SUITE" "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 ||
	{ tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed (log above)"; }

# What a fresh image should not carry: package caches, logs, machine identity,
# and (as Debian's -slim images) manuals and documentation except licenses,
# now and in packages installed later.
rm -rf "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/* "$rootfs"/tmp/* \
	"$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*
find "$rootfs/usr/share/doc" -type f ! -name copyright -delete
find "$rootfs/usr/share/doc" -type d -empty -delete
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
EOF
: >"$rootfs/etc/machine-id"

# import ROOTFS IMAGE MESSAGE CMD
import_rootfs() {
	echo "make-base-image: importing $2"
	tar --numeric-owner -C "$1" -c . |
		$PODMAN import --quiet \
			--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
			--change "CMD [\"$4\"]" \
			--message "$3" - "$2" >/dev/null
}
import_rootfs "$rootfs" "$RUNTIME_IMAGE" "debootstrap --variant=minbase $SUITE" bash

echo "make-base-image: adding Node $(node --version) from $node_prefix"
install -D -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
mkdir -p "$rootfs/usr/local/lib/node_modules" "$rootfs/usr/local/include" "$rootfs/usr/local/share/doc/node"
cp -a "$node_prefix/lib/node_modules/npm" "$rootfs/usr/local/lib/node_modules/npm"
cp -a "$node_prefix/include/node" "$rootfs/usr/local/include/node"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
for license in /usr/share/doc/nodejs/copyright "$node_prefix/share/doc/node/LICENSE"; do
	if [[ -f $license ]]; then cp "$license" "$rootfs/usr/local/share/doc/node/"; fi
done
import_rootfs "$rootfs" "$BASE_IMAGE" "debootstrap --variant=minbase $SUITE + Node $(node --version)" node

# The image must run its Node, or the build would fail later with a worse message.
version=$($PODMAN run --rm "${run_flags[@]}" "$BASE_IMAGE" node --version) ||
	die "$BASE_IMAGE was imported but cannot run node here (PODMAN_RUN_FLAGS may need --runtime runc and --ulimit)"
for image in "$RUNTIME_IMAGE" "$BASE_IMAGE"; do
	echo "make-base-image: $image ready ($(($($PODMAN image inspect --format '{{.Size}}' "$image") / 1000000)) MB)"
done
echo "make-base-image: node in $BASE_IMAGE is $version"
