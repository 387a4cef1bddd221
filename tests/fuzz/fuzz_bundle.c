/*
 * fuzz_bundle.c - libFuzzer target: every input is an enrollment bundle
 * for kiosk_enroll into a fresh terminal folder (see bundle_entry.c). Run
 * from the repository root, or set POLS_SRCDIR.
 */
#include "bundle_entry.c"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return fuzz_bundle_setup();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_bundle_one(data, size);
}
