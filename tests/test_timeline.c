/*
 * Tests of timeline.c: every accepted and refused date form, leap years, ISO
 * weeks (by hand, and a sample from Python's datetime.isocalendar), period
 * labels, per-period counts and shares, the weighted trend (arithmetic shown),
 * skipped dates, rising and falling clusters, bad arguments, allocation
 * failures.
 */
#include <stdint.h>
#include <stdlib.h>

#include "paperclust/timeline.h"
#include "test.h"

/* Parses text and checks the result: status PC_OK and these fields. */
#define CHECK_DATE(text, y, m, d, prec)                                                  \
    do {                                                                                 \
        pc_date got_;                                                                    \
        CHECK_INT(pc_date_parse(text, &got_), PC_OK);                                    \
        CHECK_INT(got_.year, y);                                                         \
        CHECK_INT(got_.month, m);                                                        \
        CHECK_INT(got_.day, d);                                                          \
        CHECK_INT(got_.precision, prec);                                                 \
    } while (0)

/* Parses text, which must be refused with `status`; prints it when accepted. */
static void check_refused(const char *text, pc_status status)
{
    pc_date date;
    pc_status got = pc_date_parse(text, &date);
    if (got != status)
        fprintf(stderr, "  \"%s\": status %d, expected %d (read %d-%d-%d)\n",
                text ? text : "(null)", (int)got, (int)status, (int)date.year,
                (int)date.month, (int)date.day);
    CHECK_INT(got, status);
    CHECK_INT(date.year, 0);
}

/* The label of text's period. */
static const char *label_of(const char *text, pc_period period)
{
    static char label[PC_PERIOD_LABEL_MAX];
    pc_date date;
    int32_t ordinal;
    if (pc_date_parse(text, &date) != PC_OK || pc_date_period(&date, period, &ordinal) != PC_OK)
        return "(no period)";
    pc_period_label(period, ordinal, label);
    return label;
}

static void parses_iso_dates(void)
{
    CHECK_DATE("2025", 2025, 0, 0, PC_DATE_YEAR);
    CHECK_DATE("2025-03", 2025, 3, 0, PC_DATE_MONTH);
    CHECK_DATE("2025-03-17", 2025, 3, 17, PC_DATE_DAY);
    CHECK_DATE("2025-03-17T10:22:00Z", 2025, 3, 17, PC_DATE_DAY);
    CHECK_DATE("2025-03-17 10:22", 2025, 3, 17, PC_DATE_DAY);
    CHECK_DATE("2025-03-17t10:22z", 2025, 3, 17, PC_DATE_DAY);
    CHECK_DATE("2025-03-17T10:22:00+02:00", 2025, 3, 17, PC_DATE_DAY);
    CHECK_DATE("2025-03-17T10:22-0530", 2025, 3, 17, PC_DATE_DAY);
    CHECK_DATE("2025-03-17T10:22:05+02", 2025, 3, 17, PC_DATE_DAY);
    CHECK_DATE("2025-03-17T10:22:05.123456Z", 2025, 3, 17, PC_DATE_DAY);
    CHECK_DATE("2025-03-17T10:22:05,5", 2025, 3, 17, PC_DATE_DAY);
    CHECK_DATE("2016-12-31T23:59:60Z", 2016, 12, 31, PC_DATE_DAY); /* a leap second */
    CHECK_DATE("2025-03-17T00:00:00", 2025, 3, 17, PC_DATE_DAY);
    CHECK_DATE("2025-03-31T23:30-05:00", 2025, 3, 31, PC_DATE_DAY); /* as written, not UTC */
    CHECK_DATE("1900-01-01", 1900, 1, 1, PC_DATE_DAY);
    CHECK_DATE("9999-12-31", 9999, 12, 31, PC_DATE_DAY);
    CHECK_DATE("2025-01-31", 2025, 1, 31, PC_DATE_DAY);
    CHECK_DATE("2025-04-30", 2025, 4, 30, PC_DATE_DAY);
    CHECK_DATE("  2025-03-17\t", 2025, 3, 17, PC_DATE_DAY);
    CHECK_DATE("\r\n2025-03 \n", 2025, 3, 0, PC_DATE_MONTH);
    CHECK_DATE(" 2025 ", 2025, 0, 0, PC_DATE_YEAR);
}

