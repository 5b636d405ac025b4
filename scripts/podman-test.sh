#!/usr/bin/env bash
# The container path end to end, on this machine, as a user takes it:
#   make podman-build && make podman-up
#   podman exec profiler httptop --snapshot --format json --duration 5
#   podman exec -it profiler httptop
# against a real HTTP server in a second container and a real client (curl) on
# the host, under a bounded load. Everything it starts is removed on every exit
# path (the images stay, as a build cache).
#
# Usage: sudo scripts/podman-test.sh   (or: sudo make podman-test)
# Environment: BASE_IMAGE/RUNTIME_IMAGE (default: local images made by
# scripts/make-base-image.sh), PODMAN_IMAGE, PODMAN_CONTAINER, and every other
# podman-* variable of the Makefile.
set -euo pipefail
cd "$(dirname "$0")/.."

PODMAN=${PODMAN:-podman}
image=${PODMAN_IMAGE:-localhost/httptop:latest}
profiler=${PODMAN_CONTAINER:-profiler}
server=httptop-test-server-$$
session=httptop-podman-test-$$
gets=300  # GET /container-test/ping, one keep-alive connection
posts=100 # POST /container-test/items with a body
work=$(mktemp -d /tmp/httptop-podman-test.XXXXXX)
load_pid=
https_pid=

say() { printf 'podman-test: %s\n' "$*"; }
fail() {
	printf 'podman-test: FAIL: %s\n' "$*" >&2
	exit 1
}
# make with this test's image and container names.
pmake() { make --no-print-directory PODMAN="$PODMAN" PODMAN_IMAGE="$image" PODMAN_CONTAINER="$profiler" "$@"; }

cleanup() {
	local status=$?
	trap - EXIT INT TERM
	tmux -L "$session" kill-server 2>/dev/null || true
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$session"
	if [[ -n $load_pid ]]; then kill "$load_pid" 2>/dev/null || true; fi
	if [[ -n $https_pid ]]; then kill "$https_pid" 2>/dev/null || true; fi
	$PODMAN rm --force --ignore --time 0 "$server" >/dev/null 2>&1 || true
	if [[ $status != 0 ]]; then
		say "profiler log:"
		$PODMAN logs "$profiler" 2>&1 | sed 's/^/  /' || true
	fi
	pmake podman-down >/dev/null 2>&1 || true
	rm -rf "$work"
	if [[ $status == 0 ]]; then say "PASS"; else say "failed (status $status); containers removed"; fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ $(id -u) == 0 ]] || fail "run as root: the profiler container is privileged"

# ---- the tools: podman, runc, debootstrap, tmux, curl (make test installed them already) ----
scripts/install-test-peers.sh

# ---- container names from real containers (`make check` skips them where podman is missing; here they must run) ----
HTTPTOP_REQUIRE_PODMAN=1 npx ava test/containers.test.ts >"$work/ava.log" 2>&1 || {
	cat "$work/ava.log" >&2
	fail "test/containers.test.ts failed"
}
say "test/containers.test.ts passed with a real podman container"

# ---- base images: public ones when given, else made here (no registry needed) ----
if [[ -z ${BASE_IMAGE:-} ]]; then
	export BASE_IMAGE=localhost/httptop-base:bookworm-node20 RUNTIME_IMAGE=localhost/httptop-base:bookworm
	pmake podman-base LOCAL_BASE_IMAGE="$BASE_IMAGE" LOCAL_RUNTIME_IMAGE="$RUNTIME_IMAGE"
fi

# ---- build ----
say "building $image from $BASE_IMAGE"
started=$SECONDS
pmake podman-build BASE_IMAGE="$BASE_IMAGE" RUNTIME_IMAGE="${RUNTIME_IMAGE:-docker.io/library/debian:bookworm-slim}" \
	>"$work/build.log" 2>&1 || {
	tail -n 40 "$work/build.log" >&2
	fail "make podman-build failed (last lines above)"
}
size=$($PODMAN image inspect --format '{{.Size}}' "$image")
say "built in $((SECONDS - started)) s; image $image is $((size / 1000000)) MB"

# ---- up, twice: the second must change nothing ----
pmake podman-up
first_id=$($PODMAN container inspect --format '{{.Id}}' "$profiler")
pmake podman-up | grep -q 'already running' || fail "a second make podman-up did not find $profiler running"
[[ $($PODMAN container inspect --format '{{.Id}}' "$profiler") == "$first_id" ]] || fail "a second make podman-up replaced $profiler"
$PODMAN exec "$profiler" httptop --help >/dev/null || fail "httptop --help fails inside $profiler"

