/*
 * fuzz_form.c - libFuzzer target: every input is a form's JSON:
 * form_parse, form_check, and responses and aggregates made from it (see
 * form_entry.c). Run from the repository root, or set POLS_SRCDIR.
 */
#include "form_entry.c"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return fuzz_form_setup();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_form_one(data, size);
}
