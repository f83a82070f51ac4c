# SPDX-License-Identifier: GPL-2.0
#
# Driver for the live update series on Linux 6.12.y: assembles a kernel tree
# from the Debian linux-source package, this repository's overlay files and
# patches/, builds it, and runs the tests in QEMU.  See README.md.
#
# Everything generated goes below build/.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.ONESHELL:
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --no-print-directory
ifndef V
.SILENT:
endif

TOP      := $(CURDIR)
B        := $(TOP)/build
TREE     := $(B)/linux
SRC_TAR  := /usr/src/linux-source-6.12.tar.xz
LU       := tools/testing/selftests/liveupdate
JOBS     ?= $(shell nproc)

# Kernel-path folders whose files the series adds to the tree.
OVERLAY_DIRS := arch Documentation drivers include kernel lib mm tools

# Host packages the targets need (Debian 12 names).
PKGS := linux-source-6.12 build-essential bc bison flex libelf-dev libssl-dev \
	cpio xz-utils kmod ccache qemu-system-x86 busybox-static git patch \
	python3 perl
HOST_CMDS := gcc make bc bison flex cpio xz ccache qemu-system-x86_64 git \
	patch python3 perl

CCACHE = $(shell command -v ccache)
KMAKE   = $(MAKE) -C $(TREE) ARCH=x86_64 O=$(1) \
	  $(if $(CCACHE),CC="ccache gcc") KBUILD_BUILD_USER=liveupdate \
	  KBUILD_BUILD_HOST=qemu

.PHONY: all kernel kernel-bench tests initrd check check-configs bench run \
	series series-check deps clean distclean help fuzz
all: kernel

help:
	@echo "make run     build if needed, boot QEMU and show a live update"
	@echo "make check   build and run every test (what .ci/run calls)"
	@echo "make fuzz    the long fuzzing pass: a million random calls (luo_fuzz)"
	@echo "make bench   benchmarks on a kernel without debugging options"
	@echo "make kernel  build the debug kernel into build/bzImage"
	@echo "make series  write the git format-patch series to build/series/"

# ---------------------------------------------------------------------------
# Host packages
# ---------------------------------------------------------------------------
$(B)/.deps:
	mkdir -p $(B)
	missing=
	for p in $(PKGS); do
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' ||
			missing="$$missing $$p"
	done
	if [ -n "$$missing" ]; then
		echo "  DEPS    installing:$$missing"
		export DEBIAN_FRONTEND=noninteractive
		if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; } \
				> $(B)/deps.log 2>&1; then
			echo "error: could not install:$$missing (see $(B)/deps.log)" >&2
			exit 1
		fi
	fi
	for c in $(HOST_CMDS); do
		command -v $$c > /dev/null || { echo "error: host command '$$c' is missing" >&2; exit 1; }
	done
	test -r $(SRC_TAR) || { echo "error: $(SRC_TAR) is missing (package linux-source-6.12)" >&2; exit 1; }
	touch $@

deps: $(B)/.deps

# ---------------------------------------------------------------------------
# The kernel tree: pristine base (a git commit tagged 'base'), the overlay
# copied in and patches/ applied.  Only files whose content changes are
# written, so an edit rebuilds just what depends on it.
# ---------------------------------------------------------------------------
$(B)/.extracted: $(B)/.deps
	rm -rf $(TREE) $(B)/extract
	mkdir -p $(B)/extract
	echo "  UNPACK  $(SRC_TAR)"
	tar -xf $(SRC_TAR) -C $(B)/extract
	mv $(B)/extract/linux-source-6.12 $(TREE)
	rmdir $(B)/extract
	cd $(TREE)
	git init -q
	git add -A -f .
	git -c user.name=base -c user.email=base@localhost commit -q \
		-m "Linux $$(make -s kernelversion) (Debian linux-source-6.12)"
	git tag base
	touch $@


# Always run: it compares content, and renamed files keep old timestamps.
$(B)/.assembled: $(B)/.extracted FORCE
	.ci/assemble $(TREE) $(B)/stage $(B)/assembled.list \
		"$(OVERLAY_DIRS)" patches $@