# ---- a real HTTP server in its own container, on 127.0.0.1 ----
port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
# shellcheck disable=SC2016 # JavaScript, not shell
server_js='
const http = require("http");
http.createServer((req, res) => {
	let body = 0;
	req.on("data", chunk => { body += chunk.length; });
	req.on("end", () => {
		const text = req.method === "POST" ? `stored ${body} bytes\n` : "pong\n";
		res.writeHead(req.method === "POST" ? 201 : 200, {"content-type": "text/plain"});
		res.end(text);
	});
}).listen(Number(process.argv[1]), "127.0.0.1", () => console.log("listening"));'
# The runtime and ulimit flags this machine needs (the Makefile's), none of the profiler's privileges.
# shellcheck disable=SC2016 # make expands these, not the shell
read -r -a run_flags <<<"$(make --no-print-directory -s --eval 'print-run-flags: ; @echo $(PODMAN_RUNTIME) $(PODMAN_ULIMITS)' print-run-flags)"
# The httptop image has Node; the server is a separate container all the same.
$PODMAN run --detach --name "$server" --network=host "${run_flags[@]}" --entrypoint node "$image" \
	-e "$server_js" "$port" >/dev/null
for _ in $(seq 100); do
	curl -fsS -o /dev/null "http://127.0.0.1:$port/ready" 2>/dev/null && break
	sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$port/ready" || fail "the server in $server did not answer on 127.0.0.1:$port"

# The load: a fixed number of requests, each curl bounded in time.
load() {
	local n=$1 m=$2
	timeout 60 curl -fsS -o /dev/null "http://127.0.0.1:$port/container-test/ping?n=[1-$n]"
	if ((m > 0)); then
		timeout 60 curl -fsS -o /dev/null --data-binary 'item=widget&qty=3' "http://127.0.0.1:$port/container-test/items?n=[1-$m]"
	fi
}

# ---- snapshot: every exchange of the load is in the report ----
say "snapshot: $gets GETs and $posts POSTs from curl on the host to the server in $server"
$PODMAN exec "$profiler" httptop --snapshot --format json --duration 5 >"$work/report.json" 2>"$work/snapshot.err" &
snapshot_pid=$!
# The status line on stderr comes once the tracepoints are attached.
for _ in $(seq 300); do
	grep -q '^httptop:' "$work/snapshot.err" 2>/dev/null && break
	kill -0 "$snapshot_pid" 2>/dev/null || break
	sleep 0.1
done
grep -q '^httptop:' "$work/snapshot.err" || {
	wait "$snapshot_pid" || true
	cat "$work/snapshot.err" >&2
	fail "httptop --snapshot in $profiler did not start capturing"
}
load "$gets" "$posts"
snapshot_status=0
wait "$snapshot_pid" || snapshot_status=$?
if ((snapshot_status != 0)); then
	cat "$work/snapshot.err" >&2
	fail "httptop --snapshot exited with status $snapshot_status"
fi
node - "$work/report.json" "$server" "$gets" "$posts" <<'EOF' || fail "the snapshot does not hold the server's exchanges (report above)"
const [file, server, gets, posts] = process.argv.slice(2);
const report = JSON.parse(require('fs').readFileSync(file, 'utf8'));
const rows = (role, method, route) => report.endpoints.filter(e => e.role === role && e.method === method && e.route === route);
const sum = list => list.reduce((total, e) => total + e.count, 0);
const where = list => [...new Set(list.map(e => e.container ?? 'the host'))].join(', ') || 'no row';
const problems = [];
for (const [method, route, count, status] of [['GET', '/container-test/ping', Number(gets), '2xx'], ['POST', '/container-test/items', Number(posts), '2xx']]) {
	const served = rows('server', method, route);
	const sent = rows('client', method, route);
	const line = `${method} ${route}: server ${sum(served)} in ${where(served)}, client ${sum(sent)} in ${where(sent)}`;
	console.log(`podman-test:   ${line}`);
	if (sum(served) !== count || sum(sent) !== count) problems.push(`${line}; expected ${count} each`);
	if (served.some(e => e.container !== server)) problems.push(`${method} ${route}: the server's rows are not named ${server}`);
	if (sent.some(e => e.container !== null)) problems.push(`${method} ${route}: curl on the host is put in a container`);
	if (served.some(e => e.status[status] !== e.count)) problems.push(`${method} ${route}: not every status is ${status}`);
}
if (problems.length > 0) {
	console.error(JSON.stringify(report, null, 2).slice(0, 6000));
	for (const problem of problems) console.error(`podman-test: ${problem}`);
	process.exit(1);
}
EOF

# ---- HTTPS from the container: Node's TLS on the host, seen through uprobes on the host's node ----
https_requests=12
say "snapshot: $https_requests HTTPS requests between a Node server and a Node client on the host"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1 || fail "openssl could not make a certificate"
node test/peers/https-server.mjs "$work/cert.pem" "$work/key.pem" >"$work/https.port" 2>/dev/null &
https_pid=$!
for _ in $(seq 100); do
	grep -q '^port' "$work/https.port" 2>/dev/null && break
	sleep 0.1
done
https_port=$(awk '/^port/ { print $2 }' "$work/https.port")
[[ -n $https_port ]] || fail "the Node HTTPS server did not start"
$PODMAN exec "$profiler" httptop --snapshot --format json --duration 6 --port "$https_port" >"$work/https.json" 2>"$work/https.err" &
snapshot_pid=$!
for _ in $(seq 300); do
	grep -q '^httptop:' "$work/https.err" 2>/dev/null && break
	kill -0 "$snapshot_pid" 2>/dev/null || break
	sleep 0.1
done
paths=()
for i in $(seq "$https_requests"); do paths+=("/container-tls/$i"); done
timeout 60 node test/peers/https-client.mjs "https://127.0.0.1:$https_port" "${paths[@]}" --now >/dev/null 2>&1 \
	|| fail "the Node HTTPS client failed"
snapshot_status=0
wait "$snapshot_pid" || snapshot_status=$?
((snapshot_status == 0)) || {
	cat "$work/https.err" >&2
	fail "httptop --snapshot (HTTPS) exited with status $snapshot_status"
}
node - "$work/https.json" "$https_requests" <<'EOF' || fail "the snapshot does not hold the HTTPS exchanges (report above)"
const [file, requests] = process.argv.slice(2);
const report = JSON.parse(require('fs').readFileSync(file, 'utf8'));
const rows = role => report.endpoints.filter(e => e.role === role && e.method === 'GET' && e.route.startsWith('/container-tls'));
const sum = list => list.reduce((total, e) => total + e.count, 0);
const problems = [];
for (const role of ['server', 'client']) {
	console.log(`podman-test:   HTTPS ${role}: ${sum(rows(role))} exchanges, tls ${[...new Set(rows(role).map(e => e.tls))].join(', ')}`);
	if (sum(rows(role)) !== Number(requests)) problems.push(`${role}: ${sum(rows(role))} HTTPS exchanges, expected ${requests}`);
	if (rows(role).some(e => e.tls !== true)) problems.push(`${role}: a row is not marked TLS`);
}
if (!report.capture.tls || report.capture.tls.openssl < 1) problems.push('no OpenSSL hooked in the container');
if (problems.length > 0) {
	console.error(JSON.stringify(report, null, 2).slice(0, 6000));
	for (const problem of problems) console.error(`podman-test: ${problem}`);
	process.exit(1);
}
EOF
kill "$https_pid" 2>/dev/null || true
https_pid=

# ---- the live table in a real terminal (tmux), then q ----
say "live: podman exec -it $profiler httptop in tmux"
tmux -L "$session" new-session -d -s "$session" -x 160 -y 40 \
	"$PODMAN exec -it $profiler httptop; echo \$? >$work/tui.status; sleep 60"
# A bounded trickle of requests while the table is on screen (at most 40 rounds of 10).
(for _ in $(seq 40); do load 10 0 >/dev/null 2>&1 || true; sleep 0.5; done) &
load_pid=$!
seen=
for _ in $(seq 300); do
	tmux -L "$session" capture-pane -p -t "$session" >"$work/screen.txt" 2>/dev/null || true
	if grep -q '/container-test/ping' "$work/screen.txt"; then
		seen=1
		break
	fi
	[[ -e $work/tui.status ]] && break
	sleep 0.1
done
[[ -n $seen ]] || {
	cat "$work/screen.txt" >&2
	fail "the live table never showed /container-test/ping (screen above)"
}
sed 's/^/  | /' "$work/screen.txt" | head -n 12
tmux -L "$session" send-keys -t "$session" q
for _ in $(seq 100); do
	[[ -e $work/tui.status ]] && break
	sleep 0.1
done
[[ -e $work/tui.status ]] || fail "httptop did not exit within 10 s of q"
[[ $(cat "$work/tui.status") == 0 ]] || fail "httptop exited with status $(cat "$work/tui.status") after q"
say "q exited cleanly (status 0)"
