/*
 * test_status.c — the shared helpers of status.c: messages made one line of
 * valid UTF-8 (pc_message_text, and pc_fail / pc_warn which pass every
 * message through it), the UTF-8 sequence rule, byte-array growth, and the
 * per-stage peak memory of summary.csv (pc_peak_memory_*, pc_summary_stage).
 * Expected strings are written out by hand from the rules in internal.h.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"
#include "paperclust/report.h"
#include "test.h"

/* pc_message_text over a literal of `len` bytes (NULs included). */
static const char *shown(char *out, size_t cap, const char *text, size_t len)
{
    memset(out, 'Z', cap); /* so a missing terminator shows */
    return pc_message_text(out, cap, text, len);
}

#define SHOWN(lit) shown(buf, sizeof buf, lit, sizeof lit - 1)

static void test_controls_escaped(void)
{
    char buf[128];
    CHECK_STR(SHOWN("a\nb\rc\td"), "a\\nb\\rc\\td");
    CHECK_STR(SHOWN("bell\x07 esc\x1B del\x7F"), "bell\\x07 esc\\x1B del\\x7F");
    CHECK_STR(SHOWN("nul\0here"), "nul\\x00here");
    /* C1 NEL, the line and paragraph separators, a bidirectional override */
    CHECK_STR(SHOWN("x\xC2\x85y\xE2\x80\xA8z\xE2\x80\xA9w\xE2\x80\xAEv"),
              "x\\u0085y\\u2028z\\u2029w\\u202Ev");
    /* what may stand is kept: backslashes, quotes, letters of any script */
    CHECK_STR(SHOWN("a\\n \"q\" Stra\xC3\x9F" "e \xE2\x82\xAC \xF0\x9F\x93\x84"),
              "a\\n \"q\" Stra\xC3\x9F" "e \xE2\x82\xAC \xF0\x9F\x93\x84");
}