base-version: $(B)/.extracted
	@make -s -C $(TREE) kernelversion

# ---------------------------------------------------------------------------
# Configuration: allnoconfig plus the fragments in $(LU).  The .config is
# only replaced when its content changes.
# ---------------------------------------------------------------------------
FRAG_COMMON := $(LU)/config.x86_64 $(LU)/config
FRAG_DEBUG  := $(FRAG_COMMON) $(LU)/config.debug
FRAG_BENCH  := $(FRAG_COMMON)

# $(call mkconfig,objdir,fragments)
define mkconfig
	mkdir -p $(1)
	cat $(2) > $(1)/lu.fragment
	KCONFIG_CONFIG=.config.new KCONFIG_ALLCONFIG=$(1)/lu.fragment \
		$(call KMAKE,$(1)) -s allnoconfig > $(1)/config.log 2>&1 ||
		{ echo "error: config generation failed (see $(1)/config.log)" >&2; exit 1; }
	.ci/checkconfig $(1)/.config.new $(2)
	cmp -s $(1)/.config.new $(1)/.config || mv $(1)/.config.new $(1)/.config
	rm -f $(1)/.config.new
endef

# The stamp, not .config, records that the config is current: touching an
# unchanged .config would make kbuild run syncconfig for nothing.
$(B)/obj/debug/.config.stamp: $(B)/.assembled $(FRAG_DEBUG)
	$(call mkconfig,$(B)/obj/debug,$(FRAG_DEBUG))
	touch $@

$(B)/obj/bench/.config.stamp: $(B)/.assembled $(FRAG_BENCH)
	$(call mkconfig,$(B)/obj/bench,$(FRAG_BENCH))
	touch $@

# $(call kbuild,objdir,bzImage-dest)
define kbuild
	echo "  KERNEL  Linux $$(make -s -C $(TREE) kernelversion) + live update series -> $(2)"
	mkdir -p $(dir $(2))
	# One build at a time per object tree: two would corrupt it.
	if ! flock $(1)/.lock $(call KMAKE,$(1)) -j$(JOBS) bzImage headers > $(1)/build.log 2>&1; then
		grep -E '(error:|Error [0-9]|undefined reference)' $(1)/build.log | head -n 20 >&2 || true
		echo "error: kernel build failed (full log: $(1)/build.log)" >&2
		exit 1
	fi
	cmp -s $(1)/arch/x86/boot/bzImage $(2) || cp $(1)/arch/x86/boot/bzImage $(2)
endef

# The kernel build is always entered (kbuild decides what is stale).
$(B)/bzImage: $(B)/obj/debug/.config.stamp FORCE
	$(call kbuild,$(B)/obj/debug,$@)

$(B)/bench/bzImage: $(B)/obj/bench/.config.stamp FORCE
	$(call kbuild,$(B)/obj/bench,$@)

kernel: $(B)/bzImage
kernel-bench: $(B)/bench/bzImage

FORCE:

clean:
	rm -rf $(B)/obj $(B)/bzImage $(B)/bench $(B)/tests $(B)/check $(B)/fuzz $(B)/series

distclean:
	rm -rf $(B)

# ---------------------------------------------------------------------------
# Test programs (static) and the initramfs.  Each kernel gets its own
# initramfs, which carries that kernel for kexec_file_load().
# ---------------------------------------------------------------------------
T := $(B)/tests
KSFT_ENV = CFLAGS="-static" LDFLAGS="-static" \
	KHDR_INCLUDES="-isystem $(B)/obj/debug/usr/include"

tests: $(B)/bzImage
	mkdir -p $(T)
	for d in iommu liveupdate vfio; do
		mkdir -p $(T)/$$d
		if ! $(KSFT_ENV) $(MAKE) -j$(JOBS) -C $(TREE)/tools/testing/selftests/$$d \
				OUTPUT=$(T)/$$d > $(T)/$$d.log 2>&1; then
			grep -E 'error|Error' $(T)/$$d.log | head -n 20 >&2 || true
			echo "error: selftests/$$d failed to build (see $(T)/$$d.log)" >&2
			exit 1
		fi
	done

