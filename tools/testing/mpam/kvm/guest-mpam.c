// SPDX-License-Identifier: GPL-2.0
/*
 * A bare-metal guest for the KVM test of the mpam controller
 * (tools/cgroup/mpam/tests/kvm_guest.sh).  QEMU loads it as an ELF into a
 * KVM virt machine; it starts at EL1 with the MMU off and:
 *  - prints ID_AA64PFR0_EL1.MPAM, which KVM hides (0);
 *  - reads MPAMIDR_EL1, MPAM1_EL1, MPAM0_EL1 and writes MPAM1_EL1, and
 *    prints for each whether it took an UNDEF (an exception with ESR_EL1.EC
 *    0, "unknown reason", which is how KVM refuses MPAM to guests);
 *  - prints "guest: spinning" and spins, so that the host can see the vCPU
 *    run the guest at EL1 with the label of the VMM's cgroup;
 *  - powers the machine off through PSCI.
 * Output goes to the PL011 of QEMU's virt machine.
 */
#include <stdint.h>

#define UART_DR		((volatile uint32_t *)0x09000000UL)
#define PSCI_SYSTEM_OFF	0x84000008UL

/* Set by the exception handler: ESR_EL1 of the last exception, or ~0. */
volatile uint64_t last_esr = ~0UL;

static void putc_(char c)
{
	*UART_DR = (uint32_t)c;
}

static void puts_(const char *s)
{
	while (*s)
		putc_(*s++);
}

static void puthex(uint64_t v)
{
	int i;

	puts_("0x");
	for (i = 60; i >= 0; i -= 4)
		putc_("0123456789abcdef"[(v >> i) & 0xf]);
}

/* Called from the vector of synchronous exceptions: skip the instruction. */
void sync_handler(uint64_t esr)
{
	uint64_t elr;

	last_esr = esr;
	asm volatile("mrs %0, elr_el1" : "=r" (elr));
	asm volatile("msr elr_el1, %0" : : "r" (elr + 4));
}

static void report(const char *what, uint64_t val)
{
	puts_("guest: ");
	puts_(what);
	if (last_esr == ~0UL) {
		puts_(": ok, value ");
		puthex(val);
	} else if ((last_esr >> 26) == 0) {
		puts_(": UNDEF (ESR ");
		puthex(last_esr);
		puts_(")");
	} else {
		puts_(": exception, ESR ");
		puthex(last_esr);
	}
	puts_("\n");
	last_esr = ~0UL;
}

#define TRY_READ(name, reg)						\
	do {								\
		uint64_t v = 0;						\
		asm volatile("mrs %0, " reg : "+r" (v) : : "memory");	\
		report(name " read", v);				\
	} while (0)

void guest_main(void)
{
	uint64_t pfr0, i;

	puts_("guest: EL1 up\n");
	asm volatile("mrs %0, id_aa64pfr0_el1" : "=r" (pfr0));
	puts_("guest: ID_AA64PFR0_EL1.MPAM=");
	putc_("0123456789abcdef"[(pfr0 >> 40) & 0xf]);
	puts_("\n");

	TRY_READ("MPAMIDR_EL1", "s3_0_c10_c4_4");
	TRY_READ("MPAM1_EL1", "s3_0_c10_c5_0");
	TRY_READ("MPAM0_EL1", "s3_0_c10_c5_1");
	asm volatile("msr s3_0_c10_c5_0, %0" : : "r" (1UL << 63) : "memory");
	report("MPAM1_EL1 write", 0);

	puts_("guest: spinning\n");
	for (i = 0; i < (1UL << 34); i++)
		asm volatile("" : : : "memory");
	puts_("guest: done\n");

	{
		register uint64_t x0 asm("x0") = PSCI_SYSTEM_OFF;

		asm volatile("hvc #0" : "+r" (x0) : : "memory");
	}
	for (;;)
		asm volatile("wfi");
}
