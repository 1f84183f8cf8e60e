/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bare-metal test of the FEAT_MPAM CPU model (-cpu max,mpam=on), entered
 * at EL3 (-M virt,secure=on,virtualization=on).  Prints "tag: value" on
 * the PL011; sysregs.expected holds the expected lines:
 *   a0..a3  ID_AA64PFR0 (MPAM=1), MPAMIDR, MPAM3_EL3 (MPAMEN), CLIDR (L3)
 *   c0      ESR_EL2 of a trap from EL1 (EC 0x18) or of an HVC (EC 0x16):
 *           MPAM1_EL1 with TRAPMPAM1EL1, MPAMSM_EL1 with EnMPAMSM=0
 *   b0, b1  MPAM0_EL1 read/write from EL1 (no trap)
 *   d0..d4  at EL2 with E2H: MPAM1_EL1 -> MPAM2_EL2, MPAM1_EL12, MPAM2_EL2,
 *           TIDR (bit 58) ignored, MPAMSM_EL1
 *   c0, e0  MPAM0_EL1 with TRAPMPAM0EL1 traps, MPAM1_EL1 no longer does
 *   f0      ESR_EL3: SMC, then MPAM2_EL2 and MPAMIDR_EL1 from EL2 trapped
 *           by MPAM3_EL3.TRAPLOWER
 */
#define MPAMIDR   S3_0_C10_C4_4
#define MPAM1     S3_0_C10_C5_0
#define MPAM0     S3_0_C10_C5_1
#define MPAMSM    S3_0_C10_C5_3
#define MPAM2     S3_4_C10_C5_0
#define MPAM3     S3_6_C10_C5_0
#define MPAM1_12  S3_5_C10_C5_0
.macro P tag
	mov x5, #\tag
	bl puthex
.endm
.global _start
_start:
	ldr x0, =0x40100000
	mov sp, x0
	mrs x0, id_aa64pfr0_el1
	P 0xa0
	mrs x0, MPAMIDR
	P 0xa1
	mrs x0, MPAM3
	P 0xa2
	mrs x0, clidr_el1
	P 0xa3
	adr x0, vec_el2
	msr vbar_el2, x0
	adr x0, vec_el3
	msr vbar_el3, x0
	mov x0, #0x501          // RW | HCE | NS
	msr scr_el3, x0
	mov x0, #(1 << 48)      // TRAPMPAM1EL1
	movk x0, #0x0005        // PARTID_I 5
	msr MPAM2, x0
	mov x0, #(1 << 31)      // HCR_EL2.RW
	msr hcr_el2, x0
	adr x0, el1_entry
	msr elr_el3, x0
	mov x0, #0x3c5
	msr spsr_el3, x0
	isb
	eret
el1_entry:
	mov x0, #0x77
	mrs x0, MPAM1           // traps to EL2 (handler prints ESR, skips)
	mrs x0, MPAM0           // does not trap
	P 0xb0
	mov x0, #0x1234
	msr MPAM0, x0
	mrs x0, MPAM0
	P 0xb1
	mrs x0, MPAMSM          // EnMPAMSM=0 -> traps to EL2
	hvc #0
1:	b 1b

.balign 2048
vec_el2:
	.balign 0x80; b .       // cur EL SP0
	.balign 0x80; b .
	.balign 0x80; b .
	.balign 0x80; b .
	.balign 0x80; b el2_sync_cur   // cur EL SPx sync
	.balign 0x80; b .
	.balign 0x80; b .
	.balign 0x80; b .
	.balign 0x80; b el2_sync_low   // lower EL AArch64 sync
	.balign 0x80; b .
	.balign 0x80; b .
	.balign 0x80; b .
el2_sync_cur:
	mrs x0, esr_el2
	P 0xee
	b .
el2_sync_low:
	mrs x0, esr_el2
	P 0xc0
	lsr x1, x0, #26
	cmp x1, #0x16           // HVC
	b.ne 5f
	and x1, x0, #0xffff
	cbnz x1, el2_tests2
	b el2_tests
5:
	mrs x1, elr_el2
	add x1, x1, #4
	msr elr_el2, x1
	eret
el2_tests:
	// VHE: E2H=1, TGE=0
	mov x0, #(1 << 31)
	orr x0, x0, #(1 << 34)
	msr hcr_el2, x0
	isb
	mrs x0, MPAM1           // redirected to MPAM2_EL2
	P 0xd0
	mov x0, #0x00420000     // PARTID_D 0x42
	msr MPAM1_12, x0        // real MPAM1_EL1
	mrs x0, MPAM1_12
	P 0xd1
	mrs x0, MPAM2
	P 0xd2
	mov x0, #(1 << 58)      // TIDR: RES0 on v1.0, must not fault
	msr MPAM2, x0
	mrs x0, MPAM2
	P 0xd3
	mrs x0, MPAMSM
	P 0xd4
	// TRAPMPAM0EL1: back to EL1 (E2H off), read MPAM0_EL1 -> EL2
	mov x0, #(1 << 31)
	msr hcr_el2, x0
	mov x0, #(1 << 49)
	msr MPAM2, x0
	adr x0, el1_again
	msr elr_el2, x0
	mov x0, #0x3c5
	msr spsr_el2, x0
	isb
	eret
el1_again:
	mrs x0, MPAM0           // traps (EC 0x18) to EL2
	mrs x0, MPAM1           // no trap now
	P 0xe0
	hvc #1
el2_tests2:
	smc #0                  // EL3 sets TRAPLOWER
	mrs x0, MPAM2           // traps to EL3
	mrs x0, MPAMIDR         // traps to EL3
	mov x0, #0xff
	P 0xff
2:	b 2b

.balign 2048
vec_el3:
	.balign 0x80; b .
	.balign 0x80; b .
	.balign 0x80; b .
	.balign 0x80; b .
	.balign 0x80; b el3_sync_cur
	.balign 0x80; b .
	.balign 0x80; b .
	.balign 0x80; b .
	.balign 0x80; b el3_sync_low
	.balign 0x80; b .
	.balign 0x80; b .
	.balign 0x80; b .
el3_sync_cur:
	mrs x0, esr_el3
	P 0xef
	b .
el3_sync_low:
	mrs x0, esr_el3
	P 0xf0
	lsr x1, x0, #26
	cmp x1, #0x17           // SMC
	b.ne 6f
	mrs x1, MPAM3
	orr x1, x1, #(1 << 62)
	msr MPAM3, x1
	eret
6:	mrs x1, elr_el3
	add x1, x1, #4
	msr elr_el3, x1
	eret

#include "puthex.inc"
