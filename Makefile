# Herald build.  `make deps` installs what is missing, `make` builds
# bin/herald, `make run` starts the demo, `make test` runs every test.

CC       ?= cc
PKGS     := libmicrohttpd libpq libcjson libcurl libsodium libcmark-gfm
WARN     := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wcast-qual -Wvla \
            -Wimplicit-fallthrough
OPT      ?= -O2 -g
CFLAGS   := $(OPT) -std=c11 -D_GNU_SOURCE $(WARN) -Iserver \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
            -I$(shell pg_config --includedir 2>/dev/null)
ifeq ($(CI),true)
CFLAGS   += -Werror
endif
CFLAGS   += $(EXTRA_CFLAGS)
LDLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) \
            -lcmark-gfm-extensions -lz -lpthread -lm
BUILD    ?= build/normal
BIN      ?= bin

SRCS     := $(sort $(wildcard server/*/*.c))
LIBSRCS  := $(filter-out server/core/main.c,$(SRCS))
OBJS     := $(SRCS:%.c=$(BUILD)/%.o)
LIBOBJS  := $(LIBSRCS:%.c=$(BUILD)/%.o)
UNIT     := $(sort $(wildcard tests/unit/*.c))
ITEST    := $(sort $(wildcard tests/integration/*.c))
TLIB     := $(sort $(wildcard tests/lib/*.c))

.PHONY: all deps run test test-unit bench lint format clean widget admin

all: $(BIN)/herald widget admin

$(BIN)/herald: $(OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(BUILD)/%.o: %.c $(wildcard server/*/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BIN)/test-unit: $(UNIT) $(LIBOBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests -o $@ $^ $(LDFLAGS) $(LDLIBS) -lcriterion

$(BIN)/test-integration: $(ITEST) $(TLIB) $(LIBOBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests -o $@ $^ $(LDFLAGS) $(LDLIBS) -lcriterion

widget:
	@if [ -f widget/package.json ]; then scripts/js-build.sh widget; fi

admin:
	@if [ -f admin/package.json ]; then scripts/js-build.sh admin; fi

deps:
	@scripts/deps.sh

run: deps all
	@scripts/run.sh

test: deps all
	@scripts/test.sh

bench: deps all
	@out=/tmp/herald-bench-results.$$(date -u +%Y%m%dT%H%M%SZ); \
	OUT=$$out bench/run.sh && \
	INGEST_RESULTS=$$out/results.jsonl bench/alert-latency.sh 100 && \
	bench/score-drain.sh 5000

lint:
	@scripts/lint.sh

format:
	clang-format -i $(SRCS) $(wildcard server/*/*.h)

clean:
	rm -rf build bin widget/dist admin/dist
