/*
 * fuzz_wire.c - libFuzzer target: every input is one message to the
 * server, handled by the real ingest_handle() of a real installation (see
 * wire_entry.c for the set-up, the two passes and the protocol checks).
 *
 *   make fuzz                     build into build/fuzz/ and run 60 s
 *   build/fuzz/fuzz_wire -dict=tests/fuzz/wire.dict DIR tests/fuzz/corpus/wire
 *
 * Run from the repository root (the forms are read from forms/), or set
 * POLS_SRCDIR.
 */
#include "wire_entry.c"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return fuzz_wire_setup();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_wire_one(data, size);
}
