# httptop build. `make` builds the BPF object, the native addon and the
# TypeScript; `make test` builds, type-checks, lints and runs every test.
# Quiet unless V=1.

.DELETE_ON_ERROR:
.DEFAULT_GOAL := build

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# The BPF target architecture follows the machine (or ARCH=... on the command line).
ARCH ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/arm64/arm64/')
CROSS_ARCH := $(if $(filter x86,$(ARCH)),arm64,x86)

CLANG ?= clang
OUTPUT := bpf/.output
BPF_SRC := bpf/httptop.bpf.c
BPF_HDRS := $(wildcard bpf/*.h)
BPF_OBJ := $(OUTPUT)/httptop.bpf.o
# The benchmarks' build of the same object: with the floor modes (noop, args_only) that the product's lacks.
BPF_BENCH_OBJ := $(OUTPUT)/httptop.bench.bpf.o
BPF_CROSS_OBJ := $(OUTPUT)/httptop.$(CROSS_ARCH).bpf.o
ADDON := native/build/Release/bpf_loader_native.node
TS_STAMP := dist/.stamp
BPF_CFLAGS := -g -O2 -Wall -Werror -target bpf

.PHONY: build bpf bpf-cross native ts typecheck lint test check test-unit test-peers run bench clean \
	podman-build podman-up podman-down podman-logs podman-shell podman-test

build: $(BPF_OBJ) $(BPF_BENCH_OBJ) $(ADDON) $(TS_STAMP)

bpf: $(BPF_OBJ)

# Proves the BPF object is not tied to the build machine's architecture.
bpf-cross: $(BPF_CROSS_OBJ)

$(OUTPUT):
	$(Q)mkdir -p $@

$(BPF_OBJ): $(BPF_SRC) $(BPF_HDRS) | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -D__TARGET_ARCH_$(ARCH) -c $(BPF_SRC) -o $@

$(BPF_BENCH_OBJ): $(BPF_SRC) $(BPF_HDRS) | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -D__TARGET_ARCH_$(ARCH) -DHTTPTOP_BENCH -c $(BPF_SRC) -o $@

$(OUTPUT)/httptop.%.bpf.o: $(BPF_SRC) $(BPF_HDRS) | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -D__TARGET_ARCH_$* -c $(BPF_SRC) -o $@

native: $(ADDON)

$(ADDON): native/src/*.cc native/src/*.h native/binding.gyp bpf/httptop.h
	$(call msg,ADDON,$@)
	$(Q)cd native && npm run --silent build >$(if $(filter 1,$(V)),/dev/stdout,build.log) 2>&1 || { cat build.log; exit 1; }

ts: $(TS_STAMP)

$(TS_STAMP): $(shell find source test bench -name '*.ts' -o -name '*.tsx' 2>/dev/null) tsconfig.json
	$(call msg,TSC,dist/)
	$(Q)npx tsc -p .
	$(Q)chmod +x dist/source/cli.js
	$(Q)touch $@

typecheck:
	$(Q)npx tsc --noEmit -p .

lint:
	$(call msg,LINT,.)
	$(Q)npx eslint --max-warnings 0 .

# What a new user and CI run: set the machine up (install.sh: build and run; the test
# peers: servers, clients, tmux, podman), then every check and every test.
test:
	$(Q)./install.sh
	$(Q)scripts/install-test-peers.sh
	$(Q)$(MAKE) --no-print-directory check
	$(Q)$(MAKE) --no-print-directory podman-test

check: build bpf-cross lint
	$(call msg,TEST,ava)
	$(Q)npx ava

test-unit:
	$(Q)npx ava

# The programs tests and benchmarks run against, installed where missing (root).
test-peers:
	$(Q)scripts/install-test-peers.sh

run: build
	$(Q)node dist/source/cli.js $(ARGS)

bench: build
	$(Q)npm run --silent bench

clean:
	$(Q)rm -rf $(OUTPUT) native/build dist

# ---------------------------------------------------------------------------
# Container: `make podman-build podman-up`, then `podman exec -it profiler httptop`.
# Every setting is a variable (make podman-up PODMAN_RUNTIME= ...).

PODMAN ?= podman
PODMAN_IMAGE ?= localhost/httptop:latest
PODMAN_CONTAINER ?= profiler
# Public bases; scripts/make-base-image.sh (make podman-base) makes local stand-ins.
BASE_IMAGE ?= docker.io/library/node:20-bookworm-slim
RUNTIME_IMAGE ?= docker.io/library/debian:bookworm-slim
LOCAL_BASE_IMAGE ?= localhost/httptop-base:bookworm-node20
LOCAL_RUNTIME_IMAGE ?= localhost/httptop-base:bookworm
# e.g. linux/arm64; empty builds for this machine.
PODMAN_PLATFORM ?=
# crun cannot run on cgroup v1 hybrid hosts; runc can everywhere, so it is used when installed.
PODMAN_RUNTIME ?= $(if $(shell command -v runc 2>/dev/null),--runtime runc)
# Without CAP_SYS_RESOURCE podman cannot raise RLIMIT_NOFILE/NPROC to its defaults:
# ask for this shell's hard limits (nproc capped at 32768, which podman accepts here).
# Empty where there is no /proc (macOS, with podman machine).
podman_hard_limit = $(shell awk '/^Max $(1) / { n = $$(NF - 1); if (n == "unlimited" || n + 0 > $(2)) n = $(2); print n }' /proc/self/limits 2>/dev/null)
podman_nofile = $(call podman_hard_limit,open files,1048576)
podman_nproc = $(call podman_hard_limit,processes,32768)
PODMAN_ULIMITS ?= $(if $(podman_nofile),--ulimit nofile=$(podman_nofile):$(podman_nofile)) \
	$(if $(podman_nproc),--ulimit nproc=$(podman_nproc):$(podman_nproc))
# npm inside the build uses the host's registry and CA bundle (a build secret: never in the image).
NPM_REGISTRY ?= $(shell npm config get registry 2>/dev/null)
NPM_CAFILE ?= $(shell npm config get cafile 2>/dev/null | grep -v -x -e null -e undefined)
PODMAN_BUILD_FLAGS ?=
comma := ,
# Where podman keeps its containers' names (mounted read-only so httptop can name containers).
# Not on macOS: there podman runs in a VM, and -v paths would be the Mac's.
PODMAN_STORAGE ?= $(if $(filter Darwin,$(shell uname -s)),,$(shell $(PODMAN) info --format '{{.Store.GraphRoot}}/{{.Store.GraphDriverName}}-containers' 2>/dev/null))
# What httptop needs: the host's processes, tracefs/BPF (privileged), the host's cgroup paths.
PODMAN_PROFILER_FLAGS ?= --privileged --pid=host --cgroupns=host --network=host \
	$(if $(PODMAN_STORAGE),-v $(PODMAN_STORAGE):/var/lib/containers/storage/$(notdir $(PODMAN_STORAGE)):ro) \
	$(if $(wildcard /var/lib/docker/containers),-v /var/lib/docker/containers:/var/lib/docker/containers:ro)
# More flags on top, e.g. mounts of rootless users' container records.
PODMAN_RUN_EXTRA ?=
PODMAN_RUN_FLAGS ?= $(PODMAN_RUNTIME) $(PODMAN_ULIMITS) $(PODMAN_PROFILER_FLAGS) $(PODMAN_RUN_EXTRA)

.PHONY: podman-base
podman-base:
	$(Q)BASE_IMAGE=$(LOCAL_BASE_IMAGE) RUNTIME_IMAGE=$(LOCAL_RUNTIME_IMAGE) PODMAN=$(PODMAN) \
		PODMAN_RUN_FLAGS="$(PODMAN_RUNTIME) $(PODMAN_ULIMITS)" scripts/make-base-image.sh

podman-build:
	$(call msg,PODMAN,$(PODMAN_IMAGE) from $(BASE_IMAGE))
	$(Q)$(PODMAN) build $(PODMAN_RUNTIME) $(if $(PODMAN_PLATFORM),--platform $(PODMAN_PLATFORM)) \
		--build-arg BASE_IMAGE=$(BASE_IMAGE) --build-arg RUNTIME_IMAGE=$(RUNTIME_IMAGE) \
		$(if $(NPM_REGISTRY),--build-arg NPM_REGISTRY=$(NPM_REGISTRY)) \
		$(if $(NPM_CAFILE),--secret id=npm_ca$(comma)src=$(NPM_CAFILE)) \
		$(PODMAN_BUILD_FLAGS) -t $(PODMAN_IMAGE) -f Containerfile .

podman-up:
	$(Q)PODMAN=$(PODMAN) scripts/podman-up.sh $(PODMAN_CONTAINER) $(PODMAN_IMAGE) $(PODMAN_RUN_FLAGS)

podman-down:
	$(Q)$(PODMAN) rm --force --ignore --time 5 $(PODMAN_CONTAINER) >/dev/null

podman-logs:
	$(Q)$(PODMAN) logs $(PODMAN_CONTAINER)

podman-shell:
	$(Q)$(PODMAN) exec -it $(PODMAN_CONTAINER) bash

# The container path end to end on this machine (base image, build, up, exec, live TUI, cleanup).
podman-test:
	$(Q)scripts/podman-test.sh
