/*
 * report_html_internal.h — report.html, written by report.c as one file of
 * the report set (see report_html.c for what the page holds).
 */
#ifndef PC_REPORT_HTML_INTERNAL_H
#define PC_REPORT_HTML_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "paperclust/report.h"

#define PC_HTML_MAP_PAPERS 5000     /* papers on the map at most */
#define PC_HTML_PAGE_PAPERS 100000  /* papers whose id and title the page holds, at most
                                       (plus the papers kept lists name) */
#define PC_HTML_RELATED_ALL 25000   /* up to this many papers, every related list is kept */
#define PC_HTML_RELATED_SOME 25000  /* above, lists of a sample of this many papers */
#define PC_HTML_RELATED_FEW 5000    /* above PC_HTML_PAGE_PAPERS papers, of this many */

/*
 * Writes the page for `in` (which needs corpus, vocab, clusters, description
 * and summary; matrix for the map's papers; neighbors and timeline when the
 * run has them) to `out`; samples are drawn from `seed`.  Returns 0, or an
 * errno value (ENOMEM, or the write error).
 */
int pc_html_write(FILE *out, const pc_report_input *in, uint64_t seed);

/*
 * The papers pc_html_write places on the map for `in` and `seed`: *on_map
 * (new, corpus->n_docs bytes) is 1 for each, else 0 — the rows the map
 * reads from in->matrix.  Returns 0, or ENOMEM.
 */
int pc_html_map_papers(const pc_report_input *in, uint64_t seed, unsigned char **on_map);

#endif
