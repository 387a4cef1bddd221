/*
 * fuzz_reply.c - libFuzzer target: every input is the list of replies a
 * terminal gets during one kiosk_sync() (see reply_entry.c for the record
 * format, the stand-in NNG and the checks). Run from the repository root,
 * or set POLS_SRCDIR.
 */
#include "wire_entry.c"
#include "reply_entry.c"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return fuzz_reply_setup();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_reply_one(data, size);
}
