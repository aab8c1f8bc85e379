/*
 * test.h — the few assertions our unit tests need.  A failed check prints
 * what it compared and where, and the test program exits non-zero; every test
 * of a program is listed in its main(), in one place (as libuv's test-list.h).
 */
#ifndef PC_TEST_H
#define PC_TEST_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int pc_test_failures;

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);     \
            pc_test_failures++;                                                          \
        }                                                                                \
    } while (0)

#define CHECK_INT(a, b)                                                                  \
    do {                                                                                 \
        long long va_ = (long long)(a), vb_ = (long long)(b);                            \
        if (va_ != vb_) {                                                                \
            fprintf(stderr, "%s:%d: %s == %s: %lld != %lld\n", __FILE__, __LINE__, #a,   \
                    #b, va_, vb_);                                                       \
            pc_test_failures++;                                                          \
        }                                                                                \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                            \
    do {                                                                                 \
        double va_ = (double)(a), vb_ = (double)(b);                                     \
        if (!(fabs(va_ - vb_) <= (tol))) {                                               \
            fprintf(stderr, "%s:%d: %s ~ %s: %.9g vs %.9g (tolerance %g)\n", __FILE__,  \
                    __LINE__, #a, #b, va_, vb_, (double)(tol));                          \
            pc_test_failures++;                                                          \
        }                                                                                \
    } while (0)

#define CHECK_STR(a, b)                                                                  \
    do {                                                                                 \
        const char *va_ = (a), *vb_ = (b);                                               \
        if (!va_ || !vb_ || strcmp(va_, vb_) != 0) {                                     \
            fprintf(stderr, "%s:%d: %s == %s: \"%s\" != \"%s\"\n", __FILE__, __LINE__,  \
                    #a, #b, va_ ? va_ : "(null)", vb_ ? vb_ : "(null)");                 \
            pc_test_failures++;                                                          \
        }                                                                                \
    } while (0)

#define RUN_TEST(fn)                                                                     \
    do {                                                                                 \
        int before_ = pc_test_failures;                                                  \
        fn();                                                                            \
        printf("%s %s\n", pc_test_failures == before_ ? "ok  " : "FAIL", #fn);         \
    } while (0)

#define TEST_EXIT() (pc_test_failures ? 1 : 0)

#endif