$(B)/gen_init_cpio: $(B)/.extracted
	gcc -O2 -o $@ $(TREE)/usr/gen_init_cpio.c

# $(call mkinitrd,bzImage,output)
define mkinitrd
	list=$(2).list
	{
		echo "dir /dev 0755 0 0"
		echo "nod /dev/console 0600 0 0 c 5 1"
		for d in proc sys tmp bin boot lu lu/bin lu/tests; do
			echo "dir /$$d 0755 0 0"
		done
		echo "file /bin/busybox $$(command -v busybox) 0755 0 0"
		echo "file /init $(TREE)/$(LU)/init.sh 0755 0 0"
		echo "file /lu/lib.sh $(TREE)/$(LU)/lib.sh 0644 0 0"
		echo "file /boot/bzImage $(1) 0644 0 0"
		for p in lu_kexec luo_api luo_kexec luo_fuzz; do
			echo "file /lu/bin/$$p $(T)/liveupdate/$$p 0755 0 0"
		done
		for p in iommufd iommufd_fail_nth iommufd_map_file iommufd_lu_mark \
				iommufd_lu_preserve; do
			echo "file /lu/bin/$$p $(T)/iommu/$$p 0755 0 0"
		done
		for p in vfio_edu_dma_test vfio_edu_bench vfio_lu_kexec \
				vfio_lu_preserve; do
			echo "file /lu/bin/$$p $(T)/vfio/$$p 0755 0 0"
		done
		for t in $(TREE)/$(LU)/tests/*.sh; do
			t=$${t##*/}
			echo "file /lu/tests/$${t%.sh} $(TREE)/$(LU)/tests/$$t 0755 0 0"
		done
	} > $$list
	$(B)/gen_init_cpio $$list > $(2).tmp
	cmp -s $(2).tmp $(2) && rm $(2).tmp || mv $(2).tmp $(2)
endef

$(B)/initrd.cpio: $(B)/bzImage tests $(B)/gen_init_cpio FORCE
	$(call mkinitrd,$(B)/bzImage,$@)

$(B)/bench/initrd.cpio: $(B)/bench/bzImage tests $(B)/gen_init_cpio FORCE
	$(call mkinitrd,$(B)/bench/bzImage,$@)

initrd: $(B)/initrd.cpio

# ---------------------------------------------------------------------------
# check-configs: the series built in other configurations (series off, KHO
# without LUO, no debugfs/memcg/hugetlbfs/THP/KUnit, vfio-pci and iommufd
# as modules); not part of check, it builds four kernels (CONFIGS="lean
# modules" builds only those).
# ---------------------------------------------------------------------------
check-configs: $(B)/.assembled
	.ci/check-configs $(TREE) $(B)/configs $(JOBS) $(CONFIGS)

# ---------------------------------------------------------------------------
# The series as git format-patch output, and its checks.
# ---------------------------------------------------------------------------
series: $(B)/.assembled
	.ci/series $(TREE) $(B)/series patches "$(OVERLAY_DIRS)"

# ---------------------------------------------------------------------------
# check: every test, one summary row per suite, then "N passed, N failed",
# then what failed and why, last, where a CI log cut to its tail shows it.
# SUITES="a b" runs only those (series always runs unless SUITES is set).
# The series is made and checked while the first VM suites run.
# ---------------------------------------------------------------------------
C := $(B)/check

