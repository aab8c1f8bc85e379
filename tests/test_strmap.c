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

static void allocation_failure_is_reported(void)
{
    for (long n = 1; n < 8; n++) {
        pc_alloc_fail_after(n);
        pc_strmap *m = pc_strmap_new();
        int32_t id = 0;
        char key[16];
        for (int i = 0; m && id >= 0 && i < 5000; i++) {
            int len = snprintf(key, sizeof key, "k%d", i);
            id = pc_strmap_intern(m, key, (size_t)len, NULL);
        }
        pc_alloc_fail_after(0);
        CHECK(m == NULL || id == -1 || pc_strmap_count(m) == 5000);
        pc_strmap_free(m);
    }
}

int main(void)
{
    RUN_TEST(interns_and_finds);
    RUN_TEST(grows_past_many_keys);
    RUN_TEST(allocation_failure_is_reported);
    return TEST_EXIT();
}
