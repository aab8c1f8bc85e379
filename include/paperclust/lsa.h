/*
 * lsa.h — [reduce]: latent semantic analysis, a truncated SVD of the TF-IDF
 * rows (Deerwester, Dumais, Furnas, Landauer & Harshman, "Indexing by latent
 * semantic analysis", JASIS 41(6), 1990).
 *
 * The SVD is randomized (Halko, Martinsson & Tropp, "Finding structure with
 * randomness", SIAM Review 53(2), 2011, algorithm 4.4, randomized subspace
 * iteration): with l = dims + oversample columns,
 *   Ω   V × l standard normal draws (from the seed);
 *   Q   an orthonormal basis of X·Ω, refined by power_iterations rounds of
 *       Q ← orth(X · orth(Xᵀ·Q)); a QR changes a block's basis, not its span,
 *       so one normalization per round is enough, a Cholesky QR of the
 *       smaller block (V × l when there are fewer terms than documents),
 *       and two rounds of Cholesky QR for Q itself (scikit-learn normalizes
 *       by LU after every product: the same spans);
 *   Zᵀ = Xᵀ·Q (V × l) = Q2·R (thin QR), R = U_R·Σ·W_Rᵀ (SVD of the l × l R):
 *       X ≈ Q·W_R·Σ·(Q2·U_R)ᵀ, so the documents' coordinates are
 *       U·Σ = Q·W_R·Σ, first `dims` columns.
 * Sparse products run in parallel over blocks of rows holding about equal
 * non-zeros, each row's l sums in vector registers (pc_csr_times_table in
 * linalg.c); the dense QR and SVD go through OpenBLAS and LAPACKE.  The
 * result depends on the seed only, not on the thread count.  Memory: the
 * transpose of X (nnz) plus dense n × l and V × l float blocks (l rounded
 * up to 16).  Cost: 2·(power_iterations + 1) sparse products of nnz × l
 * multiply-adds and power_iterations + 3 dense ones of (n or V) × l².
 *
 * These are the same coordinates as scikit-learn's TruncatedSVD.transform
 * (up to the sign of each component, which is fixed here so that each
 * column's largest entry is positive).
 */
#ifndef PAPERCLUST_LSA_H
#define PAPERCLUST_LSA_H

#include <stdint.h>

#include "matrix.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pc_lsa_options {
    int32_t dims;             /* default 100: components kept */
    int32_t oversample;       /* default 10: extra random columns */
    int32_t power_iterations; /* default 5 (TruncatedSVD's n_iter) */
    uint64_t seed;            /* default 1 */
    int threads;              /* default 0: all available */
} pc_lsa_options;

void pc_lsa_options_default(pc_lsa_options *opt);

/* A dense n × dims row-major matrix: each document's coordinates. */
typedef struct pc_lsa {
    int32_t n_rows;
    int32_t dims;
    float *coord;             /* n_rows × dims: U·Σ */
    float *singular;          /* dims singular values, decreasing */
    double *explained;        /* dims: variance of each coordinate / total variance of X */
    double explained_total;   /* their sum */
} pc_lsa;

/*
 * The LSA of the rows of X (any non-negative weights; paperclust passes
 * the L2-normalised TF-IDF rows).  dims must be at least 1 and dims +
 * oversample at most min(rows, columns) (it is cut down to that, with dims
 * cut too when needed).  *out is new, freed with pc_lsa_free().
 * PC_ERR_INVALID for bad options, PC_ERR_NOMEM, PC_ERR_INTERRUPTED.
 */
pc_status pc_lsa_fit(const pc_csr *X, const pc_lsa_options *opt, const pc_monitor *mon,
                     pc_lsa **out, pc_error *err);

void pc_lsa_free(pc_lsa *lsa);

#ifdef __cplusplus
}
#endif
#endif