static void test_invalid_utf8_replaced(void)
{
    char buf[128];
    /* a lone byte; a truncated 3-byte sequence (one maximal subpart, one
     * U+FFFD); a surrogate (three subparts); an overlong '/'; a cut at the end */
    CHECK_STR(SHOWN("\xFF"), "\xEF\xBF\xBD");
    CHECK_STR(SHOWN("a\xE2\x82z"), "a\xEF\xBF\xBDz");
    CHECK_STR(SHOWN("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK_STR(SHOWN("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK_STR(SHOWN("end\xF0\x9F\x93"), "end\xEF\xBF\xBD");
}

static void test_cut_with_ellipsis(void)
{
    char buf[8];
    CHECK_STR(SHOWN("abcdefg"), "abcdefg"); /* 7 bytes fit a cap of 8 exactly */
    CHECK_STR(SHOWN("abcdefgh"), "abcd...");
    /* five 2-byte é: only two fit before "..." */
    CHECK_STR(SHOWN("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"), "\xC3\xA9\xC3\xA9...");
    /* an escape is never split: "\n" would end at byte 4, "..." must follow */
    char small[6];
    CHECK_STR(shown(small, sizeof small, "ab\ncd", 5), "ab...");
    char tiny[4];
    CHECK_STR(shown(tiny, sizeof tiny, "abcd", 4), "...");
    CHECK_STR(shown(tiny, sizeof tiny, "abc", 3), "abc");
    CHECK_STR(shown(tiny, 1, "abc", 3), "");
}

static void test_own_output_unchanged(void)
{
    static const char raw[] = "col\n\xFF\"x\"\t\\\xC2\x85 \xE2\x80\xA8 \xE9t\xE9 \x01";
    char once[256], twice[256];
    pc_message_text(once, sizeof once, raw, sizeof raw - 1);
    pc_message_text(twice, sizeof twice, once, strlen(once));
    CHECK_STR(twice, once);
    CHECK(strpbrk(once, "\n\r\t\x01") == NULL);
}

static void test_fail_and_warn_one_line(void)
{
    pc_error err = {PC_OK, ""};
    CHECK_INT(pc_fail(&err, PC_ERR_FORMAT, "%s:%d: bad \"%s\"", "f.csv", 3, "a\nb\xFF"),
              PC_ERR_FORMAT);
    CHECK_INT(err.status, PC_ERR_FORMAT);
    CHECK_STR(err.message, "f.csv:3: bad \"a\\nb\xEF\xBF\xBD\"");

    /* longer than a message holds: cut at PC_ERROR_MAX - 1 bytes with "..." */
    char long_text[3 * PC_ERROR_MAX];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    pc_fail(&err, PC_ERR_IO, "%s", long_text);
    CHECK_INT(strlen(err.message), PC_ERROR_MAX - 1);
    CHECK_STR(err.message + PC_ERROR_MAX - 4, "...");

    /* a multi-byte character at the cut is not split */
    char wide[PC_ERROR_MAX + 8];
    size_t n = 0;
    wide[n++] = 'y';
    while (n + 2 < sizeof wide) {
        wide[n++] = '\xC3';
        wide[n++] = '\xA9';
    }
    wide[n] = '\0';
    pc_fail(&err, PC_ERR_IO, "%s", wide);
    size_t len = strlen(err.message);
    CHECK(len <= PC_ERROR_MAX - 1 && len >= PC_ERROR_MAX - 3);
    CHECK_STR(err.message + len - 3, "...");
    CHECK((unsigned char)err.message[len - 4] == 0xA9); /* the last é is whole */

    CHECK_INT(pc_fail(NULL, PC_ERR_NOMEM, "no error struct"), PC_ERR_NOMEM);
}

static char warned[PC_ERROR_MAX];

static void on_warning(void *ctx, const char *message)
{
    (void)ctx;
    snprintf(warned, sizeof warned, "%s", message);
}

static void test_warn_one_line(void)
{
    pc_monitor mon = {on_warning, NULL, NULL, NULL};
    pc_warn(&mon, "%s: %d ids like \"%s\"", "p.jsonl", 2, "x\r\ny");
    CHECK_STR(warned, "p.jsonl: 2 ids like \"x\\r\\ny\"");
    pc_warn(NULL, "nothing to send to");
}

static void test_utf8_sequence(void)
{
    size_t bad = 99;
    CHECK_INT(pc_utf8_sequence((const unsigned char *)"a", 1, &bad), 1);
    CHECK_INT(pc_utf8_sequence((const unsigned char *)"\xC3\xA9", 2, &bad), 2);
    CHECK_INT(pc_utf8_sequence((const unsigned char *)"\xE2\x82\xAC", 3, &bad), 3);
    CHECK_INT(pc_utf8_sequence((const unsigned char *)"\xF4\x8F\xBF\xBF", 4, &bad), 4);
    CHECK_INT(pc_utf8_sequence((const unsigned char *)"\xF4\x90\x80\x80", 4, &bad), 0);
    CHECK_INT(bad, 1); /* above U+10FFFF: the lead byte alone is the subpart */
    CHECK_INT(pc_utf8_sequence((const unsigned char *)"\xE2\x82", 2, &bad), 0);
    CHECK_INT(bad, 2);
    CHECK_INT(pc_utf8_sequence((const unsigned char *)"\x80", 1, &bad), 0);
    CHECK_INT(bad, 1);
}

static void test_reserve_bytes(void)
{
    char *data = NULL;
    size_t cap = 0;
    CHECK_INT(pc_reserve_bytes(&data, &cap, 0, 10), 0);
    CHECK_INT(cap, 256);
    CHECK_INT(pc_reserve_bytes(&data, &cap, 250, 6), 0);
    CHECK_INT(cap, 256); /* fits: nothing moves */
    CHECK_INT(pc_reserve_bytes(&data, &cap, 250, 7), 0);
    CHECK_INT(cap, 512);
    CHECK_INT(pc_reserve_bytes(&data, &cap, 10, SIZE_MAX - 5), -1); /* overflow */
    CHECK_INT(cap, 512);
    pc_alloc_fail_after(1);
    CHECK_INT(pc_reserve_bytes(&data, &cap, 512, 1), -1);
    pc_alloc_fail_after(0);
    CHECK_INT(cap, 512);
    CHECK(data != NULL);
    free(data);
}

/* 96 MiB mapped and touched (mmap, so that neither malloc nor a sanitizer
 * keeps it after it is given back), then unmapped. */
static void touch_and_release(void)
{
    size_t bytes = (size_t)96 << 20;
    char *block = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(block != MAP_FAILED);
    if (block == MAP_FAILED)
        return;
    for (size_t i = 0; i < bytes; i += 4096)
        block[i] = 1;
    munmap(block, bytes);
}

static void test_peak_memory(void)
{
    pc_peak_memory_restart();
    double base = pc_peak_memory_mib();
    CHECK(base > 0.0);
    touch_and_release();
    CHECK(pc_peak_memory_mib() >= base + 90.0); /* the peak outlives the memory */
    pc_peak_memory_restart();
    CHECK(pc_peak_memory_mib() < base + 48.0); /* and a restart forgets it */
    /* one stage with the block, one without: each row has its own peak */
    pc_summary summary = {0};
    double clock = pc_now() - 1.0, peak = 0.0;
    touch_and_release();
    CHECK_INT(pc_summary_stage(&summary, "seconds_big", &clock, &peak), PC_OK);
    CHECK_INT(pc_summary_stage(&summary, "seconds_small", &clock, &peak), PC_OK);
    const char *big = pc_summary_get(&summary, "peak_rss_mib_big");
    const char *small = pc_summary_get(&summary, "peak_rss_mib_small");
    const char *seconds = pc_summary_get(&summary, "seconds_big");
    CHECK(big && small && seconds);
    if (big && small && seconds) {
        CHECK(atof(big) >= base + 90.0 && atof(small) < base + 48.0);
        CHECK(atof(seconds) >= 1.0); /* from the clock given */
        CHECK(peak >= atof(big) - 0.5 && peak < atof(big) + 0.5); /* the higher one */
    }
    pc_summary_clear(&summary);
}

int main(void)
{
    RUN_TEST(test_controls_escaped);
    RUN_TEST(test_invalid_utf8_replaced);
    RUN_TEST(test_cut_with_ellipsis);
    RUN_TEST(test_own_output_unchanged);
    RUN_TEST(test_fail_and_warn_one_line);
    RUN_TEST(test_warn_one_line);
    RUN_TEST(test_utf8_sequence);
    RUN_TEST(test_reserve_bytes);
    RUN_TEST(test_peak_memory);
    return TEST_EXIT();
}
