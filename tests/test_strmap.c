/* Tests of strmap.c: interning, lookup, growth, binary-safe keys. */
#include <stdlib.h>

#include "paperclust/status.h"
#include "strmap_internal.h"
#include "test.h"

static void interns_and_finds(void)
{
    pc_strmap *m = pc_strmap_new();
    int inserted;
    CHECK_INT(pc_strmap_intern(m, "alpha", 5, &inserted), 0);
    CHECK_INT(inserted, 1);
    CHECK_INT(pc_strmap_intern(m, "beta", 4, &inserted), 1);
    CHECK_INT(pc_strmap_intern(m, "alpha", 5, &inserted), 0);
    CHECK_INT(inserted, 0);
    CHECK_INT(pc_strmap_find(m, "beta", 4), 1);
    CHECK_INT(pc_strmap_find(m, "bet", 3), -1);
    CHECK_INT(pc_strmap_find(m, "", 0), -1);
    CHECK_INT(pc_strmap_intern(m, "", 0, NULL), 2); /* the empty key is a key too */
    size_t len;
    CHECK_STR(pc_strmap_key(m, 1, &len), "beta");
    CHECK_INT(len, 4);
    CHECK_INT(pc_strmap_count(m), 3);
    pc_strmap_free(m);
}

static void grows_past_many_keys(void)
{
    pc_strmap *m = pc_strmap_new();
    char key[32];
    for (int i = 0; i < 100000; i++) {
        int n = snprintf(key, sizeof key, "term%d", i);
        CHECK_INT(pc_strmap_intern(m, key, (size_t)n, NULL), i);
    }
    for (int i = 0; i < 100000; i += 997) {
        int n = snprintf(key, sizeof key, "term%d", i);
        CHECK_INT(pc_strmap_find(m, key, (size_t)n), i);
        CHECK_STR(pc_strmap_key(m, i, NULL), key);
    }
    CHECK_INT(pc_strmap_count(m), 100000);
    pc_strmap_free(m);
}

/*
 * The n-th allocation fails, for every n until 5000 keys fit without a fault.
 * Each failure must be reported (no map, or -1 from the insertion that could
 * not be done), and whatever was interned before it must still be found under
 * its id; a map that reports success must hold all 5000 keys.  Interning 5000
 * keys grows the offsets, the key bytes and the table several times each, so
 * well over 10 counts must fail before the first clean run.
 */
static void allocation_failure_is_reported(void)
{
    long n = 1;
    int clean = 0;
    for (; n < 200 && !clean; n++) {
        pc_alloc_fail_after(n);
        pc_strmap *m = pc_strmap_new();
        int32_t id = 0;
        int done = 0;
        char key[16];
        for (; m && done < 5000; done++) {
            int len = snprintf(key, sizeof key, "k%d", done);
            id = pc_strmap_intern(m, key, (size_t)len, NULL);
            if (id < 0)
                break;
            CHECK_INT(id, done);
        }
        pc_alloc_fail_after(0);
        if (m) {
            /* grow_table may fail quietly (the key is in, the table fuller):
             * then the count can exceed `done` by the key that failed */
            CHECK(pc_strmap_count(m) == done || pc_strmap_count(m) == done + 1);
            for (int i = 0; i < done; i++) {
                int len = snprintf(key, sizeof key, "k%d", i);
                if (pc_strmap_find(m, key, (size_t)len) != i) {
                    fprintf(stderr, "fail after %ld: key %s lost\n", n, key);
                    CHECK_INT(pc_strmap_find(m, key, (size_t)len), i);
                    break;
                }
            }
        }
        clean = m && done == 5000 && pc_strmap_count(m) == 5000;
        pc_strmap_free(m);
    }
    CHECK(clean);
    CHECK(n > 10);
    printf("first count without a reported failure: %ld\n", n - 1);
}

int main(void)
{
    RUN_TEST(interns_and_finds);
    RUN_TEST(grows_past_many_keys);
    RUN_TEST(allocation_failure_is_reported);
    return TEST_EXIT();
}
