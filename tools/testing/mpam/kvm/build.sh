#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Build the bare-metal KVM guest of the kvm job: build.sh OUT.elf
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cc=${CROSS_COMPILE:-aarch64-linux-gnu-}gcc
$cc -ffreestanding -nostdlib -static -O2 -mgeneral-regs-only -mstrict-align -fno-pic -no-pie \
	-Wl,--build-id=none -Wl,--no-warn-rwx-segments \
	-Wall -Werror -T "$here/guest.lds" -o "$1" "$here/start.S" "$here/guest-mpam.c"
