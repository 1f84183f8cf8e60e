/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bare-metal test of PARTID narrowing on the memory MSC of the server
 * profile (-smp 2: msc3 at 0x090f0000, PARTID_MAX 63, INTPARTID_MAX 15),
 * entered at EL1.  Prints "tag: value" on the PL011.
 *
 * Registers (narrowing.expected holds these lines):
 *   90, 91  MPAMF_IDR (HAS_PARTID_NRW), MPAMF_PARTID_NRW_IDR
 *   92, 93  reqPARTID 5 mapped to intPARTID 3: no error, reads back
 *   94, 95  intPARTID 16 is out of range: intPARTID_Range, map unchanged
 *   96, 97  a value without INTERNAL: intPARTID_Range, map unchanged
 *   98      MPAMCFG_INTPARTID read with PART_SEL.INTERNAL: Unexpected_INTERNAL
 *   99      MPAMCFG_MBW_MAX written with a reqPARTID selected: intPARTID_Range
 *   9a      PART_SEL of intPARTID 16: PARTID_SEL_Range
 *   9b, 9c  MBW_MAX of intPARTID 3 reads back, no error
 *
 * A shared regulator: CPU 0 runs with PARTID 1, CPU 1 with PARTID 2,
 * MBWU monitors 0 and 1 count them.  Each phase prints monitor 0, monitor
 * 1 and the virtual counter ticks it took (run.sh compares the rates):
 *   a0..a2  PARTIDs 1 and 2 on intPARTIDs 1 and 2, 25 % each
 *   b0..b2  both on intPARTID 3, 25 % together
 *   c0..c2  the same with CPU 1 asleep: PARTID 1 alone gets all 25 %
 */
#define MPAM1     S3_0_C10_C5_0
#define MSC       0x090f0000
#define FLAGS     0x40200000	/* +0: CPU 1 sleeps if set, +4: CPU 1 up */
#define IDR       0x000
#define NRW_IDR   0x050
#define ESR       0x0f8
#define ESR_HI    0x0fc
#define PART_SEL  0x100
#define MBW_MAX   0x208
#define INTPARTID 0x600
#define MON_SEL   0x800
#define MBWU_FLT  0x820
#define MBWU_CTL  0x828
#define MBWU_L    0x880
#define MBWU_L_HI 0x884
#define INTERNAL  0x10000
#define ITERS     10000000

.macro W off, val		// write a register of the MSC
	ldr w0, =\val
	str w0, [x9, #\off]
.endm
.macro P tag
	mov x5, #\tag
	bl puthex
.endm
.macro R off, tag		// read a register of the MSC and print it
	ldr w0, [x9, #\off]
	P \tag
.endm
.macro RESR tag			// print MPAMF_ESR and clear it
	R ESR, \tag
	str wzr, [x9, #ESR]
	str wzr, [x9, #ESR_HI]
.endm
.macro MAP req, int		// map reqPARTID \req to intPARTID \int
	W PART_SEL, \req
	W INTPARTID, INTERNAL | \int
.endm
.macro LIMIT int, val		// MBW_MAX of intPARTID \int
	W PART_SEL, INTERNAL | \int
	W MBW_MAX, \val
.endm

.global _start
_start:
	ldr x0, =0x40100000
	mov sp, x0
	ldr x9, =MSC

	R IDR, 0x90
	R NRW_IDR, 0x91
	MAP 5, 3
	RESR 0x92
	R INTPARTID, 0x93
	W INTPARTID, INTERNAL | 16
	RESR 0x94
	R INTPARTID, 0x95
	W INTPARTID, 2
	RESR 0x96
	R INTPARTID, 0x97
	W INTPARTID, INTERNAL | 3
	W PART_SEL, INTERNAL | 3
	ldr w0, [x9, #INTPARTID]
	RESR 0x98
	W PART_SEL, 5
	W MBW_MAX, 0x3f00
	RESR 0x99
	W PART_SEL, INTERNAL | 16
	RESR 0x9a
	LIMIT 3, 0x3f00		// (0x3f + 1) / 256: 25 %
	R MBW_MAX, 0x9b
	RESR 0x9c

	// CPU 1 up (PSCI CPU_ON through HVC), running with PARTID 2
	ldr x0, =0xc4000003
	mov x1, #1
	adr x2, secondary
	mov x3, #0
	hvc #0
	ldr x10, =FLAGS
1:	ldr w1, [x10, #4]
	cbz w1, 1b
	ldr x0, =0x00010000	// PARTID_D 1
	msr MPAM1, x0
	isb

	LIMIT 1, 0x3f00
	LIMIT 2, 0x3f00
	MAP 1, 1
	MAP 2, 2
	W MON_SEL, 0
	W MBWU_FLT, 1
	W MBWU_CTL, 0x80010042	// EN | MATCH_PARTID | TYPE_MBWU
	W MON_SEL, 1
	W MBWU_FLT, 2
	W MBWU_CTL, 0x80010042
	mov x6, #0xa0
	bl phase

	MAP 1, 3
	MAP 2, 3
	mov x6, #0xb0
	bl phase

	mov w0, #1
	str w0, [x10]		// CPU 1 to sleep
	dsb sy
	mov x6, #0xc0
	bl phase
2:	b 2b

// Zero both monitors, spin, print both and the ticks: tags x6..x6+2
phase:
	mov x8, x30
	W MON_SEL, 0
	str wzr, [x9, #MBWU_L]
	str wzr, [x9, #MBWU_L_HI]
	W MON_SEL, 1
	str wzr, [x9, #MBWU_L]
	str wzr, [x9, #MBWU_L_HI]
	isb
	mrs x7, cntvct_el0
	ldr x1, =ITERS
3:	subs x1, x1, #1
	b.ne 3b
	mrs x0, cntvct_el0
	sub x7, x0, x7
	W MON_SEL, 0
	bl read_mbwu
	mov x5, x6
	bl puthex
	W MON_SEL, 1
	bl read_mbwu
	add x5, x6, #1
	bl puthex
	mov x0, x7
	add x5, x6, #2
	bl puthex
	mov x30, x8
	ret

read_mbwu:
	ldr w2, [x9, #MBWU_L_HI]
	ldr w0, [x9, #MBWU_L]
	and x2, x2, #0x7fffffff
	orr x0, x0, x2, lsl #32
	ret

secondary:
	ldr x0, =0x40180000
	mov sp, x0
	ldr x0, =0x00020000	// PARTID_D 2
	msr MPAM1, x0
	isb
	ldr x10, =FLAGS
	mov w1, #1
	str w1, [x10, #4]
4:	ldr w1, [x10]
	cbz w1, 4b
5:	wfi
	b 5b

#include "puthex.inc"
