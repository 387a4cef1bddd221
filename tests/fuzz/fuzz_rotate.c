/*
 * fuzz_rotate.c - libFuzzer target: every input is the "rotation" member
 * of a CHALLENGE, walked from a fixed trusted key as it is and re-signed
 * (see rotate_entry.c). With POLS_ROTATE_SEEDS=DIR it first writes the
 * seed corpus there:
 *
 *   POLS_ROTATE_SEEDS=tests/fuzz/corpus/rotate build/fuzz/fuzz_rotate -runs=0
 */
#include "rotate_entry.c"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seeds = getenv("POLS_ROTATE_SEEDS");

	(void)argc;
	(void)argv;
	if (seeds != NULL && fuzz_rotate_seeds(seeds) != 0)
		fx_die("cannot write the seeds to", seeds);
	return fuzz_rotate_setup();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_rotate_one(data, size);
}
