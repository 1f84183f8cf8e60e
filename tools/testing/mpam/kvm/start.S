/* SPDX-License-Identifier: GPL-2.0 */
/* Entry and exception vectors of guest-mpam.c. */
	.section .text.start, "ax"
	.global _start
_start:
	ldr	x0, =stack_top
	mov	sp, x0
	ldr	x0, =vectors
	msr	vbar_el1, x0
	isb
	bl	guest_main
1:	wfi
	b	1b

	.balign	2048
vectors:
	.rept	4		/* current EL with SP_EL0 */
	.balign	128
	b	.
	.endr
	.balign	128		/* current EL with SP_ELx: synchronous */
	stp	x29, x30, [sp, #-16]!
	stp	x0, x1, [sp, #-16]!
	mrs	x0, esr_el1
	bl	sync_handler
	ldp	x0, x1, [sp], #16
	ldp	x29, x30, [sp], #16
	eret
	.rept	11		/* everything else: hang */
	.balign	128
	b	.
	.endr

	.bss
	.balign	16
	.space	16384
stack_top:
