/*
 * timeline.h — topics over time: each paper's date, the papers of each
 * cluster per period (year, quarter, month or ISO week), each cluster's share
 * of every period, and one trend figure per cluster.
 *
 * Dates.  pc_date_parse() reads one value, strictly, with no locale or time
 * zone lookup.  Leading and trailing ASCII white space is ignored; anything
 * else that is not part of one of these forms makes the value invalid:
 *
 *   ISO 8601 (extended format)           precision
 *     2025                               year
 *     2025-03                            month
 *     2025-03-17                         day
 *     2025-03-17T10:22  2025-03-17 10:22 day: a time after 'T', 't' or one
 *     2025-03-17T10:22:00.5Z             space: hh:mm, hh:mm:ss or
 *     2025-03-17T10:22:00+02:00          hh:mm:ss followed by '.' or ','
 *                                        and digits; then optionally a zone
 *                                        'Z', 'z', ±hh, ±hhmm or ±hh:mm.
 *   arXiv identifier, optionally prefixed "arXiv:" (any case)
 *     2503.11731  2503.11731v2           month: YYMM.NNNNN, 2015-01 (1501) on
 *     0704.0001   1412.7878v1            month: YYMM.NNNN, 2007-04 (0704) to
 *                                        2014-12 (1412).  YY 07..99 is
 *                                        2007..2099; YY 00..06 is refused.
 *     hep-th/9901001  math.GT/0309136    month: archive[.subject]/YYMMNNN,
 *     cond-mat/0102536v1                 1991-08 (9108) to 2007-03 (0703);
 *                                        YY 91..99 is 1991..1999, 00..07 is
 *                                        2000..2007.
 *
 *   Ranges: year 1900..9999 (four digits); month 01..12; day 01 to the last
 *   day of the month (February 29 in Gregorian leap years only: 2000 and 2024
 *   yes, 1900 and 2023 no); hour 00..23, minute 00..59, second 00..60 (60: a
 *   leap second, as RFC 3339); zone hour 00..23, zone minute 00..59.  Every
 *   field has exactly the digits shown.  arXiv: month 01..12, a sequence
 *   number of the width its month used and not all zeros, a version "v" and
 *   digits not starting with 0; the archive is lower-case letters with at
 *   most one '-' part (hep-th, cond-mat), the subject class two or more
 *   letters and '-' (GT, CA).  Refused, among others: "25", "2025-3", "20250317" (ISO basic
 *   format), "2025-13", "2025-02-30", "2025-03-17T24:00", "1899-12-31",
 *   "2513.00001" (month 13), "2503.1173" (four digits after 2014), "abc".
 *
 *   The date of a value with a time is the calendar date as written: the
 *   time and the zone are checked, not applied (2025-03-31T23:30-05:00 is a
 *   March paper), so the same text always lands in the same period.
 *
 * Periods.  Labels sort, as strings, in time order:
 *   PC_PERIOD_YEAR     "2025"      needs a year
 *   PC_PERIOD_QUARTER  "2025-Q1"   needs a month (Q1 = January..March)
 *   PC_PERIOD_MONTH    "2025-03"   needs a month
 *   PC_PERIOD_WEEK     "2025-W09"  needs a day: ISO 8601 weeks, Monday to
 *                                  Sunday, week 01 holding the year's first
 *                                  Thursday (2021-01-03 is 2020-W53,
 *                                  2024-12-30 is 2025-W01)
 * A value less precise than its period needs ("2025" for months, an arXiv
 * identifier for weeks) has no period: it is left out of the table and
 * counted apart (pc_timeline.coarse), never spread or guessed.
 *
 * The table lists every period from the first that has a dated paper to the
 * last, the empty ones inside the range included (0 papers), so that it is a
 * time series with equal steps.  Sparse periods stay in the table; they only
 * stay out of the trend (see pc_timeline_options.min_papers).
 *
 * Trend.  For cluster c, with x = the period's index, y = c's share of the
 * period and weight w = all dated papers of the period, over the trended
 * periods only (papers >= min_papers):
 *
 *   trend_c = Σ w (x - x̄)(y - ȳ) / Σ w (x - x̄)²,   x̄, ȳ the w-weighted means
 *           = Σ (x - x̄) count_c / Σ w (x - x̄)²
 *
 * the weighted least-squares slope, in share per period (0.01 = one
 * percentage point more of each period's papers per period).  It is the same
 * line as an ordinary least-squares fit through every dated paper taken as a
 * point (its period, 1 if in c else 0), so each paper counts once and a
 * period of 3 papers weighs 1/1000 of one of 3,000.  The trends of all
 * clusters sum to 0.  With fewer than two trended periods no slope exists
 * and every trend is NaN (a report writes an empty field).
 *
 * Cost: two passes over the documents and one over the table: O(n_docs +
 * periods × k) time and memory, one thread, so the result does not depend on
 * any thread count.  The date range is at most 1900..9999, so periods <=
 * 422,000 (weeks), 97,200 (months).
 */
