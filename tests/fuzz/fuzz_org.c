/*
 * fuzz_org.c - libFuzzer target: every input is an organisation CSV for
 * org_parse_csv (see org_entry.c). Run from the repository root, or set
 * POLS_SRCDIR.
 */
#include "org_entry.c"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return fuzz_org_setup();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_org_one(data, size);
}
