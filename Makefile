# SPDX-License-Identifier: GPL-2.0
#
# The mpam cgroup controller: a kernel-tree overlay on Linux 7.3.
# See README.md.  Every target installs what it needs (make deps) first.

SHELL := /bin/bash
S := scripts/mpam

export MPAM_CACHE ?= $(HOME)/.cache/mpam-cgroup
export KERNEL_SRC

.PHONY: help deps base tree kernel initramfs rootfs qemu kunit kselftest check run \
	shell bench series series-build clean-cache

help:
	@echo 'make check         build everything and run every test (KUnit + VM kselftests)'
	@echo 'make run           the demo: systemd slices on the emulated MPAM platform, with their mpam.stat'
	@echo 'make run CMD=..    boot the kernel in QEMU, run CMD and exit with its status'
	@echo '  PROFILE=server|kunpeng|scarce boots the emulated MPAM platform instead of plain virt'
	@echo '  ROOTFS=1 boots the Debian root filesystem (systemd, runc, containerd, qemu) instead'
	@echo '  of the busybox initramfs; EL2=1 boots at EL2 so that KVM works'
	@echo 'make shell         a shell in the VM (same PROFILE=, ROOTFS=, EL2=)'
	@echo 'make kunit         only the KUnit suites      make kselftest   only the kselftests'
	@echo 'make kernel        build the arm64 kernel     make initramfs   build the VM userspace'
	@echo 'make rootfs        build the Debian root filesystem (mmdebstrap, cached)'
	@echo 'make qemu          build QEMU with the MPAM platform model (tools/testing/mpam/qemu)'
	@echo 'make bench         the controller against resctrl, side by side in one boot'
	@echo 'make series        export the kernel patch series and checkpatch it'
	@echo 'make series-build  build the kernel at every patch of the series'
	@echo 'make clean-cache   remove build outputs (keeps downloads and ccache)'
	@echo 'Cache: $(MPAM_CACHE)   KERNEL_SRC=<7.3 tree> replaces the Debian base'

deps:
	@$(S)/deps.sh

base: deps
	@$(S)/fetch-base.sh >/dev/null

tree: deps
	@$(S)/prepare-tree.sh >/dev/null

kernel: deps
	@$(S)/build-kernel.sh >/dev/null

initramfs: kernel
	@$(S)/build-initramfs.sh >/dev/null

rootfs: initramfs
	@$(S)/build-rootfs.sh >/dev/null

kunit: initramfs
	@CHECK_JOBS=kunit $(S)/check.sh

kselftest: initramfs
	@CHECK_JOBS=kselftest $(S)/check.sh

qemu: deps
	@tools/testing/mpam/qemu/build.sh >/dev/null

check: initramfs qemu rootfs
	@$(S)/check.sh

vmargs = $(if $(ROOTFS),--rootfs) $(if $(EL2),--el2)

# Without CMD: the demo (tools/cgroup/mpam/mpam-demo) on the server profile.
run: $(if $(ROOTFS),rootfs,$(if $(CMD),initramfs,rootfs))
	@$(if $(CMD),$(if $(PROFILE),MPAM_PROFILE=$(PROFILE)) $(S)/run-vm.sh $(vmargs) \
		--cmd '$(subst ','\'',$(value CMD))', \
	  MPAM_PROFILE=$(or $(PROFILE),server) $(S)/run-vm.sh --rootfs --cmd mpam-demo)

shell: $(if $(ROOTFS),rootfs,initramfs)
	@$(if $(PROFILE),MPAM_PROFILE=$(PROFILE)) $(S)/run-vm.sh $(vmargs)

# Not part of check: it measures, see scripts/mpam/bench.sh.
bench: initramfs qemu
	@$(S)/bench.sh

series: deps
	@$(S)/export-series.sh

series-build: deps
	@$(S)/export-series.sh --build

clean-cache:
	rm -rf $(MPAM_CACHE)/tree $(MPAM_CACHE)/build $(MPAM_CACHE)/series $(MPAM_CACHE)/logs