#ifndef PAPERCLUST_TIMELINE_H
#define PAPERCLUST_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pc_date_precision {
    PC_DATE_YEAR = 1,  /* "2025" */
    PC_DATE_MONTH,     /* "2025-03", arXiv identifiers */
    PC_DATE_DAY        /* "2025-03-17", with or without a time */
} pc_date_precision;

typedef struct pc_date {
    int32_t year;                /* 1900..9999 */
    int32_t month;               /* 1..12; 0 at year precision */
    int32_t day;                 /* 1..31; 0 at year or month precision */
    pc_date_precision precision;
} pc_date;

/*
 * Reads one date or arXiv identifier (forms above) from the NUL-terminated
 * `text`.  PC_OK fills *date; PC_ERR_EMPTY when text is NULL, empty or only
 * white space; PC_ERR_FORMAT for anything else not understood (*date is then
 * zeroed).  Never allocates.
 */
pc_status pc_date_parse(const char *text, pc_date *date);

typedef enum pc_period {
    PC_PERIOD_YEAR = 0,
    PC_PERIOD_QUARTER,
    PC_PERIOD_MONTH,
    PC_PERIOD_WEEK
} pc_period;

/* Bytes of the longest period label ("2025-W09", "2025-Q1"), NUL included. */
#define PC_PERIOD_LABEL_MAX 16

/* "year", "quarter", "month" or "week"; NULL for a value outside pc_period. */
const char *pc_period_name(pc_period period);

/* The pc_period named `name` (as pc_period_name, exact match): PC_OK, or
 * PC_ERR_INVALID with a message listing the names. */
pc_status pc_period_parse(const char *name, pc_period *period, pc_error *err);

/*
 * The period of `date`, as an integer that grows by one from each period to
 * the next (for weeks: weeks since Monday 1900-01-01; for the others a
 * function of the year and month).  PC_OK, or PC_ERR_INVALID when the date
 * is less precise than the period needs, is not a date pc_date_parse() could
 * return (month 13, year 1800, ...), or period is out of range.
 */
pc_status pc_date_period(const pc_date *date, pc_period period, int32_t *ordinal);

/* Writes the label of period number `ordinal` (from pc_date_period) into
 * label[PC_PERIOD_LABEL_MAX]: "2025", "2025-Q1", "2025-03" or "2025-W09";
 * "?" for a number no date of 1900..9999 has. */
void pc_period_label(pc_period period, int32_t ordinal, char *label);

typedef struct pc_timeline_options {
    pc_period period;            /* default PC_PERIOD_MONTH */
    int32_t min_papers;          /* default 20: a period with fewer dated papers is
                                    listed but left out of the trend.  arXiv listings
                                    show why: 16 months of 2,600-7,400 papers and 48
                                    stragglers over 2018-12..2025-02 (0-5 a month),
                                    whose 0 % / 100 % shares, up to 75 months before
                                    the rest, would tilt every line.  0: every
                                    non-empty period counts. */
    int32_t min_cluster_papers;  /* default 30: pc_timeline_rising/falling name only
                                    clusters with at least this many papers in the
                                    trended periods */
    const int32_t *input_index;  /* default NULL; or n_docs positions (read during
                                    pc_timeline_compute only, e.g.
                                    pc_corpus.input_index of a sorted corpus): each
                                    pc_timeline_skipped.first is then the document
                                    with the lowest position, not the lowest index */
} pc_timeline_options;

