# xvios - top-level Makefile. Plain GNU make; no generated build system.
#
#   make            libxvios (static) and the programs, in build/rel
#   make check      ASan+UBSan build, every cmocka unit test, every loopback integration test
#   make check-scale the 128-node loopback cluster test, release build (minutes, so not in check)
#   make check-multihost three corosync "hosts" in network namespaces (root; not in check)
#   make demo       the README's main job: a 3-node loopback cluster, a broadcast, teardown
#   make fuzz       libFuzzer targets (clang), each run for FUZZ_SECONDS
#   make bench      benchmarks (ratios against a raw baseline measured in the same run)
#   make bench-multihost  the cross-host send/broadcast against raw TCP/CPG baselines (root)
#   make rig        the nested Xen rig (tests/rig/): real Xen 4.17 under QEMU
#   make rig-bench  the rig's benchmarks: fio xvios vs xen-scsiback+LIO vs blkback, VKE vs raw vchan
#   make install    DESTDIR= PREFIX=/usr/local (install-client: libxvios-client alone)
#   make deb        the Debian packages, into build/deb/ (installs what dpkg-buildpackage needs)
#   make deps       install the Debian packages the build and tests need (root)

CC       ?= gcc
V        ?= 0
Q        := $(if $(filter 1,$(V)),,@)
CLANG    ?= clang
PREFIX   ?= /usr/local
DESTDIR  ?=
FUZZ_SECONDS ?= 60

XEN_PKGS := xenstore xenvchan xencontrol xenevtchn xengnttab xentoollog xlutil
# Libraries the backend's storage half links (io_uring for the LU store).
STORE_LIBS := -luring
# The toolstack's JSON output (yajl, as libxl uses).
JSON_LIBS = $(shell pkg-config --libs yajl 2>/dev/null || echo -lyajl)
# The management API's XML (xen/vio/): libxml2, for xviosd, xvios, the unit tests and the fuzzers; never
# xvios-backend or libxvios-client. Its schema, docs/vio.rng, is compiled in as a C string (build/gen/).
XML_CFLAGS = $(shell pkg-config --cflags libxml-2.0 2>/dev/null || echo -I/usr/include/libxml2)
XML_LIBS   = $(shell pkg-config --libs libxml-2.0 2>/dev/null || echo -lxml2)
GEN_DIR   := build/gen
VIO_RNG_INC := $(GEN_DIR)/vio_rng.inc
# The multi-host layer (xen/plat/cpg/): corosync's CPG, linked only by what calls it.
CPG_LIBS = $(shell pkg-config --libs libcpg 2>/dev/null || echo -lcpg)
# The replicated cluster DB (xen/plat/rdb/): CPG plus corosync's quorum service.
QUORUM_LIBS = $(shell pkg-config --libs libquorum 2>/dev/null || echo -lquorum)
# The programs on the replicated DB: CPG, quorum, and cmap (this host's name in corosync's nodelist).
CMAP_LIBS = $(shell pkg-config --libs libcmap 2>/dev/null || echo -lcmap)
RDB_LIBS = $(CPG_LIBS) $(QUORUM_LIBS) $(CMAP_LIBS)
# The cross-host links (xen/plat/tcp/): TLS with a pre-shared key.
TLS_LIBS = $(shell pkg-config --libs gnutls 2>/dev/null || echo -lgnutls)
# The journal (xen/util/log_target.c): the two daemons only, never libxvios-client.
SYSTEMD_LIBS = $(shell pkg-config --libs libsystemd 2>/dev/null || echo -lsystemd)
# The release the programs print with --version: debian/changelog's first entry is the one source.
XVIOS_VERSION := $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog 2>/dev/null)
WARN     := -std=gnu11 -Wall -Wextra -Werror -Wformat=2 -Wvla -Wstrict-prototypes
CPPFLAGS := -Iinclude -I. -I$(GEN_DIR) -D_GNU_SOURCE
XEN_CFLAGS = $(shell pkg-config --cflags $(XEN_PKGS) 2>/dev/null)
XEN_LIBS   = $(shell pkg-config --libs $(XEN_PKGS) 2>/dev/null)
LIBS      = $(XEN_LIBS) $(STORE_LIBS) -lpthread

