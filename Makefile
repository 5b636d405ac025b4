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
BPF_CROSS_OBJ := $(OUTPUT)/httptop.$(CROSS_ARCH).bpf.o
ADDON := native/build/Release/bpf_loader_native.node
TS_STAMP := dist/.stamp
BPF_CFLAGS := -g -O2 -Wall -Werror -target bpf

.PHONY: build bpf bpf-cross native ts typecheck lint test test-unit run bench clean \
	podman-build podman-up podman-down podman-logs podman-shell podman-test

build: $(BPF_OBJ) $(ADDON) $(TS_STAMP)

bpf: $(BPF_OBJ)

# Proves the BPF object is not tied to the build machine's architecture.
bpf-cross: $(BPF_CROSS_OBJ)

$(OUTPUT):
	$(Q)mkdir -p $@

$(BPF_OBJ): $(BPF_SRC) $(BPF_HDRS) | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -D__TARGET_ARCH_$(ARCH) -c $(BPF_SRC) -o $@

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

test: build bpf-cross lint
	$(call msg,TEST,ava)
	$(Q)npx ava

test-unit:
	$(Q)npx ava

run: build
	$(Q)node dist/source/cli.js $(ARGS)

bench: build
	$(Q)npm run --silent bench

clean:
	$(Q)rm -rf $(OUTPUT) native/build dist