void pc_timeline_options_default(pc_timeline_options *opt);

/* Documents left out of the table for one reason. */
typedef struct pc_timeline_skipped {
    int32_t count;
    int32_t first;               /* index of the first such document (see
                                    options.input_index), or -1; its text is
                                    dates[first] (the caller's array), its input line the
                                    corpus's line[first] */
} pc_timeline_skipped;

typedef struct pc_timeline {
    pc_timeline_options options; /* as given */
    int32_t k;
    int32_t n_docs;
    int32_t n_periods;           /* 0 when no document has a period */
    int32_t first;               /* ordinal of period 0: label with pc_timeline_label() */
    int32_t *papers;             /* n_periods: dated papers of every cluster in the period */
    int32_t *count;              /* n_periods × k, row-major: [p * k + c] = papers of
                                    cluster c in period p */
    double *share;               /* n_periods × k: count / papers; 0 where papers is 0 */
    unsigned char *trended;      /* n_periods: 1 when papers >= min_papers and > 0 */
    int32_t n_trended;           /* periods with trended[p] == 1 */
    double *trend;               /* k: slope of the share, per period (see above);
                                    NaN for all when n_trended < 2 */
    int32_t *trend_papers;       /* k: papers of the cluster in trended periods */
    int32_t *doc_period;         /* n_docs: each document's period index, or -1 */
    int32_t n_dated;             /* documents with a period */
    pc_timeline_skipped missing; /* date NULL, empty or white space */
    pc_timeline_skipped invalid; /* not understood (pc_date_parse: PC_ERR_FORMAT) */
    pc_timeline_skipped coarse;  /* understood, but less precise than the period */
} pc_timeline;

/*
 * Builds the table of n_docs documents: dates[i] is document i's date text
 * (NULL or "" when it has none), assign[i] its cluster in 0..k-1.  Both
 * arrays are borrowed.  A document whose date is missing, invalid or too
 * coarse is counted in the matching pc_timeline_skipped and has period -1;
 * the caller turns these into warnings, e.g. "papers.csv: 48 dates not
 * understood (first: 'foo' at line 17)".  No dated document at all is not
 * an error: n_periods is then 0.
 * On PC_OK *out is new, freed with pc_timeline_free().  PC_ERR_INVALID when
 * n_docs < 0, k < 1, an assignment is outside 0..k-1, or an option is out of
 * range; PC_ERR_NOMEM.
 */
pc_status pc_timeline_compute(int32_t n_docs, const char *const *dates, const int32_t *assign,
                              int32_t k, const pc_timeline_options *opt, pc_timeline **out,
                              pc_error *err);

/* The label of period index p (0..n_periods-1) into label[PC_PERIOD_LABEL_MAX]. */
void pc_timeline_label(const pc_timeline *timeline, int32_t p, char *label);

/*
 * The rising topics: up to `max` clusters written to clusters[], trend > 0
 * only, largest trend first (ties: lower cluster), among clusters with at
 * least options.min_cluster_papers papers in the trended periods.  Returns
 * how many were written (0 when no trend exists).
 */
int32_t pc_timeline_rising(const pc_timeline *timeline, int32_t max, int32_t *clusters);

/* The falling topics: as pc_timeline_rising, trend < 0 only, most negative first. */
int32_t pc_timeline_falling(const pc_timeline *timeline, int32_t max, int32_t *clusters);

/* Frees a timeline; NULL is allowed. */
void pc_timeline_free(pc_timeline *timeline);

#ifdef __cplusplus
}
#endif
#endif