REL_CFLAGS  := $(WARN) -O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2
ASAN_CFLAGS := $(WARN) -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ASAN_LDFLAGS := -fsanitize=address,undefined

# Sources are found in every module folder below each top-level directory
# (xen/util, xen/plat/loop, backend/scsi, ...). Unit tests mirror the modules
# (tests/unit/<module>/test_*.c); a test binary is named after its file alone,
# so test file names are unique across the tree.
srcs_under    = $(sort $(shell find $(1) -name '*.c' 2>/dev/null))
LIB_SRCS     := $(filter-out xen/client/shared/%,$(call srcs_under,xen))
BACKEND_SRCS := $(call srcs_under,backend)
DAEMON_SRCS  := $(call srcs_under,daemon)
TOOL_SRCS    := $(call srcs_under,toolstack)
UNIT_SRCS    := $(sort $(shell find tests/unit -name 'test_*.c'))
TESTLIB_SRCS := $(sort $(filter-out $(UNIT_SRCS),$(shell find tests/unit -name '*.c')))
ITEST_HELPER_SRCS := $(sort $(wildcard tests/integration/*.c))
# Test support libraries (tests/lib/*.c, e.g. the loopback vscsiif frontend): linked into unit tests,
# integration helpers and benches, never into the product.
TESTSUP_SRCS := $(sort $(wildcard tests/lib/*.c))
FUZZ_SRCS    := $(sort $(wildcard tests/fuzz/fuzz_*.c))
BENCH_SRCS   := $(sort $(wildcard tests/bench/bench_*.c))
PROGS        := $(if $(wildcard backend/main.c),xvios-backend) $(if $(wildcard daemon/main.c),xviosd) \
                $(if $(wildcard toolstack/main.c),xvios)

DEB_PKGS := build-essential pkg-config libxen-dev libcmocka-dev clang libclang-rt-14-dev \
            valgrind xenstore-utils python3 liburing-dev libyajl-dev libsystemd-dev libxml2-dev \
            libcpg-dev libvotequorum-dev libquorum-dev libcmap-dev libgnutls28-dev

.PHONY: all check check-scale check-multihost unit integration demo fuzz bench rig rig-bench install deps clean valgrind deb
.DEFAULT_GOAL := all

# ---------------------------------------------------------------- per-flavour rules
# $(call unit_rule,FLAVOUR,tests/unit/<module>/test_x.c)
define unit_rule
build/$(1)/tests/$$(basename $$(notdir $(2))): build/$(1)/obj/$$(basename $(2)).o $$(patsubst %.c,build/$(1)/obj/%.o,$(TESTLIB_SRCS)) $$($(1)_ARCHIVES)
	@mkdir -p $$(@D)
	@echo "  LD   [$(1)] $$@"
	$$(Q)$$(CC) $$($(1)_LDFLAGS) $$(shell cat $$(basename $(2)).wrap 2>/dev/null) -o $$@ $$(filter %.o,$$^) $$($(1)_ARCHIVES) $$($(1)_ARCHIVES) -lcmocka $$(LIBS) $$(JSON_LIBS) $$(SYSTEMD_LIBS) $$(XML_LIBS) $$(RDB_LIBS)
endef

# $(call flavour,NAME,CFLAGS,LDFLAGS)
define flavour
$(1)_DIR     := build/$(1)
$(1)_LIB     := build/$(1)/lib/libxvios.a
$(1)_BACKEND := build/$(1)/lib/libbackend.a
$(1)_DAEMON  := build/$(1)/lib/libdaemon.a
$(1)_TOOL    := build/$(1)/lib/libtool.a
$(1)_TESTSUP := build/$(1)/lib/libtestsupport.a
$(1)_PROGS   := $$(addprefix build/$(1)/bin/,$(PROGS))
$(1)_UNITS   := $$(addprefix build/$(1)/tests/,$$(basename $$(notdir $(UNIT_SRCS))))
$(1)_IHELP   := $$(patsubst tests/integration/%.c,build/$(1)/tests/%,$(ITEST_HELPER_SRCS))
$(1)_BENCH   := $$(patsubst tests/bench/%.c,build/$(1)/bench/%,$(BENCH_SRCS))
$(1)_ARCHIVES = $$($(1)_TESTSUP) $$($(1)_TOOL) $$($(1)_DAEMON) $$($(1)_BACKEND) $$($(1)_LIB)

build/$(1)/obj/%.o: %.c
	@mkdir -p $$(@D)
	@echo "  CC   [$(1)] $$<"
	$$(Q)$$(CC) $$(CPPFLAGS) $$(XEN_CFLAGS) $$(if $$(filter xen/vio/%,$$<),$$(XML_CFLAGS)) $(2) -MMD -MP -c -o $$@ $$<
build/$(1)/obj/xen/vio/vio_schema.o: $(VIO_RNG_INC)

$$($(1)_LIB): $$(patsubst %.c,build/$(1)/obj/%.o,$(LIB_SRCS))
	@mkdir -p $$(@D); rm -f $$@; ar rcs $$@ $$^
$$($(1)_BACKEND): $$(patsubst %.c,build/$(1)/obj/%.o,$(filter-out backend/main.c,$(BACKEND_SRCS)))
	@mkdir -p $$(@D); rm -f $$@; ar rcs $$@ $$^
$$($(1)_DAEMON): $$(patsubst %.c,build/$(1)/obj/%.o,$(filter-out daemon/main.c,$(DAEMON_SRCS)))
	@mkdir -p $$(@D); rm -f $$@; ar rcs $$@ $$^
$$($(1)_TOOL): $$(patsubst %.c,build/$(1)/obj/%.o,$(filter-out toolstack/main.c,$(TOOL_SRCS)))
	@mkdir -p $$(@D); rm -f $$@; ar rcs $$@ $$^
$$($(1)_TESTSUP): $$(patsubst %.c,build/$(1)/obj/%.o,$(TESTSUP_SRCS))
	@mkdir -p $$(@D); rm -f $$@; ar rcs $$@ $$^

build/$(1)/bin/xvios-backend: build/$(1)/obj/backend/main.o $$($(1)_BACKEND) $$($(1)_LIB)
	@mkdir -p $$(@D)
	@echo "  LD   [$(1)] $$@"
	$$(Q)$$(CC) $(3) -o $$@ $$^ $$(LIBS) $$(SYSTEMD_LIBS) $$(RDB_LIBS) $$(TLS_LIBS)
build/$(1)/bin/xviosd: build/$(1)/obj/daemon/main.o $$($(1)_DAEMON) $$($(1)_LIB)
	@mkdir -p $$(@D)
	@echo "  LD   [$(1)] $$@"
	$$(Q)$$(CC) $(3) -o $$@ $$^ $$(LIBS) $$(SYSTEMD_LIBS) $$(XML_LIBS) $$(RDB_LIBS)
# The programs print the release (--version): rebuilt when the changelog names a new one.
build/$(1)/obj/backend/main.o build/$(1)/obj/daemon/main.o build/$(1)/obj/toolstack/main.o: debian/changelog
build/$(1)/obj/backend/main.o build/$(1)/obj/daemon/main.o build/$(1)/obj/toolstack/main.o: \
  CPPFLAGS += -DXVIOS_VERSION='"$(XVIOS_VERSION)"'
build/$(1)/bin/xvios: build/$(1)/obj/toolstack/main.o $$($(1)_TOOL) $$($(1)_BACKEND) $$($(1)_LIB)
	@mkdir -p $$(@D)
	@echo "  LD   [$(1)] $$@"
	$$(Q)$$(CC) $(3) -o $$@ $$^ $$(LIBS) $$(JSON_LIBS) $$(XML_LIBS) $$(RDB_LIBS)

# Unit tests link every internal archive (only what they use is pulled in),
# the shared test helpers, and extra link flags from the .wrap file next to the
# test (e.g. -Wl,--wrap=xs_transaction_end to mock a Xen library call).
$(1)_LDFLAGS  := $(3)
$$(foreach t,$(UNIT_SRCS),$$(eval $$(call unit_rule,$(1),$$(t))))
# Integration-test helper programs (tests/integration/*.c).
build/$(1)/tests/%: build/$(1)/obj/tests/integration/%.o $$($(1)_ARCHIVES)
	@mkdir -p $$(@D)
	@echo "  LD   [$(1)] $$@"
	$$(Q)$$(CC) $(3) -o $$@ $$< $$($(1)_ARCHIVES) $$($(1)_ARCHIVES) $$(LIBS) $$(XML_LIBS)
build/$(1)/tests/cpg_tool: LIBS += $$(CPG_LIBS)
build/$(1)/tests/test_tcp_link build/$(1)/tests/tcp_tool: LIBS += $$(TLS_LIBS)
build/$(1)/tests/mesh_tool: LIBS += $$(CPG_LIBS) $$(TLS_LIBS)
build/$(1)/tests/rdb_tool: LIBS += $$(RDB_LIBS)
build/$(1)/bench/bench_tcp_link: LIBS += $$(TLS_LIBS)
build/$(1)/bench/%: build/$(1)/obj/tests/bench/%.o $$($(1)_ARCHIVES)
	@mkdir -p $$(@D)
	@echo "  LD   [$(1)] $$@"
	$$(Q)$$(CC) $(3) -o $$@ $$< $$($(1)_ARCHIVES) $$($(1)_ARCHIVES) $$(LIBS)
endef

# LDFLAGS from the environment (dpkg-buildflags when building the Debian packages: relro, now).
$(eval $(call flavour,rel,$(REL_CFLAGS),$(LDFLAGS)))
$(eval $(call flavour,asan,$(ASAN_CFLAGS),$(ASAN_LDFLAGS)))

# ---------------------------------------------------------------- libxvios-client (shared)
# The caller API and the wire codec as a shared library for third-party
# programs: api.sock only (its platform is xen/client/shared/plat_none.c, so
# it links no Xen library), only the xvios_* API exported (version script).
CLIENT_SO_VERSION := 1.0.0
CLIENT_SONAME     := libxvios-client.so.1
CLIENT_SO         := build/rel/lib/libxvios-client.so.$(CLIENT_SO_VERSION)
CLIENT_SO_MAP     := xen/client/shared/libxvios-client.map
# (xen/util/log_target.c is left out: it is the programs' journal, libsystemd; the library needs libc only.)
CLIENT_SO_SRCS    := $(filter-out xen/util/log_target.c,$(call srcs_under,xen/util)) $(call srcs_under,xen/wire) \
                     $(wildcard xen/client/*.c) $(wildcard xen/client/shared/*.c)
CLIENT_HEADERS    := include/xvios/client.h include/xvios/wire.h include/xvios/plat_kind.h include/xvios/kv.h

# position-independent objects of the same sources, without the Xen headers
build/rel/pic/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC   [pic] $<"
	$(Q)$(CC) $(CPPFLAGS) $(REL_CFLAGS) -fPIC -MMD -MP -c -o $@ $<
$(CLIENT_SO): $(patsubst %.c,build/rel/pic/%.o,$(CLIENT_SO_SRCS)) $(CLIENT_SO_MAP)
	@mkdir -p $(@D)
	@echo "  LD   [pic] $@"
	$(Q)$(CC) -shared -Wl,-soname,$(CLIENT_SONAME) -Wl,--version-script=$(CLIENT_SO_MAP) -Wl,--no-undefined \
	  -Wl,-z,relro,-z,now -o $@ $(filter %.o,$^)
	$(Q)ln -sf $(notdir $@) $(@D)/$(CLIENT_SONAME) && ln -sf $(CLIENT_SONAME) $(@D)/libxvios-client.so

# docs/vio.rng as the lines of a C string literal (xen/vio/vio_schema.c includes it).
$(VIO_RNG_INC): docs/vio.rng
	@mkdir -p $(@D)
	$(Q)sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@.tmp && mv $@.tmp $@

-include $(shell find build -name '*.d' 2>/dev/null)

all: $(rel_PROGS) $(rel_LIB) $(CLIENT_SO)

# ---------------------------------------------------------------- tests
# Integration tests that take minutes (a 128-node cluster: 256 processes): `make check-scale`, run by CI.
SCALE_TESTS := tests/integration/test_cluster128.sh
# Multi-host tests (docs/multihost.md): three corosync daemons in network namespaces; `make check-multihost`.
MULTIHOST_TESTS := $(sort $(wildcard tests/integration/test_multihost_*.sh))
check: deps
	@$(MAKE) --no-print-directory asan-build
	@XVIOS_BIN=$(CURDIR)/build/asan/bin XVIOS_TESTS=$(CURDIR)/build/asan/tests \
	  tests/run-tests.sh $(asan_UNITS) -- $(filter-out $(SCALE_TESTS) $(MULTIHOST_TESTS),$(sort $(wildcard tests/integration/test_*.sh)))

# Root (network namespaces); installs corosync if missing. ASan build, like check.
check-multihost: deps
	@$(MAKE) --no-print-directory asan-build
	@XVIOS_BIN=$(CURDIR)/build/asan/bin XVIOS_TESTS=$(CURDIR)/build/asan/tests \
	  tests/run-tests.sh -- $(MULTIHOST_TESTS)

# On the release build: 256 sanitized processes outgrow 2 cores and 24 GiB (ASan's memory, and the
# loopback store's lock fought over for many seconds); every code path it runs is also run under ASan
# by check's smaller clusters.
check-scale: deps all
	@XVIOS_BIN=$(CURDIR)/build/rel/bin XVIOS_TESTS=$(CURDIR)/build/rel/tests XVIOS_IT_TIMEOUT=1800 \
	  tests/run-tests.sh -- $(SCALE_TESTS)

.PHONY: asan-build
asan-build: $(asan_PROGS) $(asan_UNITS) $(asan_IHELP) $(CLIENT_SO)

unit: deps asan-build
	@XVIOS_BIN=$(CURDIR)/build/asan/bin XVIOS_TESTS=$(CURDIR)/build/asan/tests tests/run-tests.sh $(asan_UNITS) --

integration: deps asan-build
	@XVIOS_BIN=$(CURDIR)/build/asan/bin XVIOS_TESTS=$(CURDIR)/build/asan/tests \
	  tests/run-tests.sh -- $(filter-out $(SCALE_TESTS) $(MULTIHOST_TESTS),$(sort $(wildcard tests/integration/test_*.sh)))

# Two at a time (one per core), each test's output in build/valgrind/NAME.log, shown when it fails;
# the first failure stops the rest (xargs stops on a command's status 255).
valgrind: all $(rel_UNITS)
	@mkdir -p build/valgrind
	@printf '%s\n' $(rel_UNITS) | xargs -P 2 -I{} sh -c 'n=$$(basename {}); \
	  if valgrind -q --error-exitcode=99 --leak-check=full {} >build/valgrind/$$n.log 2>&1; then echo "valgrind ok   $$n"; \
	  else echo "valgrind FAIL $$n:"; cat build/valgrind/$$n.log; exit 255; fi'

demo: deps all $(rel_IHELP)
	@XVIOS_BIN=$(CURDIR)/build/rel/bin XVIOS_TESTS=$(CURDIR)/build/rel/tests toolstack/demo.sh

bench: deps all $(rel_BENCH) $(rel_IHELP)
	@for b in $(rel_BENCH); do echo "== $$b"; XVIOS_BIN=$(CURDIR)/build/rel/bin $$b || exit 1; done
	@if [ "$$(id -u)" = 0 ]; then echo "== bench_multihost.sh"; $(MAKE) --no-print-directory bench-multihost; \
	  else echo "== bench_multihost.sh: not run (root only: network namespaces, three corosync daemons)"; fi

# The multi-host transport against raw TCP and raw CPG baselines of the same run (docs/multihost.md);
# root (network namespaces, three corosync daemons), like check-multihost; `make bench` runs it as root.
.PHONY: bench-multihost
bench-multihost: deps all $(rel_IHELP)
	@XVIOS_BIN=$(CURDIR)/build/rel/bin XVIOS_TESTS=$(CURDIR)/build/rel/tests tests/bench/bench_multihost.sh

# ---------------------------------------------------------------- fuzz
# Every source is compiled once for the fuzzers (build/fuzz-obj, instrumented: fuzzer-no-link, ASan,
# UBSan) and each fuzzer links the objects it needs: libxvios's, plus FUZZ_EXTRA_<fuzzer name>.
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRCS))
FUZZ_CC   = $(CLANG) $(CPPFLAGS) $(XEN_CFLAGS) $(XML_CFLAGS) $(WARN) -g -O1 -fno-sanitize-recover=undefined
fuzz_obj  = $(patsubst %.c,build/fuzz-obj/%.o,$(1))
FUZZ_EXTRA_fuzz_scsi_pr := $(wildcard backend/scsi/scsi_pr*.c)
FUZZ_EXTRA_fuzz_scsi_cdb := $(filter-out backend/scsi/scsi_lu_store.c,$(wildcard backend/scsi/*.c)) \
                            tests/unit/scsi/scsi_memstore.c
FUZZ_EXTRA_fuzz_vscsi_ring := backend/vscsi/vscsi_req.c backend/vscsi/vscsi_rsp.c
FUZZ_EXTRA_fuzz_prsync_msg := backend/prsync/prsync_msg.c $(wildcard backend/scsi/scsi_pr*.c)
FUZZ_EXTRA_fuzz_cke_msg := backend/cke/cke_msg.c backend/cke/cke_asm.c
# The small parsers: one family per file in tests/fuzz/small_parsers/, plus the daemon's VKE_STATS text.
FUZZ_EXTRA_fuzz_small_parsers := $(wildcard tests/fuzz/small_parsers/*.c) daemon/vke_stats_text.c daemon/login_req.c
build/fuzz-obj/%.o: %.c $(VIO_RNG_INC)
	@mkdir -p $(@D)
	@echo "  CC   [fuzz] $<"
	@$(FUZZ_CC) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c -o $@ $<
-include $(shell find build/fuzz-obj -name '*.d' 2>/dev/null)
.PRECIOUS: build/fuzz-obj/%.o
.SECONDEXPANSION:
build/fuzz/%: build/fuzz-obj/tests/fuzz/%.o $(call fuzz_obj,$(LIB_SRCS)) $$(call fuzz_obj,$$(FUZZ_EXTRA_$$*))
	@mkdir -p $(@D)
	@echo "  LD   [fuzz] $@"
	@$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $< $(call fuzz_obj,$(LIB_SRCS) $(FUZZ_EXTRA_$*)) \
	  $(LIBS) $(SYSTEMD_LIBS) $(XML_LIBS) $(RDB_LIBS) $(TLS_LIBS)
fuzz: deps $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do n=$$(basename $$f); mkdir -p build/fuzz/corpus-$$n; \
	  echo "== $$n for $(FUZZ_SECONDS)s"; \
	  XVIOS_LOG=err $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 build/fuzz/corpus-$$n tests/fuzz/corpus/$$n || exit 1; done

# ---------------------------------------------------------------- rig
# The rig's images get the Debian packages (tests/rig/host/packages.sh): built first (~30 s).
rig: all $(rel_IHELP)
	@echo "  DEB  build/deb (log: build/deb.log)"
	@$(MAKE) --no-print-directory deb >build/deb.log 2>&1 || { tail -n 40 build/deb.log; exit 1; }
	@tests/rig/rig.sh
# The rig's benchmarks (scenarios 90, 91; tests/rig/README.md): one boot, client1 with fio. Prints.
rig-bench: all $(rel_IHELP)
	@echo "  DEB  build/deb (log: build/deb.log)"
	@$(MAKE) --no-print-directory deb >build/deb.log 2>&1 || { tail -n 40 build/deb.log; exit 1; }
	@RIG_BENCH=1 RIG_SCENARIOS="90 91" RIG_TIMEOUT=$${RIG_TIMEOUT:-2400} tests/rig/rig.sh

# ---------------------------------------------------------------- install
# The programs, their manual pages, their systemd units (not enabled) and
# configuration files (never overwritten), and libxvios-client (install-client).
# The internal archives (libxvios.a, ...) are not installed: they are not an API;
# a third-party program uses libxvios-client (pkg-config xvios-client).
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
SBINDIR    ?= $(PREFIX)/sbin
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
UNITS      := xvios-backend.service xviosd.service xvios-guard.service xvios-agent.service
CONFS      := xvios-backend.conf xviosd.conf
install: all install-client
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(SBINDIR) \
	  $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man8 \
	  $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/xvios
	install -m 755 build/rel/bin/xvios $(DESTDIR)$(PREFIX)/bin/xvios
	install -m 755 build/rel/bin/xviosd build/rel/bin/xvios-backend $(DESTDIR)$(SBINDIR)/
	for m in $(wildcard docs/*.1); do install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man1/; done
	for m in $(wildcard docs/*.8); do install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man8/; done
	install -d $(DESTDIR)$(PREFIX)/share/xvios && install -m 644 docs/vio.rng $(DESTDIR)$(PREFIX)/share/xvios/
	install -d $(DESTDIR)$(PREFIX)/share/xvios/examples && install -m 644 toolstack/examples/corosync.conf \
	  toolstack/examples/xvios-backend-multihost.conf $(DESTDIR)$(PREFIX)/share/xvios/examples/
	for u in $(UNITS); do sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@BINDIR@|$(PREFIX)/bin|g' toolstack/examples/$$u.in > $(DESTDIR)$(UNITDIR)/$$u && \
	  chmod 644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; done
	for c in $(CONFS); do [ -e $(DESTDIR)$(SYSCONFDIR)/xvios/$$c ] || \
	  install -m 644 toolstack/examples/$$c $(DESTDIR)$(SYSCONFDIR)/xvios/ || exit 1; done

# libxvios-client alone: the library, its soname and development links, its headers, xvios-client.pc.
.PHONY: install-client
install-client: $(CLIENT_SO)
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/xvios
	install -m 755 $(CLIENT_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(CLIENT_SO)) $(DESTDIR)$(LIBDIR)/$(CLIENT_SONAME)
	ln -sf $(CLIENT_SONAME) $(DESTDIR)$(LIBDIR)/libxvios-client.so
	install -m 644 $(CLIENT_HEADERS) $(DESTDIR)$(INCLUDEDIR)/xvios/
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|; s|@VERSION@|$(CLIENT_SO_VERSION)|' \
	  xen/client/shared/xvios-client.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/xvios-client.pc
	chmod 644 $(DESTDIR)$(LIBDIR)/pkgconfig/xvios-client.pc

# ---------------------------------------------------------------- Debian packages
# `make deb`: xvios, xvios-vios, libxvios-client1, libxvios-client-dev from
# debian/, built by dpkg-buildpackage in a copy of the tree (build/deb/src/),
# so the build and its clean never touch this tree's build/; the .deb,
# .changes and .buildinfo files land in build/deb/. Installs the build
# dependencies it lacks (root).
DEB_TOOLS := dpkg-dev debhelper fakeroot lintian
DEB_DIR   := build/deb
deb:
	@pkgs=$$(sed -n '/^Build-Depends:/,/^[A-Z][a-zA-Z-]*: /p' debian/control | \
	  sed '1s/^Build-Depends://; /^[A-Z][a-zA-Z-]*: /d; s/([^)]*)//g; s/,/ /g; s/debhelper-compat//' | tr '\n' ' '); \
	  $(MAKE) --no-print-directory deps DEB_PKGS="$(DEB_TOOLS) $$pkgs"
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/src/xvios-$(XVIOS_VERSION)
	tar -c --exclude=./build --exclude=./.git --exclude='./debian/.debhelper' . | tar -x -C $(DEB_DIR)/src/xvios-$(XVIOS_VERSION)
	cd $(DEB_DIR)/src/xvios-$(XVIOS_VERSION) && MAKEFLAGS= dpkg-buildpackage -us -uc -b -j2 >../../build.log 2>&1 \
	  || { tail -n 40 ../../build.log; exit 1; }
	mv $(DEB_DIR)/src/*.deb $(DEB_DIR)/src/*.changes $(DEB_DIR)/src/*.buildinfo $(DEB_DIR)/
	rm -rf $(DEB_DIR)/src
	@ls -1 $(DEB_DIR)/*.deb
	lintian --info $(DEB_DIR)/*.changes

# ---------------------------------------------------------------- deps
deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "deps: installing $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else echo "deps: missing Debian packages: $$missing (run 'make deps' as root)"; exit 1; fi; \
	fi

clean:
	rm -rf build
.SECONDARY:
.DELETE_ON_ERROR:
