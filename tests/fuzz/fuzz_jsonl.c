/*
 * fuzz_jsonl.c — libFuzzer target for JSON Lines ingest: the line reader over
 * zlib, UTF-8 repair before jansson parses a line, the schema taken from the
 * first object's keys, and the rendering of strings, numbers, booleans and
 * arrays as text.  pc_corpus_read_stream() runs with PC_FORMAT_JSONL and the
 * option sets of fuzz_corpus.h, which also holds the checks on the result.
 */
#include "fuzz_util.h"

#include "fuzz_corpus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_read_corpus(data, size, PC_FORMAT_JSONL);
    return 0;
}
