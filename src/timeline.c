/*
 * timeline.c — topics over time.
 *
 * Dates are read by a small hand-written recursive-descent parser over the
 * trimmed text: strptime() and timegm() depend on the locale and the TZ
 * variable and accept more than they should, and none of the project's
 * libraries parses dates.  Every field is read with an exact digit count and
 * checked against its range; the parser must end exactly at the end of the
 * trimmed text.
 *
 * Periods become integers that step by one: year, year × 4 + quarter,
 * year × 12 + month, and for ISO weeks the number of whole weeks since Monday
 * 1900-01-01 (a Monday, so a date's week is its day number / 7).  Day numbers
 * come from the proleptic Gregorian calendar with March-based years, as in
 * Howard Hinnant's "chrono-Compatible Low-Level Date Algorithms"
 * (days_from_civil / civil_from_days); a week's ISO year is the year of its
 * Thursday, and its number counts from the week holding that year's first
 * Thursday.
 *
 * The table: one pass parses every date and finds the first and last period;
 * a second pass counts papers per (period, cluster) into a dense
 * periods × k array; shares and the trend follow from the counts.  The trend
 * is a weighted least-squares slope whose numerator needs only the counts
 * (Σ w (x - x̄)(y - ȳ) = Σ (x - x̄) count, because w·y = count and
 * Σ w (x - x̄) = 0), so it costs one pass over the trended rows of the table.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "paperclust/timeline.h"

/* ---- dates ---- */

#define MIN_YEAR 1900
#define MAX_YEAR 9999
/* Days from 0000-03-01 (Hinnant's epoch shifted to non-negative eras) to 1900-01-01. */
#define DAY_1900_01_01 693901

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

static int is_letter(char c)
{
    return is_lower(c) || (c >= 'A' && c <= 'Z');
}

/* Reads exactly n digits at *p (not past end) into *value and advances *p; 0 when absent. */
static int read_digits(const char **p, const char *end, int n, int32_t *value)
{
    if (end - *p < n)
        return 0;
    int32_t v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (!is_digit(c))
            return 0;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *value = v;
    return 1;
}

static int accept(const char **p, const char *end, char c)
{
    if (*p < end && **p == c) {
        (*p)++;
        return 1;
    }
    return 0;
}

