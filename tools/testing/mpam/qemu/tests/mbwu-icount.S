/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bare-metal determinism test of the MSC activity model: at EL1 with
 * PARTID 1, enable MBWU monitor 0 of the server profile's memory MSC
 * (MSC 3 with -smp 2, at 0x090f0000) filtered on PARTID 1, spin 20M
 * iterations and print the 64-bit count in hex.  Under
 * -icount shift=0,sleep=off that is 40 ms of virtual time at 2 MB/ms.
 */
#define MPAM1     S3_0_C10_C5_0
.global _start
_start:
	ldr x0, =0x40100000
	mov sp, x0
	ldr x0, =0x00010000       // PARTID_D = 1
	msr MPAM1, x0
	ldr x9, =0x090f0000       // memory MSC of the server profile (2 CPUs: msc3)
	str wzr, [x9, #0x800]     // MON_SEL = 0
	mov w0, #1
	str w0, [x9, #0x820]      // MBWU_FLT partid 1
	ldr w0, =0x80010042       // EN | MATCH_PARTID | TYPE_MBWU
	str w0, [x9, #0x828]
	str wzr, [x9, #0x880]
	str wzr, [x9, #0x884]
	ldr x1, =20000000
1:	subs x1, x1, #1
	b.ne 1b
	ldr w2, [x9, #0x884]
	ldr w0, [x9, #0x880]
	orr x0, x0, x2, lsl #32
	// print decimal-ish: hex
	ldr x3, =0x09000000
	mov x4, #60
2:	lsr x1, x0, x4
	and x1, x1, #0xf
	cmp x1, #10
	add x2, x1, #'0'
	add x1, x1, #('a' - 10)
	csel x1, x2, x1, lt
	strb w1, [x3]
	subs x4, x4, #4
	b.ge 2b
	mov w1, #'\n'
	strb w1, [x3]
	// PSCI SYSTEM_OFF via HVC? use semihosting-free: just spin
3:	b 3b