check: $(B)/initrd.cpio
	echo "  CHECK   Linux $$(make -s -C $(TREE) kernelversion) + live update series"
	rm -rf $(C)
	mkdir -p $(C)
	status=0
	series=0
	if [ -z "$(SUITES)" ] || [[ " $(SUITES) " == *" series "* ]]; then
		series=1
		{ $(MAKE) series && .ci/series-check $(TREE) $(B)/series \
			$(B)/assembled.list $(C)/series.tsv; } > $(C)/series.log 2>&1 &
	fi
	.ci/check $(B)/bzImage $(B)/initrd.cpio $(C) $(SUITES) || status=1
	if [ $$series = 1 ]; then
		wait $$! || status=1
		cat $(C)/series.log
		grep -q '^series' $(C)/series.tsv 2> /dev/null || printf 'series\t0\t1\t0\n' > $(C)/series.tsv
		cat $(C)/series.tsv >> $(C)/summary.tsv
		grep -q $$'^series\t[0-9]*\t0\t' $(C)/series.tsv ||
			{ echo "series ($(C)/series.log):"; grep -m 20 '^  fail ' $(C)/series.log; } \
			>> $(C)/failures.txt
	fi
	echo
	awk -F'\t' 'BEGIN { printf "  %-24s %7s %7s %8s\n", "SUITE", "PASSED", "FAILED", "SKIPPED" }
		{ printf "  %-24s %7d %7d %8d\n", $$1, $$2, $$3, $$4; p += $$2; f += $$3; s += $$4 }
		END { printf "\n%d passed, %d failed, %d skipped\n", p, f, s; exit (f > 0 || NR == 0) }' \
		$(C)/summary.tsv || status=1
	if [ -s $(C)/failures.txt ]; then
		echo
		echo "Failed ($(C)/failures.txt):"
		head -n 60 $(C)/failures.txt
	fi
	exit $$status

# ---------------------------------------------------------------------------
# fuzz: the long pass of luo_fuzz (tests/luo_fuzz_long), not part of check.
# ---------------------------------------------------------------------------
fuzz: $(B)/initrd.cpio
	echo "  FUZZ    Linux $$(make -s -C $(TREE) kernelversion) + live update series: a million calls"
	rm -rf $(B)/fuzz
	.ci/check $(B)/bzImage $(B)/initrd.cpio $(B)/fuzz luo-fuzz-long

# ---------------------------------------------------------------------------
# run: the live update demo.  bench: figures on the kernel without debugging.
# ---------------------------------------------------------------------------
run: $(B)/initrd.cpio
	echo "Linux $$(make -s -C $(TREE) kernelversion) with the live update series, in QEMU (q35, VT-d, TCG, the edu DMA device)"
	out=$$($(LU)/vmtest.sh -v -f -k $(B)/bzImage -i $(B)/initrd.cpio -o $(B)/run -t vmm_demo -s 2) || {
		echo "$$out"; echo "error: the live update demo failed (logs in $(B)/run/)" >&2; exit 1; }
	echo "$$out" | sed -n 's/^TRANSITION \([0-9]*\)->\([0-9]*\) \([0-9]*\) ms (guest uptime at init \(.*\) s)/Kexec transition, kernel \1 -> \2: \3 ms from the reboot call to userspace in the new kernel (\4 s of it the new kernel booting)/p'
	echo "$$out" | sed -n 's/^MARK first_dma [0-9]* \([0-9]*\) ms.*/Blackout: \1 ms from the reboot call to the first DMA through the restored HWPT in the new kernel/p'
	echo "$$out" | sed -n 's/^FAULTS [^ ]* qemu \([0-9]*\) guest \([0-9]*\).*/DMA translation faults: \1 (QEMU'"'"'s vIOMMU, also while no kernel ran), \2 (logged by the guest)/p'
	echo "Console log: $(B)/run/vmm_demo.console"