static int is_leap_year(int32_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int32_t days_in_month(int32_t year, int32_t month)
{
    static const int32_t days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap_year(year) ? 29 : days[month - 1];
}

/* Days since 0000-03-01 of a valid Gregorian date (year >= 0). */
static int32_t day_number(int32_t year, int32_t month, int32_t day)
{
    int32_t y = month <= 2 ? year - 1 : year;
    int32_t era = y / 400;
    int32_t year_of_era = y - era * 400;
    int32_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    int32_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era;
}

/* The inverse of day_number (z >= 0). */
static void civil_date(int32_t z, int32_t *year, int32_t *month, int32_t *day)
{
    int32_t era = z / 146097;
    int32_t day_of_era = z - era * 146097;
    int32_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int32_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int32_t mp = (5 * day_of_year + 2) / 153;
    *day = day_of_year - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = year_of_era + era * 400 + (*month <= 2);
}

/* ISO 8601 time after the date: hh:mm[:ss[(.|,)digits]][zone]. */
static int parse_time(const char **p, const char *end)
{
    int32_t hour, minute, second, zone_hour, zone_minute;
    if (!read_digits(p, end, 2, &hour) || hour > 23 || !accept(p, end, ':') ||
        !read_digits(p, end, 2, &minute) || minute > 59)
        return 0;
    if (accept(p, end, ':')) {
        if (!read_digits(p, end, 2, &second) || second > 60)
            return 0;
        if (accept(p, end, '.') || accept(p, end, ',')) {
            if (*p == end || !is_digit(**p))
                return 0;
            while (*p < end && is_digit(**p))
                (*p)++;
        }
    }
    if (accept(p, end, 'Z') || accept(p, end, 'z'))
        return 1;
    if (accept(p, end, '+') || accept(p, end, '-')) {
        if (!read_digits(p, end, 2, &zone_hour) || zone_hour > 23)
            return 0;
        int colon = accept(p, end, ':');
        if (colon || (*p < end && is_digit(**p)))
            if (!read_digits(p, end, 2, &zone_minute) || zone_minute > 59)
                return 0;
    }
    return 1;
}

/* ISO 8601 extended format: YYYY[-MM[-DD[(T|t| )time]]]. */
static int parse_iso(const char *p, const char *end, pc_date *date)
{
    int32_t year, month = 0, day = 0;
    pc_date_precision precision = PC_DATE_YEAR;
    if (!read_digits(&p, end, 4, &year) || year < MIN_YEAR)
        return 0;
    if (accept(&p, end, '-')) {
        if (!read_digits(&p, end, 2, &month) || month < 1 || month > 12)
            return 0;
        precision = PC_DATE_MONTH;
        if (accept(&p, end, '-')) {
            if (!read_digits(&p, end, 2, &day) || day < 1 || day > days_in_month(year, month))
                return 0;
            precision = PC_DATE_DAY;
            if (accept(&p, end, 'T') || accept(&p, end, 't') || accept(&p, end, ' '))
                if (!parse_time(&p, end))
                    return 0;
        }
    }
    if (p != end)
        return 0;
    *date = (pc_date){year, month, day, precision};
    return 1;
}

/* "v" and a version number starting with 1..9, or nothing. */
static int parse_version(const char **p, const char *end)
{
    if (!accept(p, end, 'v'))
        return 1;
    if (*p == end || **p < '1' || **p > '9')
        return 0;
    while (*p < end && is_digit(**p))
        (*p)++;
    return 1;
}

/* New-style arXiv identifier: YYMM.NNNN (0704..1412) or YYMM.NNNNN (1501..9912), [vV]. */
static int parse_arxiv_new(const char *p, const char *end, pc_date *date)
{
    int32_t yy, mm, number;
    if (!read_digits(&p, end, 2, &yy) || !read_digits(&p, end, 2, &mm) || !accept(&p, end, '.'))
        return 0;
    int32_t yymm = yy * 100 + mm;
    if (mm < 1 || mm > 12 || yymm < 704)
        return 0;
    if (!read_digits(&p, end, yymm <= 1412 ? 4 : 5, &number) || number == 0)
        return 0;
    if (!parse_version(&p, end) || p != end)
        return 0;
    *date = (pc_date){2000 + yy, mm, 0, PC_DATE_MONTH};
    return 1;
}

/* Old-style arXiv identifier: archive[.subject]/YYMMNNN[vV], 9108..0703. */
static int parse_arxiv_old(const char *p, const char *end, pc_date *date)
{
    /* archive: lower-case letters, optionally '-' and lower-case letters (hep-th) */
    const char *start = p;
    while (p < end && is_lower(*p))
        p++;
    if (p == start)
        return 0;
    if (accept(&p, end, '-')) {
        start = p;
        while (p < end && is_lower(*p))
            p++;
        if (p == start)
            return 0;
    }
    /* subject class: letters and '-', two or more (GT, CA) */
    if (accept(&p, end, '.')) {
        start = p;
        while (p < end && (is_letter(*p) || *p == '-'))
            p++;
        if (p - start < 2)
            return 0;
    }
    int32_t yy, mm, number;
    if (!accept(&p, end, '/') || !read_digits(&p, end, 2, &yy) || !read_digits(&p, end, 2, &mm) ||
        !read_digits(&p, end, 3, &number))
        return 0;
    if (mm < 1 || mm > 12 || number == 0 || !parse_version(&p, end) || p != end)
        return 0;
    int32_t year = yy >= 91 ? 1900 + yy : 2000 + yy;
    int32_t months = year * 12 + mm - 1;
    if (months < 1991 * 12 + 7 || months > 2007 * 12 + 2) /* 1991-08 .. 2007-03 */
        return 0;
    *date = (pc_date){year, mm, 0, PC_DATE_MONTH};
    return 1;
}

static int starts_with_arxiv_prefix(const char *p, const char *end)
{
    static const char prefix[] = "arxiv:";
    if (end - p < 6)
        return 0;
    for (int i = 0; i < 6; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != prefix[i])
            return 0;
    }
    return 1;
}

pc_status pc_date_parse(const char *text, pc_date *date)
{
    *date = (pc_date){0, 0, 0, 0};
    if (!text)
        return PC_ERR_EMPTY;
    const char *p = text, *end = text + strlen(text);
    while (p < end && is_space(*p))
        p++;
    while (end > p && is_space(end[-1]))
        end--;
    if (p == end)
        return PC_ERR_EMPTY;
    int ok;
    if (starts_with_arxiv_prefix(p, end)) {
        p += 6;
        ok = parse_arxiv_new(p, end, date) || parse_arxiv_old(p, end, date);
    } else if (end - p >= 5 && is_digit(p[0]) && p[4] == '.') {
        ok = parse_arxiv_new(p, end, date);
    } else if (memchr(p, '/', (size_t)(end - p))) {
        ok = parse_arxiv_old(p, end, date);
    } else {
        ok = parse_iso(p, end, date);
    }
    if (!ok) {
        *date = (pc_date){0, 0, 0, 0};
        return PC_ERR_FORMAT;
    }
    return PC_OK;
}

/* ---- periods ---- */

static const char *const period_names[] = {"year", "quarter", "month", "week"};

static int valid_period(pc_period period)
{
    return (int)period >= (int)PC_PERIOD_YEAR && (int)period <= (int)PC_PERIOD_WEEK;
}

const char *pc_period_name(pc_period period)
{
    return valid_period(period) ? period_names[period] : NULL;
}

pc_status pc_period_parse(const char *name, pc_period *period, pc_error *err)
{
    for (int i = 0; name && i < 4; i++) {
        if (strcmp(name, period_names[i]) == 0) {
            *period = (pc_period)i;
            return PC_OK;
        }
    }
    char shown[PC_MESSAGE_NAME_MAX];
    return pc_fail(err, PC_ERR_INVALID,
                   "unknown period '%s': expected year, quarter, month or week",
                   name ? pc_message_text(shown, sizeof shown, name, strlen(name)) : "");
}

/* A date pc_date_parse() could have produced (callers may build their own). */
static int valid_date(const pc_date *date)
{
    if (date->year < MIN_YEAR || date->year > MAX_YEAR || date->precision < PC_DATE_YEAR ||
        date->precision > PC_DATE_DAY)
        return 0;
    if (date->precision >= PC_DATE_MONTH && (date->month < 1 || date->month > 12))
        return 0;
    return date->precision < PC_DATE_DAY ||
           (date->day >= 1 && date->day <= days_in_month(date->year, date->month));
}

pc_status pc_date_period(const pc_date *date, pc_period period, int32_t *ordinal)
{
    if (!valid_date(date))
        return PC_ERR_INVALID;
    switch (period) {
    case PC_PERIOD_YEAR:
        if (date->precision < PC_DATE_YEAR)
            return PC_ERR_INVALID;
        *ordinal = date->year;
        return PC_OK;
    case PC_PERIOD_QUARTER:
        if (date->precision < PC_DATE_MONTH)
            return PC_ERR_INVALID;
        *ordinal = date->year * 4 + (date->month - 1) / 3;
        return PC_OK;
    case PC_PERIOD_MONTH:
        if (date->precision < PC_DATE_MONTH)
            return PC_ERR_INVALID;
        *ordinal = date->year * 12 + date->month - 1;
        return PC_OK;
    case PC_PERIOD_WEEK:
        if (date->precision < PC_DATE_DAY)
            return PC_ERR_INVALID;
        *ordinal = (day_number(date->year, date->month, date->day) - DAY_1900_01_01) / 7;
        return PC_OK;
    }
    return PC_ERR_INVALID;
}

/* Writes value (>= 0) as exactly `width` decimal digits; returns the end. */
static char *put_digits(char *out, int32_t value, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        out[i] = (char)('0' + value % 10);
        value /= 10;
    }
    return out + width;
}

void pc_period_label(pc_period period, int32_t ordinal, char *label)
{
    int32_t year = -1, number = 0, digits = 0;
    char tag = 0;
    switch (period) {
    case PC_PERIOD_YEAR:
        year = ordinal;
        break;
    case PC_PERIOD_QUARTER:
        year = ordinal / 4;
        tag = 'Q';
        number = ordinal % 4 + 1;
        digits = 1;
        break;
    case PC_PERIOD_MONTH:
        year = ordinal / 12;
        number = ordinal % 12 + 1;
        digits = 2;
        break;
    case PC_PERIOD_WEEK:
        /* The week's Thursday decides its ISO year; week 01 holds that year's
         * first Thursday, so the week number is (Thursday's day of year) / 7 + 1. */
        if (ordinal >= 0 && ordinal <= (day_number(MAX_YEAR, 12, 31) - DAY_1900_01_01) / 7) {
            int32_t month, day, thursday = DAY_1900_01_01 + ordinal * 7 + 3;
            civil_date(thursday, &year, &month, &day);
            tag = 'W';
            number = (thursday - day_number(year, 1, 1)) / 7 + 1;
            digits = 2;
        }
        break;
    }
    if (ordinal < 0 || year < MIN_YEAR || year > MAX_YEAR) {
        strcpy(label, "?"); /* not an ordinal from pc_date_period() */
        return;
    }
    char *out = put_digits(label, year, 4);
    if (digits > 0) {
        *out++ = '-';
        if (tag)
            *out++ = tag;
        out = put_digits(out, number, digits);
    }
    *out = '\0';
}

