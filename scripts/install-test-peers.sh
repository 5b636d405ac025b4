#!/usr/bin/env bash
# Installs the real programs that httptop's tests and benchmarks run against
# (servers, clients, tmux, podman), as root, on Debian or Ubuntu. Building and
# running httptop need none of them: that is install.sh.
# Idempotent: installs only what is missing, then checks what the tests rely on.
# Usage: sudo scripts/install-test-peers.sh   (make test runs it)
set -euo pipefail

say() { printf 'install-test-peers: %s\n' "$*"; }
die() {
	printf 'install-test-peers: %s\n' "$*" >&2
	exit 1
}

# Servers: nginx (Debian's and Ubuntu's nginx has the ssl and http_v2 modules: checked below),
#   nghttpd (nghttp2-server), python3 with grpcio, Go (net/http servers and clients built by tests).
# Clients: curl and python3-requests (OpenSSL), wget (GnuTLS), wrk, ab (apache2-utils),
#   h2load and nghttp (nghttp2-client); openssl makes test certificates.
# The terminal and container tests: tmux; podman, runc (crun fails on cgroup v1 hosts) and
#   debootstrap (a local base image where no registry is reachable).
packages=(
	nginx nghttp2-server golang-go python3 python3-grpcio python3-requests
	curl wget wrk apache2-utils nghttp2-client openssl ca-certificates
	tmux podman runc debootstrap
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
	command -v apt-get >/dev/null || die "I only know Debian and Ubuntu (apt-get); install these by hand: ${missing[*]}"
	[[ $(id -u) == 0 ]] || die "missing ${missing[*]}: run me as root (sudo make test, or sudo $0)"
	nginx_was_installed=$(dpkg-query -W -f='${Status}' nginx 2>/dev/null | grep -c 'install ok installed' || true)
	say "installing ${missing[*]}"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
	# Installing nginx starts a site on port 80 of every address; the tests start their own on 127.0.0.1.
	if [[ $nginx_was_installed == 0 ]] && command -v systemctl >/dev/null && systemctl is-active --quiet nginx 2>/dev/null; then
		systemctl disable --now nginx >/dev/null 2>&1 && say "stopped and disabled the nginx service that installing nginx started"
	fi
else
	say "test peers already installed"
fi

# What the tests rely on, beyond the packages' presence.
nginx=$(command -v nginx || echo /usr/sbin/nginx)
modules=$("$nginx" -V 2>&1) || die "$nginx -V failed: $modules"
[[ $modules == *--with-http_ssl_module* && $modules == *--with-http_v2_module* ]] ||
	die "$nginx lacks the ssl or http_v2 module ($nginx -V); the HTTPS and HTTP/2 tests need both: install Debian's or Ubuntu's nginx package"
# PATH's python3 may be another build (pyenv) without Debian's modules: tests run /usr/bin/python3 for these.
/usr/bin/python3 -c 'import grpc, requests' 2>/dev/null ||
	die "/usr/bin/python3 cannot import grpc and requests (python3-grpcio, python3-requests)"
