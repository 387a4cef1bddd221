/*
 * fuzz_config.c - libFuzzer target: every input is a configuration file
 * for config_load with the server's, the terminal's and a test key table
 * (see config_entry.c). Run from the repository root, or set POLS_SRCDIR.
 */
#include "config_entry.c"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return fuzz_config_setup();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_config_one(data, size);
}