/* ---- the table ---- */

void pc_timeline_options_default(pc_timeline_options *opt)
{
    opt->period = PC_PERIOD_MONTH;
    opt->min_papers = 20;
    opt->min_cluster_papers = 30;
    opt->input_index = NULL;
}

/* Counts document i as skipped; `first` stays the earliest in the input. */
static void skip(pc_timeline_skipped *skipped, int32_t i, const int32_t *input_index)
{
    if (skipped->count++ == 0 ||
        (input_index && input_index[i] < input_index[skipped->first]))
        skipped->first = i;
}

/*
 * First pass: each document's period ordinal into doc_period (or -1), the
 * skipped counts, and the range [*lo, *hi] of ordinals (lo > hi when none).
 */
static void date_documents(pc_timeline *t, const char *const *dates, int32_t *lo, int32_t *hi)
{
    *lo = INT32_MAX;
    *hi = INT32_MIN;
    for (int32_t i = 0; i < t->n_docs; i++) {
        pc_date date;
        int32_t ordinal;
        t->doc_period[i] = -1;
        pc_status st = pc_date_parse(dates[i], &date);
        if (st == PC_ERR_EMPTY)
            skip(&t->missing, i, t->options.input_index);
        else if (st != PC_OK)
            skip(&t->invalid, i, t->options.input_index);
        else if (pc_date_period(&date, t->options.period, &ordinal) != PC_OK)
            skip(&t->coarse, i, t->options.input_index);
        else {
            t->doc_period[i] = ordinal;
            *lo = ordinal < *lo ? ordinal : *lo;
            *hi = ordinal > *hi ? ordinal : *hi;
        }
    }
}

/*
 * The weighted least-squares slope of every cluster's share over the trended
 * periods (see timeline.h).  x is measured from the first period, so the sums
 * stay small; Σ w (x - x̄)² is accumulated around x̄ (two passes), not as
 * Σ w x² - (Σ w x)²/Σ w, which cancels badly for long ranges.
 */
static void compute_trends(pc_timeline *t)
{
    int32_t k = t->k;
    double weight = 0.0, weighted_x = 0.0;
    for (int32_t p = 0; p < t->n_periods; p++) {
        if (!t->trended[p])
            continue;
        weight += t->papers[p];
        weighted_x += (double)t->papers[p] * p;
        for (int32_t c = 0; c < k; c++)
            t->trend_papers[c] += t->count[(size_t)p * k + c];
    }
    if (t->n_trended < 2) {
        for (int32_t c = 0; c < k; c++)
            t->trend[c] = NAN;
        return;
    }
    double mean_x = weighted_x / weight, sxx = 0.0;
    for (int32_t p = 0; p < t->n_periods; p++) {
        if (!t->trended[p])
            continue;
        double dx = p - mean_x;
        sxx += t->papers[p] * dx * dx;
        for (int32_t c = 0; c < k; c++)
            t->trend[c] += dx * t->count[(size_t)p * k + c]; /* Σ (x - x̄) count_c */
    }
    for (int32_t c = 0; c < k; c++)
        t->trend[c] /= sxx;
}

static pc_status check_arguments(int32_t n_docs, const char *const *dates, const int32_t *assign,
                                 int32_t k, const pc_timeline_options *opt, pc_error *err)
{
    if (n_docs < 0 || k < 1)
        return pc_fail(err, PC_ERR_INVALID, "timeline: %d documents and %d clusters",
                       (int)n_docs, (int)k);
    if (n_docs > 0 && (!dates || !assign))
        return pc_fail(err, PC_ERR_INVALID, "timeline: no dates or no cluster assignment");
    if (!valid_period(opt->period))
        return pc_fail(err, PC_ERR_INVALID, "timeline: unknown period %d", (int)opt->period);
    if (opt->min_papers < 0 || opt->min_cluster_papers < 0)
        return pc_fail(err, PC_ERR_INVALID, "timeline: negative minimum number of papers");
    for (int32_t i = 0; i < n_docs; i++)
        if (assign[i] < 0 || assign[i] >= k)
            return pc_fail(err, PC_ERR_INVALID,
                           "timeline: document %d is in cluster %d, outside 0..%d", (int)i,
                           (int)assign[i], (int)(k - 1));
    return PC_OK;
}

