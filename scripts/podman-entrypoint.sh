#!/bin/sh
# The profiler container's main process (installed as httptop-container-init).
# It prepares what httptop needs from the kernel, says what it found (this is
# what `make podman-logs` shows), then waits to be stopped: users run httptop
# with `podman exec`, one session per terminal.
set -u

say() { echo "httptop-container: $*"; }

say "kernel $(uname -r) $(uname -m)"

# Tracepoints attach through tracefs; a fresh host often has it unmounted.
if [ -e /sys/kernel/tracing/events/syscalls ]; then
	say "tracefs: /sys/kernel/tracing"
elif [ -e /sys/kernel/debug/tracing/events/syscalls ]; then
	say "tracefs: /sys/kernel/debug/tracing"
elif mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null; then
	say "tracefs: mounted on /sys/kernel/tracing"
else
	say "tracefs: not mounted and cannot mount it (is the container --privileged?)"
fi

if [ -r /sys/kernel/btf/vmlinux ]; then
	say "BTF: /sys/kernel/btf/vmlinux"
else
	say "BTF: /sys/kernel/btf/vmlinux missing; the kernel needs CONFIG_DEBUG_INFO_BTF"
fi

# In its own PID namespace this script is PID 1; with --pid=host it is not.
if [ "$$" -ne 1 ]; then
	say "PID namespace: the host's"
else
	say "PID namespace: the container's own; run with --pid=host to see host processes"
fi

# podman writes the container's name to /run/.containerenv.
name=$(sed -n 's/^name="\(.*\)"$/\1/p' /run/.containerenv 2>/dev/null)
say "ready: podman exec -it ${name:-profiler} httptop"

# Stop promptly on podman stop (SIGTERM), which a bare sleep as PID 1 would ignore.
trap 'say "stopping"; exit 0' TERM INT
while :; do
	sleep 3600 &
	wait $!
done
