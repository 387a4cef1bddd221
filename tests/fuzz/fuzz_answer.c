/*
 * fuzz_answer.c - libFuzzer target: every input is answer JSON (against
 * the three real forms) and aggregate JSON (see answer_entry.c). Run from
 * the repository root, or set POLS_SRCDIR.
 */
#include "answer_entry.c"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return fuzz_answer_setup();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_answer_one(data, size);
}