static void parses_arxiv_identifiers(void)
{
    /* new style */
    CHECK_DATE("2503.11731", 2025, 3, 0, PC_DATE_MONTH);
    CHECK_DATE("2503.11731v2", 2025, 3, 0, PC_DATE_MONTH);
    CHECK_DATE("2503.11731v12", 2025, 3, 0, PC_DATE_MONTH);
    CHECK_DATE("0704.0001", 2007, 4, 0, PC_DATE_MONTH);   /* the first new-style id */
    CHECK_DATE("1412.7878", 2014, 12, 0, PC_DATE_MONTH);  /* the last four-digit month */
    CHECK_DATE("1501.00001", 2015, 1, 0, PC_DATE_MONTH);  /* the first five-digit month */
    CHECK_DATE("9912.12345v2", 2099, 12, 0, PC_DATE_MONTH);
    CHECK_DATE("arXiv:2503.11731", 2025, 3, 0, PC_DATE_MONTH);
    CHECK_DATE("ARXIV:0706.0001v1", 2007, 6, 0, PC_DATE_MONTH);
    CHECK_DATE(" arxiv:2506.00001 ", 2025, 6, 0, PC_DATE_MONTH);
    /* old style */
    CHECK_DATE("hep-th/9901001", 1999, 1, 0, PC_DATE_MONTH);
    CHECK_DATE("math.GT/0309136", 2003, 9, 0, PC_DATE_MONTH);
    CHECK_DATE("cond-mat/0102536v1", 2001, 2, 0, PC_DATE_MONTH);
    CHECK_DATE("math.CA/0611800v2", 2006, 11, 0, PC_DATE_MONTH);
    CHECK_DATE("hep-th/9108001", 1991, 8, 0, PC_DATE_MONTH);  /* arXiv's first month */
    CHECK_DATE("astro-ph/0703999", 2007, 3, 0, PC_DATE_MONTH); /* the old scheme's last */
    CHECK_DATE("physics.acc-ph/9912001", 1999, 12, 0, PC_DATE_MONTH);
    CHECK_DATE("arXiv:hep-th/9901001", 1999, 1, 0, PC_DATE_MONTH);
    CHECK_DATE("\thep-th/9901001 ", 1999, 1, 0, PC_DATE_MONTH);
}