# -P backs all guest memory before the guest starts and locks it, as real
# RAM is: the host faulting memory in on first touch doubled the time to
# write a GiB and slowed the first kernel to boot in the KHO scratch areas
# by 0.3 s.
bench: $(B)/bench/initrd.cpio
	out=$$($(LU)/vmtest.sh -k $(B)/bench/bzImage -i $(B)/bench/initrd.cpio \
		-o $(B)/bench/run -t bench -s 3 -m 4G -T 900 -P) || {
		echo "$$out"; echo "error: the benchmarks failed (logs in $(B)/bench/run/)" >&2; exit 1; }
	echo "$$out" | grep '^BENCH ' || true
	# Host-measured transitions: 1->2 carries 2 GiB of preserved memory,
	# 2->3 nothing.
	echo "$$out" | awk '/^TRANSITION 1->2/ { k = $$3 } /^TRANSITION 2->3/ { p = $$3; u = $$9 }
		END { if (k && p) {
			printf "BENCH plain_kexec_transition_ms %d ms\n", p
			printf "BENCH plain_kexec_boot_to_init_ms %.0f ms\n", u * 1000
			printf "BENCH kho_2g_kexec_transition_ms %d ms\n", k
			printf "BENCH kho_2g_transition_vs_plain %.3f ratio\n", k / p } }'
	# LUO: time per file of taking sessions up, 2000 against 100.
	out=$$($(LU)/vmtest.sh -k $(B)/bench/bzImage -i $(B)/bench/initrd.cpio \
		-o $(B)/bench/run -t luo_scale -s 4 -T 900) || {
		echo "$$out"; echo "error: the LUO benchmark failed (logs in $(B)/bench/run/)" >&2; exit 1; }
	echo "$$out" | grep '^BENCH ' || true
	echo "$$out" | awk '/^BENCH luo_deserialize_per_file_us_100 / { a = $$3 }
		/^BENCH luo_deserialize_per_file_us_2000 / { b = $$3 }
		END { if (a && b) printf "BENCH luo_deserialize_per_file_us_2000_vs_100 %.3f ratio\n", b / a }'
	# memfd: 1 GiB preserved and retrieved against written, 4 GiB retrieved
	# against 1 GiB, and the blackouts (reboot call to a memfd retrieved in
	# the new kernel) against a kexec carrying nothing, all from a kexec'd
	# kernel: medians of 9 rounds.
	out=$$($(LU)/vmtest.sh -k $(B)/bench/bzImage -i $(B)/bench/initrd.cpio \
		-o $(B)/bench/run -t memfd_bench -s 20 -m 8G -T 1200 -P) || {
		echo "$$out"; echo "error: the memfd benchmark failed (logs in $(B)/bench/run/)" >&2; exit 1; }
	echo "$$out" | grep '^TRANSITION ' || true
	echo "$$out" | awk -f .ci/median.awk -f .ci/memfd-bench.awk
	# The device across the kexec: a 1 GiB guest's HWPT preserved against
	# mapped, VT-d adopting it, and the faults of its DMA in flight.
	out=$$($(LU)/vmtest.sh -k $(B)/bench/bzImage -i $(B)/bench/initrd.cpio \
		-o $(B)/bench/run -t device_bench -s 2 -m 4G -T 900 -P -f) || {
		echo "$$out"; echo "error: the device benchmark failed (logs in $(B)/bench/run/)" >&2; exit 1; }
	echo "$$out" | grep '^BENCH ' || true
	echo "$$out" | awk '$$1 == "FAULTS" { printf "BENCH dma_faults_during_update %d faults\n", $$4 }'
	# A VMM's live update of a 1 GiB guest with its device: the blackout
	# (reboot call to the first DMA through the restored HWPT) against a
	# kexec carrying nothing, and rebuilding the HWPT after it.
	out=$$($(LU)/vmtest.sh -k $(B)/bench/bzImage -i $(B)/bench/initrd.cpio \
		-o $(B)/bench/run -t vmm_bench -s 19 -m 4G -T 1800 -P -f) || {
		echo "$$out"; echo "error: the VMM benchmark failed (logs in $(B)/bench/run/)" >&2; exit 1; }
	echo "$$out" | grep '^TRANSITION \|^MARK ' || true
	echo "$$out" | awk -f .ci/median.awk -f .ci/vmm-bench.awk
	echo "$$out" | awk '$$1 == "FAULTS" { printf "BENCH vmm_dma_faults %d faults\n", $$4 }'
