// SPDX-License-Identifier: GPL-2.0
/*
 * mpam_hog MIB: fault in MIB mebibytes of anonymous memory, say "ready"
 * on stdout, then spin.  Its exit takes a while, freeing them: the
 * tests watch what an exiting task runs with.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
	size_t size = (argc > 1 ? strtoul(argv[1], NULL, 0) : 256) << 20;
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memset(p, 1, size);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		;
}