pc_status pc_timeline_compute(int32_t n_docs, const char *const *dates, const int32_t *assign,
                              int32_t k, const pc_timeline_options *opt, pc_timeline **out,
                              pc_error *err)
{
    *out = NULL;
    pc_status status = check_arguments(n_docs, dates, assign, k, opt, err);
    if (status != PC_OK)
        return status;
    pc_timeline *t = pc_calloc(1, sizeof *t);
    if (!t)
        return pc_fail_nomem(err, "building the timeline");
    t->options = *opt;
    t->k = k;
    t->n_docs = n_docs;
    t->missing.first = t->invalid.first = t->coarse.first = -1;
    t->doc_period = pc_malloc_array((size_t)n_docs, sizeof *t->doc_period);
    t->trend = pc_calloc((size_t)k, sizeof *t->trend);
    t->trend_papers = pc_calloc((size_t)k, sizeof *t->trend_papers);
    if (!t->doc_period || !t->trend || !t->trend_papers)
        goto nomem;

    int32_t lo, hi;
    date_documents(t, dates, &lo, &hi);
    t->n_periods = lo <= hi ? hi - lo + 1 : 0; /* <= 422,000: ordinals come from 1900..9999 */
    t->first = lo <= hi ? lo : 0;
    size_t cells = (size_t)t->n_periods * (size_t)k; /* n_periods < 2^19, k < 2^31: no overflow */
    t->papers = pc_calloc((size_t)t->n_periods, sizeof *t->papers);
    t->count = pc_calloc(cells, sizeof *t->count);
    t->share = pc_malloc_array(cells, sizeof *t->share);
    t->trended = pc_calloc((size_t)t->n_periods, sizeof *t->trended);
    if (!t->papers || !t->count || !t->share || !t->trended)
        goto nomem;

    /* Second pass: counts.  n_docs increments into a periods × k array. */
    for (int32_t i = 0; i < n_docs; i++) {
        if (t->doc_period[i] < 0)
            continue;
        int32_t p = t->doc_period[i] - t->first;
        t->doc_period[i] = p;
        t->papers[p]++;
        t->count[(size_t)p * k + assign[i]]++;
        t->n_dated++;
    }
    for (int32_t p = 0; p < t->n_periods; p++) {
        for (int32_t c = 0; c < k; c++) {
            size_t cell = (size_t)p * k + c;
            t->share[cell] = t->papers[p] > 0 ? (double)t->count[cell] / t->papers[p] : 0.0;
        }
        t->trended[p] = t->papers[p] > 0 && t->papers[p] >= opt->min_papers;
        t->n_trended += t->trended[p];
    }
    compute_trends(t);
    *out = t;
    return PC_OK;
nomem:
    pc_timeline_free(t);
    return pc_fail_nomem(err, "building the timeline");
}

void pc_timeline_label(const pc_timeline *timeline, int32_t p, char *label)
{
    pc_period_label(timeline->options.period, timeline->first + p, label);
}

/*
 * Up to `max` eligible clusters with sign × trend > 0, the largest first
 * (ties: lower cluster), by insertion into a sorted prefix: O(k × max).
 */
static int32_t movers(const pc_timeline *t, int sign, int32_t max, int32_t *clusters)
{
    int32_t n = 0;
    for (int32_t c = 0; c < t->k && max > 0; c++) {
        double v = sign * t->trend[c];
        if (!(v > 0.0) || t->trend_papers[c] < t->options.min_cluster_papers)
            continue; /* also skips NaN */
        if (n == max && !(v > sign * t->trend[clusters[n - 1]]))
            continue;
        int32_t pos = n < max ? n : max - 1;
        while (pos > 0 && v > sign * t->trend[clusters[pos - 1]]) {
            clusters[pos] = clusters[pos - 1];
            pos--;
        }
        clusters[pos] = c;
        if (n < max)
            n++;
    }
    return n;
}

int32_t pc_timeline_rising(const pc_timeline *timeline, int32_t max, int32_t *clusters)
{
    return movers(timeline, 1, max, clusters);
}

int32_t pc_timeline_falling(const pc_timeline *timeline, int32_t max, int32_t *clusters)
{
    return movers(timeline, -1, max, clusters);
}

void pc_timeline_free(pc_timeline *timeline)
{
    if (!timeline)
        return;
    free(timeline->papers);
    free(timeline->count);
    free(timeline->share);
    free(timeline->trended);
    free(timeline->trend);
    free(timeline->trend_papers);
    free(timeline->doc_period);
    free(timeline);
}
