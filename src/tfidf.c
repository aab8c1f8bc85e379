/*
 * tfidf.c — raw counts to TF-IDF weights, rows scaled to unit L2 norm.
 *
 * idf is computed once per term in double; each row is then weighted and
 * normalised in one pass over its non-zeros (rows are independent, so the
 * loop is parallel and the result does not depend on the thread count).
 * The formulas are scikit-learn's TfidfTransformer's, so that the weights
 * agree with TfidfVectorizer to float precision.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "paperclust/tfidf.h"

void pc_tfidf_options_default(pc_tfidf_options *opt)
{
    opt->sublinear_tf = 1;
    opt->smooth_idf = 1;
    opt->normalize = 1;
    opt->threads = 0;
}

pc_status pc_tfidf_idf(const pc_vocab *vocab, int32_t n_docs, const pc_tfidf_options *opt,
                       double **idf_out, pc_error *err)
{
    double *idf = pc_malloc_array((size_t)vocab->n_terms + 1, sizeof *idf);
    if (!idf)
        return pc_fail_nomem(err, "computing idf");
    double n = n_docs + (opt->smooth_idf ? 1.0 : 0.0);
    for (int32_t t = 0; t < vocab->n_terms; t++) {
        double df = vocab->df[t] + (opt->smooth_idf ? 1.0 : 0.0);
        idf[t] = log(n / df) + 1.0;
    }
    *idf_out = idf;
    return PC_OK;
}

void pc_tfidf_weight(pc_csr *counts, const double *idf, const pc_tfidf_options *opt)
{
#pragma omp parallel for num_threads(pc_thread_count(opt->threads)) schedule(dynamic, 1024)
    for (int32_t r = 0; r < counts->n_rows; r++) {
        double norm2 = 0.0;
        for (int64_t p = counts->row_ptr[r]; p < counts->row_ptr[r + 1]; p++) {
            double tf = counts->val[p];
            if (opt->sublinear_tf)
                tf = 1.0 + log(tf);
            double w = tf * idf[counts->col[p]];
            counts->val[p] = (float)w;
            norm2 += w * w;
        }
        if (opt->normalize && norm2 > 0.0) {
            double scale = 1.0 / sqrt(norm2);
            for (int64_t p = counts->row_ptr[r]; p < counts->row_ptr[r + 1]; p++)
                counts->val[p] = (float)(counts->val[p] * scale);
        }
    }
}

pc_status pc_tfidf_apply(pc_csr *counts, const pc_vocab *vocab, const pc_tfidf_options *opt,
                         float **idf_out, pc_error *err)
{
    return pc_tfidf_apply_part(counts, vocab, counts->n_rows, opt, idf_out, err);
}

pc_status pc_tfidf_apply_part(pc_csr *counts, const pc_vocab *vocab, int32_t n_docs,
                              const pc_tfidf_options *opt, float **idf_out, pc_error *err)
{
    if (counts->n_cols != vocab->n_terms)
        return pc_fail(err, PC_ERR_INVALID, "count matrix has %d columns for %d terms",
                       (int)counts->n_cols, (int)vocab->n_terms);
    double *idf = NULL;
    pc_status status = pc_tfidf_idf(vocab, n_docs, opt, &idf, err);
    if (status != PC_OK)
        return status;
    pc_tfidf_weight(counts, idf, opt);
    if (idf_out) {
        *idf_out = pc_malloc_array((size_t)vocab->n_terms, sizeof **idf_out);
        if (!*idf_out) {
            free(idf);
            return pc_fail_nomem(err, "computing idf");
        }
        for (int32_t t = 0; t < vocab->n_terms; t++)
            (*idf_out)[t] = (float)idf[t];
    }
    free(idf);
    return PC_OK;
}
