/*
 * matrix.h — the sparse matrix every stage after counting works on.
 *
 * pc_csr is compressed sparse rows: row i's non-zeros are col[row_ptr[i] ..
 * row_ptr[i+1]-1] with values val[...], columns strictly increasing within a
 * row.  Offsets into the non-zeros are int64_t so a corpus may pass 2^31 of
 * them; row and column ids are int32_t.  Memory is O(rows + nnz), never
 * rows × columns.
 */
#ifndef PAPERCLUST_MATRIX_H
#define PAPERCLUST_MATRIX_H

#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pc_csr {
    int32_t n_rows;
    int32_t n_cols;
    int64_t nnz;
    int64_t *row_ptr; /* n_rows + 1 */
    int32_t *col;     /* nnz */
    float *val;       /* nnz */
} pc_csr;

/* Allocates an n_rows × n_cols matrix with room for nnz non-zeros; row_ptr is zeroed. */
pc_status pc_csr_new(int32_t n_rows, int32_t n_cols, int64_t nnz, pc_csr **out, pc_error *err);
void pc_csr_free(pc_csr *matrix);

/* The transpose (CSC of `matrix` seen as CSR), columns sorted within each row. */
pc_status pc_csr_transpose(const pc_csr *matrix, pc_csr **out, pc_error *err);

/* How many rows of X have no non-zero. */
int32_t pc_csr_empty_rows(const pc_csr *X);

/* The rows rows[0 .. n) of X (any order, repeats allowed), as a new matrix of n rows. */
pc_status pc_csr_rows(const pc_csr *X, const int32_t *rows, int64_t n, pc_csr **out,
                      pc_error *err);

#ifdef __cplusplus
}
#endif
#endif