static void refuses_malformed_dates(void)
{
    check_refused(NULL, PC_ERR_EMPTY);
    check_refused("", PC_ERR_EMPTY);
    check_refused(" \t\r\n", PC_ERR_EMPTY);
    static const char *const refused[] = {
        /* ISO: shape */
        "abc", "25", "202", "20250", "2025-", "2025-3", "2025-03-", "2025-03-1", "2025-003",
        "20250317", "2025/03/17", "2025-03-17x", "2025-03-17 x", "2025-03 17", "x2025",
        "2025-03-17T", "2025-03-17T10", "2025-03-17T1022", "2025-03-17T10:2",
        "2025-03-17T10:22:5", "2025-03-17T10:22:05.", "2025-03-17T10:22:05Zx",
        "2025-03-17T10:22+", "2025-03-17T10:22+2", "2025-03-17T10:22+02:", "2025-03-17T10:22+02:0",
        "2025-03-17  10:22", "2025-03T10:22", "2025T10:22", "+2025", "-2025", "2025-03-17 Z",
        "2025-03-17T10:22:05+02:00:00", "２０２５", "2025\xe2\x80\x8b",
        /* ISO: ranges */
        "2025-13", "2025-00", "2025-02-30", "2025-04-31", "2025-01-32", "2025-01-00",
        "1899-12-31", "1899", "0000", "2025-03-17T24:00", "2025-03-17T23:60",
        "2025-03-17T23:59:61", "2025-03-17T10:22+24:00", "2025-03-17T10:22+02:60",
        /* arXiv new style */
        "2513.00001", "2500.00001", "2503.1173", "2503.117310", "1412.00001", "1501.0001",
        "0703.0001", "0612.1234", "0001.0001", "2503.00000", "0704.0000", "2503.11731v0",
        "2503.11731v", "2503.11731V2", "2503.11731v2x", "2503.", "2503.11731 v2", "arXiv:",
        "arXiv:2503", "arXiv: 2503.11731", "arXiv:2025-03", "arXiv2503.11731",
        /* arXiv old style */
        "hep-th/990100", "hep-th/99010011", "hep-th/9913001", "hep-th/9900001", "hep-th/9901000",
        "hep-th/9107001", "hep-th/0704001", "hep-th/5001001", "/9901001", "Hep-th/9901001",
        "hep-/9901001", "hep-th-x/9901001", "math./0309136", "math.G/0309136",
        "math.GT.AB/0309136", "hep-th/9901001v0", "hep-th/9901001v", "hep th/9901001",
        "hep-th//9901001", "hep-th/9901001/", "1/2",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        check_refused(refused[i], PC_ERR_FORMAT);
}

static void knows_leap_years(void)
{
    CHECK_DATE("2024-02-29", 2024, 2, 29, PC_DATE_DAY); /* divisible by 4 */
    CHECK_DATE("2000-02-29", 2000, 2, 29, PC_DATE_DAY); /* by 400 */
    CHECK_DATE("2400-02-29", 2400, 2, 29, PC_DATE_DAY);
    CHECK_DATE("2023-02-28", 2023, 2, 28, PC_DATE_DAY);
    check_refused("2023-02-29", PC_ERR_FORMAT);         /* not divisible by 4 */
    check_refused("1900-02-29", PC_ERR_FORMAT);         /* by 100, not by 400 */
    check_refused("2100-02-29", PC_ERR_FORMAT);
    check_refused("2024-02-30", PC_ERR_FORMAT);
}

static void labels_iso_weeks(void)
{
    /* By hand.  2021-01-01 was a Friday, so 2021-01-03 is the Sunday of the
     * week Monday 2020-12-28 .. Sunday 2021-01-03, whose Thursday 2020-12-31
     * puts it in ISO year 2020; that year's week 1 began Monday 2019-12-30
     * (Thursday 2020-01-02 being its first Thursday), 364 days = 52 weeks
     * before 2020-12-28: week 53. */
    CHECK_STR(label_of("2021-01-03", PC_PERIOD_WEEK), "2020-W53");
    CHECK_STR(label_of("2021-01-04", PC_PERIOD_WEEK), "2021-W01");
    /* 2024-12-30 is a Monday; its Thursday is 2025-01-02: 2025's first. */
    CHECK_STR(label_of("2024-12-30", PC_PERIOD_WEEK), "2025-W01");
    CHECK_STR(label_of("2024-12-29", PC_PERIOD_WEEK), "2024-W52");
    /* 2026-01-01 is itself a Thursday. */
    CHECK_STR(label_of("2026-01-01", PC_PERIOD_WEEK), "2026-W01");
    /* 2025-01-02 is a Thursday, so W01 is Mon 2024-12-30 .. Sun 2025-01-05 and
     * W09 is 8 weeks later: Mon 2025-02-24 .. Sun 2025-03-02. */
    CHECK_STR(label_of("2025-02-23", PC_PERIOD_WEEK), "2025-W08");
    CHECK_STR(label_of("2025-02-24", PC_PERIOD_WEEK), "2025-W09");
    CHECK_STR(label_of("2025-03-02T23:59Z", PC_PERIOD_WEEK), "2025-W09");
    CHECK_STR(label_of("2025-03-03", PC_PERIOD_WEEK), "2025-W10");
    /* A week needs a day. */
    CHECK_STR(label_of("2025-03", PC_PERIOD_WEEK), "(no period)");
    CHECK_STR(label_of("2503.11731", PC_PERIOD_WEEK), "(no period)");

    /* From Python's datetime.date.isocalendar(): dates at the calendar's ends,
     * at year boundaries, and twelve drawn at random from 1900..9999. */
    static const char *const python[][2] = {
        {"1900-01-01", "1900-W01"}, {"1900-01-07", "1900-W01"}, {"1900-01-08", "1900-W02"},
        {"1900-12-31", "1901-W01"}, {"2008-12-29", "2009-W01"}, {"2010-01-03", "2009-W53"},
        {"9999-12-31", "9999-W52"}, {"2000-02-29", "2000-W09"}, {"2004-12-31", "2004-W53"},
        {"2005-01-02", "2004-W53"}, {"5618-10-09", "5618-W41"}, {"3632-04-17", "3632-W16"},
        {"6433-12-31", "6433-W52"}, {"9375-01-30", "9375-W05"}, {"2454-07-02", "2454-W27"},
        {"2731-10-31", "2731-W44"}, {"8053-11-11", "8053-W46"}, {"2980-12-14", "2980-W50"},
        {"6099-06-06", "6099-W23"}, {"8592-07-06", "8592-W27"}, {"2566-01-14", "2566-W03"},
        {"7727-03-13", "7727-W11"},
    };
    for (size_t i = 0; i < sizeof python / sizeof python[0]; i++)
        CHECK_STR(label_of(python[i][0], PC_PERIOD_WEEK), python[i][1]);

    /* Every week from 1900 to 9999: numbers step by one within an ISO year,
     * a year ends at W52 or W53, and 1,438 years have a W53 (Python:
     * sum(date(y, 12, 28).isocalendar()[1] == 53 for y in range(1900, 10000))). */
    pc_date first = {1900, 1, 1, PC_DATE_DAY}, last = {9999, 12, 31, PC_DATE_DAY};
    int32_t lo, hi;
    CHECK_INT(pc_date_period(&first, PC_PERIOD_WEEK, &lo), PC_OK);
    CHECK_INT(pc_date_period(&last, PC_PERIOD_WEEK, &hi), PC_OK);
    int year = 1900, week = 0, long_years = 0, bad_steps = 0;
    for (int32_t w = lo; w <= hi; w++) {
        char label[PC_PERIOD_LABEL_MAX];
        int y, n;
        pc_period_label(PC_PERIOD_WEEK, w, label);
        if (sscanf(label, "%4d-W%2d", &y, &n) != 2)
            bad_steps++;
        else if (y == year && n == week + 1)
            week = n;
        else if (y == year + 1 && n == 1 && (week == 52 || week == 53)) {
            long_years += week == 53;
            year = y;
            week = 1;
        } else
            bad_steps++;
    }
    CHECK_INT(bad_steps, 0);
    CHECK_INT(year, 9999);
    CHECK_INT(week, 52);
    CHECK_INT(long_years, 1438);
}

static void labels_years_quarters_months(void)
{
    CHECK_STR(label_of("2025", PC_PERIOD_YEAR), "2025");
    CHECK_STR(label_of("2503.11731", PC_PERIOD_YEAR), "2025");
    CHECK_STR(label_of("2025-03-17", PC_PERIOD_YEAR), "2025");
    CHECK_STR(label_of("2025-01", PC_PERIOD_QUARTER), "2025-Q1");
    CHECK_STR(label_of("2025-03-31", PC_PERIOD_QUARTER), "2025-Q1");
    CHECK_STR(label_of("2025-04-01", PC_PERIOD_QUARTER), "2025-Q2");
    CHECK_STR(label_of("2025-06", PC_PERIOD_QUARTER), "2025-Q2");
    CHECK_STR(label_of("2025-07", PC_PERIOD_QUARTER), "2025-Q3");
    CHECK_STR(label_of("2025-09-30", PC_PERIOD_QUARTER), "2025-Q3");
    CHECK_STR(label_of("2025-10", PC_PERIOD_QUARTER), "2025-Q4");
    CHECK_STR(label_of("2512.00001", PC_PERIOD_QUARTER), "2025-Q4");
    CHECK_STR(label_of("2025-03-17", PC_PERIOD_MONTH), "2025-03");
    CHECK_STR(label_of("hep-th/9901001", PC_PERIOD_MONTH), "1999-01");
    CHECK_STR(label_of("2025-12", PC_PERIOD_MONTH), "2025-12");
    /* A year alone has no quarter or month. */
    CHECK_STR(label_of("2025", PC_PERIOD_QUARTER), "(no period)");
    CHECK_STR(label_of("2025", PC_PERIOD_MONTH), "(no period)");
    /* Numbers no date of 1900..9999 has. */
    char odd[PC_PERIOD_LABEL_MAX];
    pc_period_label(PC_PERIOD_YEAR, 1899, odd);
    CHECK_STR(odd, "?");
    pc_period_label(PC_PERIOD_MONTH, 10000 * 12, odd);
    CHECK_STR(odd, "?");
    pc_period_label(PC_PERIOD_WEEK, -1, odd);
    CHECK_STR(odd, "?");
    pc_period_label(PC_PERIOD_WEEK, INT32_MAX, odd);
    CHECK_STR(odd, "?");
    pc_period_label(PC_PERIOD_QUARTER, 1900 * 4, odd);
    CHECK_STR(odd, "1900-Q1");

    /* Consecutive ordinals are consecutive periods, and labels sort as strings. */
    static const struct { pc_period period; int32_t months; } step[] = {
        {PC_PERIOD_YEAR, 12}, {PC_PERIOD_QUARTER, 3}, {PC_PERIOD_MONTH, 1}};
    for (size_t s = 0; s < 3; s++) {
        int32_t a, b;
        pc_date december = {2024, 12, 0, PC_DATE_MONTH}, next = december;
        next.year += (12 + step[s].months - 1) / 12;
        next.month = (12 + step[s].months - 1) % 12 + 1;
        CHECK_INT(pc_date_period(&december, step[s].period, &a), PC_OK);
        CHECK_INT(pc_date_period(&next, step[s].period, &b), PC_OK);
        CHECK_INT(b, a + 1);
    }
    for (int period = PC_PERIOD_YEAR; period <= PC_PERIOD_WEEK; period++) {
        pc_date first = {1900, 1, 1, PC_DATE_DAY}, last = {9999, 12, 31, PC_DATE_DAY};
        int32_t lo, hi, unsorted = 0;
        char previous[PC_PERIOD_LABEL_MAX], label[PC_PERIOD_LABEL_MAX];
        CHECK_INT(pc_date_period(&first, (pc_period)period, &lo), PC_OK);
        CHECK_INT(pc_date_period(&last, (pc_period)period, &hi), PC_OK);
        pc_period_label((pc_period)period, lo, previous);
        for (int32_t o = lo + 1; o <= hi; o++) {
            pc_period_label((pc_period)period, o, label);
            unsorted += strcmp(previous, label) >= 0;
            memcpy(previous, label, sizeof label);
        }
        CHECK_INT(unsorted, 0);
    }
}

static void names_periods(void)
{
    static const char *const names[] = {"year", "quarter", "month", "week"};
    for (int i = 0; i < 4; i++) {
        pc_period period = PC_PERIOD_YEAR;
        CHECK_STR(pc_period_name((pc_period)i), names[i]);
        CHECK_INT(pc_period_parse(names[i], &period, NULL), PC_OK);
        CHECK_INT(period, i);
    }
    pc_error err;
    pc_period period;
    CHECK_INT(pc_period_parse("Month", &period, &err), PC_ERR_INVALID);
    CHECK_STR(err.message, "unknown period 'Month': expected year, quarter, month or week");
    CHECK_INT(pc_period_parse("days", &period, NULL), PC_ERR_INVALID);
    CHECK(pc_period_name((pc_period)4) == NULL);
}

/*
 * The hand-made corpus of the next tests: 2 clusters; months 2024-10 .. 2025-03.
 *
 *   period   index  papers  cluster 0  cluster 1  share 0
 *   2024-10    0      1         0          1        0
 *   2024-11    1      0         0          0        0     (empty, listed)
 *   2024-12    2      0         0          0        0     (empty, listed)
 *   2025-01    3      2         0          2        0
 *   2025-02    4      4         2          2        0.5
 *   2025-03    5      4         3          1        0.75
 *
 * and seven documents without a month: 3 missing, 2 invalid, 2 coarse.
 */
static const char *const hand_dates[] = {
    "2024-10-05",                /*  0: 2024-10, cluster 1 */
    "arXiv:2501.00001",          /*  1: 2025-01, cluster 1 */
    "2025-01-31T23:59:59-05:00", /*  2: 2025-01 as written, cluster 1 */
    NULL,                        /*  3: missing */
    "2502.12345v2",              /*  4: 2025-02, cluster 0 */
    " 2025-02 ",                 /*  5: 2025-02, cluster 0 */
    "foo",                       /*  6: invalid */
    "2025-02-28",                /*  7: 2025-02, cluster 1 */
    "2025",                      /*  8: coarse */
    "2025-02-01 00:00",          /*  9: 2025-02, cluster 1 */
    "",                          /* 10: missing */
    "2025-03",                   /* 11: 2025-03, cluster 0 */
    "2025-03-31",                /* 12: 2025-03, cluster 0 */
    "2025-13",                   /* 13: invalid */
    "2503.00001",                /* 14: 2025-03, cluster 0 */
    "  ",                        /* 15: missing */
    "2025-03-15T12:00Z",         /* 16: 2025-03, cluster 1 */
    "2024",                      /* 17: coarse */
};
static const int32_t hand_assign[] = {1, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0};
#define HAND_N ((int32_t)(sizeof hand_dates / sizeof hand_dates[0]))

static pc_timeline *hand_timeline(pc_period period, int32_t min_papers)
{
    pc_timeline_options opt;
    pc_timeline_options_default(&opt);
    opt.period = period;
    opt.min_papers = min_papers;
    opt.min_cluster_papers = 0;
    pc_timeline *t = NULL;
    pc_error err;
    CHECK_INT(pc_timeline_compute(HAND_N, hand_dates, hand_assign, 2, &opt, &t, &err), PC_OK);
    return t;
}

static void counts_papers_per_period(void)
{
    pc_timeline *t = hand_timeline(PC_PERIOD_MONTH, 2);
    if (!t)
        return;
    static const int32_t papers[6] = {1, 0, 0, 2, 4, 4};
    static const int32_t count[6][2] = {{0, 1}, {0, 0}, {0, 0}, {0, 2}, {2, 2}, {3, 1}};
    static const double share0[6] = {0.0, 0.0, 0.0, 0.0, 0.5, 0.75};
    static const char *const labels[6] = {"2024-10", "2024-11", "2024-12",
                                          "2025-01", "2025-02", "2025-03"};
    CHECK_INT(t->k, 2);
    CHECK_INT(t->n_docs, HAND_N);
    CHECK_INT(t->n_periods, 6);
    CHECK_INT(t->n_dated, 11);
    for (int32_t p = 0; p < 6 && p < t->n_periods; p++) {
        char label[PC_PERIOD_LABEL_MAX];
        pc_timeline_label(t, p, label);
        CHECK_STR(label, labels[p]);
        CHECK_INT(t->papers[p], papers[p]);
        CHECK_INT(t->count[p * 2], count[p][0]);
        CHECK_INT(t->count[p * 2 + 1], count[p][1]);
        CHECK_NEAR(t->share[p * 2], share0[p], 1e-15);
        CHECK_NEAR(t->share[p * 2 + 1], t->papers[p] ? 1.0 - share0[p] : 0.0, 1e-15);
        CHECK_INT(t->trended[p], papers[p] >= 2);
    }
    static const int32_t doc_period[HAND_N] = {0, 3, 3, -1, 4, 4, -1, 4, -1,
                                               4, -1, 5, 5, -1, 5, -1, 5, -1};
    for (int32_t i = 0; i < HAND_N; i++)
        CHECK_INT(t->doc_period[i], doc_period[i]);
    pc_timeline_free(t);

    /* By quarter: 2024-Q4 (1 paper) and 2025-Q1 (10, 5 of cluster 0);
     * "2025" and "2024" are still too coarse. */
    t = hand_timeline(PC_PERIOD_QUARTER, 2);
    if (!t)
        return;
    CHECK_INT(t->n_periods, 2);
    CHECK_INT(t->papers[0], 1);
    CHECK_INT(t->papers[1], 10);
    CHECK_INT(t->count[2], 5);
    CHECK_NEAR(t->share[2], 0.5, 1e-15);
    CHECK_INT(t->coarse.count, 2);
    char label[PC_PERIOD_LABEL_MAX];
    pc_timeline_label(t, 1, label);
    CHECK_STR(label, "2025-Q1");
    pc_timeline_free(t);

    /* By year: "2025" and "2024" now count. */
    t = hand_timeline(PC_PERIOD_YEAR, 2);
    if (!t)
        return;
    CHECK_INT(t->n_periods, 2);
    CHECK_INT(t->papers[0], 2);  /* 2024-10-05 and "2024" */
    CHECK_INT(t->papers[1], 11);
    CHECK_INT(t->coarse.count, 0);
    CHECK_INT(t->coarse.first, -1);
    CHECK_INT(t->n_dated, 13);
    pc_timeline_free(t);
}

static void counts_skipped_dates(void)
{
    pc_timeline *t = hand_timeline(PC_PERIOD_MONTH, 2);
    if (!t)
        return;
    CHECK_INT(t->missing.count, 3);
    CHECK_INT(t->missing.first, 3);
    CHECK_INT(t->invalid.count, 2);
    CHECK_INT(t->invalid.first, 6);
    CHECK_STR(hand_dates[t->invalid.first], "foo");
    CHECK_INT(t->coarse.count, 2);
    CHECK_INT(t->coarse.first, 8);
    CHECK_INT(t->n_dated + t->missing.count + t->invalid.count + t->coarse.count, HAND_N);
    pc_timeline_free(t);

    /* By week, the arXiv ids and the months are coarse too. */
    t = hand_timeline(PC_PERIOD_WEEK, 2);
    if (!t)
        return;
    CHECK_INT(t->coarse.count, 7); /* 1, 4, 5, 8, 11, 14, 17 */
    CHECK_INT(t->coarse.first, 1);
    CHECK_INT(t->n_dated, 6);
    CHECK_INT(t->invalid.count, 2);
    pc_timeline_free(t);

    /* Nothing dated: an empty table, not an error. */
    const char *none[] = {"foo", NULL, "2025"};
    int32_t assign[] = {0, 0, 0};
    pc_timeline_options opt;
    pc_timeline_options_default(&opt);
    CHECK_INT(pc_timeline_compute(3, none, assign, 1, &opt, &t, NULL), PC_OK);
    if (!t)
        return;
    CHECK_INT(t->n_periods, 0);
    CHECK_INT(t->n_dated, 0);
    CHECK_INT(t->n_trended, 0);
    CHECK(isnan(t->trend[0]));
    CHECK_INT(t->invalid.first, 0);
    CHECK_INT(t->missing.first, 1);
    CHECK_INT(t->coarse.first, 2);
    int32_t movers[1];
    CHECK_INT(pc_timeline_rising(t, 1, movers), 0);
    pc_timeline_free(t);

    /* With input positions, `first` is the earliest in the input, not the lowest index. */
    const char *bad[] = {"foo", "2025-01", "bar", "baz", NULL, ""};
    const int32_t position[] = {4, 0, 2, 1, 5, 3};
    int32_t assign6[] = {0, 0, 0, 0, 0, 0};
    memset(&opt, 0xff, sizeof opt);
    pc_timeline_options_default(&opt);
    CHECK(opt.input_index == NULL);
    opt.input_index = position;
    CHECK_INT(pc_timeline_compute(6, bad, assign6, 1, &opt, &t, NULL), PC_OK);
    if (!t)
        return;
    CHECK_INT(t->invalid.count, 3);
    CHECK_INT(t->invalid.first, 3); /* "baz", input position 1 */
    CHECK_INT(t->missing.count, 2);
    CHECK_INT(t->missing.first, 5); /* "", input position 3 */
    pc_timeline_free(t);
}

static void computes_weighted_trend(void)
{
    /*
     * min_papers 2: 2024-10 (1 paper) and the two empty months stay out.
     * Trended: index x = 3, 4, 5 with weights w = 2, 4, 4 and cluster 0
     * counts 0, 2, 3 (shares 0, 0.5, 0.75).
     *   x̄       = (2·3 + 4·4 + 4·5) / 10 = 42 / 10 = 4.2
     *   x - x̄   = -1.2, -0.2, 0.8
     *   Σw(x-x̄)² = 2·1.44 + 4·0.04 + 4·0.64 = 2.88 + 0.16 + 2.56 = 5.6
     *   Σ(x-x̄)·count0 = -1.2·0 - 0.2·2 + 0.8·3 = 2.0   → trend0 =  2/5.6 =  5/14
     *   Σ(x-x̄)·count1 = -1.2·2 - 0.2·2 + 0.8·1 = -2.0 → trend1 = -5/14
     * (Unweighted, the slope of 0, 0.5, 0.75 would be 0.375; with 2024-10
     * in, 43/238 ≈ 0.181: see min_papers 0 below.)
     */
    pc_timeline *t = hand_timeline(PC_PERIOD_MONTH, 2);
    if (!t)
        return;
    CHECK_INT(t->n_trended, 3);
    CHECK_NEAR(t->trend[0], 5.0 / 14.0, 1e-12);
    CHECK_NEAR(t->trend[1], -5.0 / 14.0, 1e-12);
    CHECK_INT(t->trend_papers[0], 5);
    CHECK_INT(t->trend_papers[1], 5);
    pc_timeline_free(t);

    /*
     * min_papers 0: every non-empty month, 2024-10 included (x = 0, w = 1,
     * count0 = 0), but not the empty ones.
     *   x̄ = (0 + 6 + 16 + 20) / 11 = 42/11
     *   Σw(x-x̄)² = Σ w x² - (Σ w x)²/Σ w = (0 + 18 + 64 + 100) - 1764/11
     *            = (2002 - 1764)/11 = 238/11
     *   Σ(x-x̄)·count0 = Σ x·count0 - x̄·Σ count0 = (4·2 + 5·3) - 42/11·5
     *                 = (253 - 210)/11 = 43/11
     *   trend0 = (43/11) / (238/11) = 43/238
     */
    t = hand_timeline(PC_PERIOD_MONTH, 0);
    if (!t)
        return;
    CHECK_INT(t->n_trended, 4);
    CHECK_NEAR(t->trend[0], 43.0 / 238.0, 1e-12);
    CHECK_NEAR(t->trend[0] + t->trend[1], 0.0, 1e-12);
    pc_timeline_free(t);

    /* min_papers 3: two months left, 2025-02 and 2025-03 with 4 papers each:
     * the slope is the share's step, 0.75 - 0.5 = 0.25. */
    t = hand_timeline(PC_PERIOD_MONTH, 3);
    if (!t)
        return;
    CHECK_INT(t->n_trended, 2);
    CHECK_NEAR(t->trend[0], 0.25, 1e-12);
    CHECK_INT(t->trend_papers[0], 5);
    CHECK_INT(t->trend_papers[1], 3);
    pc_timeline_free(t);

    /* min_papers 5: no month qualifies; one quarter with 10 papers is one
     * period only: no slope either way. */
    t = hand_timeline(PC_PERIOD_MONTH, 5);
    if (!t)
        return;
    CHECK_INT(t->n_trended, 0);
    CHECK(isnan(t->trend[0]) && isnan(t->trend[1]));
    CHECK_INT(t->trend_papers[0], 0);
    pc_timeline_free(t);
    t = hand_timeline(PC_PERIOD_QUARTER, 2);
    if (!t)
        return;
    CHECK_INT(t->n_trended, 1);
    CHECK(isnan(t->trend[0]) && isnan(t->trend[1]));
    pc_timeline_free(t);
}

static void names_rising_and_falling_clusters(void)
{
    /*
     * 4 clusters over months 2025-01 .. 2025-03, 10 papers a month, so every
     * month weighs 10: x̄ = 1, Σw(x-x̄)² = 10·(1 + 0 + 1) = 20, and a slope
     * is Σ(x-x̄)·count / 20 = (March count - January count) / 20:
     *   cluster 0: 1, 2, 3 papers → (3 - 1)/20 = +0.1
     *   cluster 1: 4, 4, 2        → (2 - 4)/20 = -0.1
     *   cluster 2: 4, 3, 2        → (2 - 4)/20 = -0.1
     *   cluster 3: 1, 1, 3        → (3 - 1)/20 = +0.1, from 5 papers only
     */
    static const int32_t per_month[3][4] = {{1, 4, 4, 1}, {2, 4, 3, 1}, {3, 2, 2, 3}};
    static const char *const months[3] = {"2025-01-15", "2025-02-15", "2025-03-15"};
    const char *dates[30];
    int32_t assign[30], n = 0;
    for (int m = 0; m < 3; m++)
        for (int32_t c = 0; c < 4; c++)
            for (int j = 0; j < per_month[m][c]; j++) {
                dates[n] = months[m];
                assign[n++] = c;
            }
    CHECK_INT(n, 30);
    pc_timeline_options opt;
    pc_timeline_options_default(&opt);
    opt.min_papers = 10;
    opt.min_cluster_papers = 5;
    pc_timeline *t = NULL;
    CHECK_INT(pc_timeline_compute(n, dates, assign, 4, &opt, &t, NULL), PC_OK);
    if (!t)
        return;
    CHECK_NEAR(t->trend[0], 0.1, 1e-12);
    CHECK_NEAR(t->trend[1], -0.1, 1e-12);
    CHECK_NEAR(t->trend[2], -0.1, 1e-12);
    CHECK_NEAR(t->trend[3], 0.1, 1e-12);
    int32_t out[4] = {-1, -1, -1, -1};
    /* Rising: 0 and 3 tie at +0.1; cluster 3 has 5 papers, enough. */
    CHECK_INT(pc_timeline_rising(t, 4, out), 2);
    CHECK_INT(out[0], 0);
    CHECK_INT(out[1], 3);
    CHECK_INT(pc_timeline_rising(t, 1, out), 1);
    CHECK_INT(out[0], 0);
    CHECK_INT(pc_timeline_rising(t, 0, NULL), 0);
    /* Falling: 1 and 2 tie at -0.1. */
    CHECK_INT(pc_timeline_falling(t, 4, out), 2);
    CHECK_INT(out[0], 1);
    CHECK_INT(out[1], 2);
    /* With 6 papers needed, cluster 3 (5 papers) is not named. */
    t->options.min_cluster_papers = 6;
    CHECK_INT(pc_timeline_rising(t, 4, out), 1);
    CHECK_INT(out[0], 0);
    pc_timeline_free(t);

    /* Unequal trends: the largest first.  A March paper of cluster 2 (March
     * holds documents 20..29 as 3 of cluster 0, 2 of 1, 2 of 2, 3 of 3, so
     * document 25) moves to cluster 0: 0 → 1, 2, 4 (+0.15), 2 → 4, 3, 1 (-0.15). */
    CHECK_INT(assign[25], 2);
    assign[25] = 0;
    CHECK_INT(pc_timeline_compute(n, dates, assign, 4, &opt, &t, NULL), PC_OK);
    if (!t)
        return;
    CHECK_NEAR(t->trend[0], 0.15, 1e-12);
    CHECK_NEAR(t->trend[2], -0.15, 1e-12);
    CHECK_INT(pc_timeline_rising(t, 4, out), 2);
    CHECK_INT(out[0], 0);
    CHECK_INT(out[1], 3);
    CHECK_INT(pc_timeline_falling(t, 4, out), 2);
    CHECK_INT(out[0], 2);
    CHECK_INT(out[1], 1);
    pc_timeline_free(t);
}

static void refuses_bad_arguments(void)
{
    const char *dates[] = {"2025-01", "2025-02"};
    int32_t assign[] = {0, 2};
    pc_timeline_options opt;
    pc_timeline_options_default(&opt);
    CHECK_INT(opt.period, PC_PERIOD_MONTH);
    CHECK_INT(opt.min_papers, 20);
    CHECK_INT(opt.min_cluster_papers, 30);
    pc_timeline *t = NULL;
    pc_error err;
    CHECK_INT(pc_timeline_compute(2, dates, assign, 2, &opt, &t, &err), PC_ERR_INVALID);
    CHECK_STR(err.message, "timeline: document 1 is in cluster 2, outside 0..1");
    CHECK(t == NULL);
    assign[1] = -1;
    CHECK_INT(pc_timeline_compute(2, dates, assign, 2, &opt, &t, NULL), PC_ERR_INVALID);
    assign[1] = 1;
    CHECK_INT(pc_timeline_compute(2, dates, assign, 0, &opt, &t, NULL), PC_ERR_INVALID);
    CHECK_INT(pc_timeline_compute(-1, dates, assign, 2, &opt, &t, NULL), PC_ERR_INVALID);
    CHECK_INT(pc_timeline_compute(2, NULL, assign, 2, &opt, &t, NULL), PC_ERR_INVALID);
    opt.min_papers = -1;
    CHECK_INT(pc_timeline_compute(2, dates, assign, 2, &opt, &t, NULL), PC_ERR_INVALID);
    pc_timeline_options_default(&opt);
    opt.min_cluster_papers = -1;
    CHECK_INT(pc_timeline_compute(2, dates, assign, 2, &opt, &t, NULL), PC_ERR_INVALID);
    pc_timeline_options_default(&opt);
    opt.period = (pc_period)7;
    CHECK_INT(pc_timeline_compute(2, dates, assign, 2, &opt, &t, NULL), PC_ERR_INVALID);
    pc_date date = {2025, 3, 17, PC_DATE_DAY};
    int32_t ordinal;
    CHECK_INT(pc_date_period(&date, (pc_period)7, &ordinal), PC_ERR_INVALID);
    static const pc_date not_dates[] = {
        {2025, 13, 0, PC_DATE_MONTH}, {2025, 0, 0, PC_DATE_MONTH}, {2023, 2, 29, PC_DATE_DAY},
        {1899, 12, 31, PC_DATE_DAY},  {10000, 1, 1, PC_DATE_DAY},  {2025, 3, 0, PC_DATE_DAY},
        {2025, 3, 17, (pc_date_precision)0},
    };
    for (size_t i = 0; i < sizeof not_dates / sizeof not_dates[0]; i++)
        CHECK_INT(pc_date_period(&not_dates[i], PC_PERIOD_WEEK, &ordinal), PC_ERR_INVALID);
    CHECK_INT(pc_date_period(&not_dates[0], PC_PERIOD_YEAR, &ordinal), PC_ERR_INVALID);
    pc_timeline_options_default(&opt);
    CHECK_INT(pc_timeline_compute(2, dates, assign, 2, &opt, &t, NULL), PC_OK);
    pc_timeline_free(t);
    CHECK_INT(pc_timeline_compute(0, NULL, NULL, 1, &opt, &t, NULL), PC_OK);
    if (t)
        CHECK_INT(t->n_periods, 0);
    pc_timeline_free(t);
    pc_timeline_free(NULL);
}

/* Every allocation fails in turn: PC_ERR_NOMEM and no leak (the sanitizer
 * build checks), then success once the budget suffices. */
static void survives_allocation_failures(void)
{
    int succeeded = 0;
    for (long n = 1; n < 30 && !succeeded; n++) {
        pc_timeline_options opt;
        pc_timeline_options_default(&opt);
        pc_timeline *t = NULL;
        pc_error err;
        pc_alloc_fail_after(n);
        pc_status st = pc_timeline_compute(HAND_N, hand_dates, hand_assign, 2, &opt, &t, &err);
        pc_alloc_fail_after(0);
        if (st == PC_OK) {
            succeeded = 1;
            CHECK_INT(n, 9); /* 8 allocations */
        } else {
            CHECK_INT(st, PC_ERR_NOMEM);
            CHECK(t == NULL);
            CHECK_STR(err.message, "out of memory while building the timeline");
        }
        pc_timeline_free(t);
    }
    CHECK(succeeded);
}

int main(void)
{
    RUN_TEST(parses_iso_dates);
    RUN_TEST(parses_arxiv_identifiers);
    RUN_TEST(refuses_malformed_dates);
    RUN_TEST(knows_leap_years);
    RUN_TEST(labels_iso_weeks);
    RUN_TEST(labels_years_quarters_months);
    RUN_TEST(names_periods);
    RUN_TEST(counts_papers_per_period);
    RUN_TEST(counts_skipped_dates);
    RUN_TEST(computes_weighted_trend);
    RUN_TEST(names_rising_and_falling_clusters);
    RUN_TEST(refuses_bad_arguments);
    RUN_TEST(survives_allocation_failures);
    return TEST_EXIT();
}
