#!/usr/bin/env bash
# Starts the long-running profiler container, idempotently:
#   running from the current image -> nothing to do;
#   stopped, or made from an older image -> replaced by a fresh one.
# Usage: scripts/podman-up.sh NAME IMAGE [podman run flags...]
# Environment: PODMAN (default podman).
set -euo pipefail

name=${1:?usage: podman-up.sh NAME IMAGE [podman run flags...]}
image=${2:?usage: podman-up.sh NAME IMAGE [podman run flags...]}
shift 2
PODMAN=${PODMAN:-podman}

image_id=$($PODMAN image inspect --format '{{.Id}}' "$image" 2>/dev/null) || {
	echo "podman-up: no image $image; run \`make podman-build\` first" >&2
	exit 1
}

if $PODMAN container exists "$name"; then
	read -r running current < <($PODMAN container inspect --format '{{.State.Running}} {{.Image}}' "$name")
	if [[ $running == true && $current == "$image_id" ]]; then
		echo "podman-up: $name is already running ($image)"
		exit 0
	fi
	echo "podman-up: replacing $name (running=$running, image ${current:0:12} -> ${image_id:0:12})"
	$PODMAN rm --force --time 5 "$name" >/dev/null
fi

$PODMAN run --detach --name "$name" "$@" "$image" >/dev/null

# Wait (bounded) for the entrypoint to report, so that a broken start shows here, not at exec.
for _ in $(seq 50); do
	if $PODMAN logs "$name" 2>&1 | grep -q 'httptop-container: ready'; then
		$PODMAN logs "$name" 2>&1 | sed 's/^/  /'
		echo "podman-up: $name is running; try: podman exec -it $name httptop"
		exit 0
	fi
	if [[ $($PODMAN container inspect --format '{{.State.Running}}' "$name") != true ]]; then
		break
	fi
	sleep 0.2
done
echo "podman-up: $name did not become ready; its log:" >&2
$PODMAN logs "$name" >&2 || true
exit 1
