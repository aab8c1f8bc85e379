/*
 * matrix.c — allocation and transposition of CSR matrices.
 *
 * The transpose is a counting sort by column: one pass counts the entries of
 * each column, a prefix sum places them, a second pass in row order fills
 * them, so the rows of the result come out sorted.  Cost O(rows + cols + nnz).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "paperclust/matrix.h"

pc_status pc_csr_new(int32_t n_rows, int32_t n_cols, int64_t nnz, pc_csr **out, pc_error *err)
{
    *out = NULL;
    if (n_rows < 0 || n_cols < 0 || nnz < 0)
        return pc_fail(err, PC_ERR_INVALID, "matrix of negative size");
    pc_csr *m = pc_calloc(1, sizeof *m);
    if (!m)
        return pc_fail_nomem(err, "allocating a matrix");
    m->n_rows = n_rows;
    m->n_cols = n_cols;
    m->nnz = nnz;
    m->row_ptr = pc_calloc((size_t)n_rows + 1, sizeof *m->row_ptr);
    m->col = pc_large_array((size_t)nnz, sizeof *m->col);
    m->val = pc_large_array((size_t)nnz, sizeof *m->val);
    if (!m->row_ptr || !m->col || !m->val) {
        pc_csr_free(m);
        return pc_fail_nomem(err, "allocating a matrix");
    }
    *out = m;
    return PC_OK;
}

void pc_csr_free(pc_csr *matrix)
{
    if (!matrix)
        return;
    free(matrix->row_ptr);
    free(matrix->col);
    free(matrix->val);
    free(matrix);
}

pc_status pc_csr_transpose(const pc_csr *matrix, pc_csr **out, pc_error *err)
{
    pc_csr *t = NULL;
    pc_status status = pc_csr_new(matrix->n_cols, matrix->n_rows, matrix->nnz, &t, err);
    if (status != PC_OK)
        return status;
    int64_t *next = pc_malloc_array((size_t)matrix->n_cols + 1, sizeof *next);
    if (!next) {
        pc_csr_free(t);
        return pc_fail_nomem(err, "transposing a matrix");
    }
    for (int64_t p = 0; p < matrix->nnz; p++)
        t->row_ptr[matrix->col[p] + 1]++;
    for (int32_t c = 0; c < matrix->n_cols; c++)
        t->row_ptr[c + 1] += t->row_ptr[c];
    memcpy(next, t->row_ptr, ((size_t)matrix->n_cols + 1) * sizeof *next);
    for (int32_t r = 0; r < matrix->n_rows; r++) {
        for (int64_t p = matrix->row_ptr[r]; p < matrix->row_ptr[r + 1]; p++) {
            int64_t q = next[matrix->col[p]]++;
            t->col[q] = r;
            t->val[q] = matrix->val[p];
        }
    }
    free(next);
    *out = t;
    return PC_OK;
}

int32_t pc_csr_empty_rows(const pc_csr *X)
{
    int32_t n = 0;
    for (int32_t i = 0; i < X->n_rows; i++)
        n += X->row_ptr[i] == X->row_ptr[i + 1];
    return n;
}

pc_status pc_csr_rows(const pc_csr *X, const int32_t *rows, int64_t n, pc_csr **out,
                      pc_error *err)
{
    int64_t nnz = 0;
    for (int64_t r = 0; r < n; r++)
        nnz += X->row_ptr[rows[r] + 1] - X->row_ptr[rows[r]];
    pc_status status = pc_csr_new((int32_t)n, X->n_cols, nnz, out, err);
    if (status != PC_OK)
        return status;
    pc_csr *S = *out;
    int64_t at = 0;
    for (int64_t r = 0; r < n; r++) {
        int64_t from = X->row_ptr[rows[r]], len = X->row_ptr[rows[r] + 1] - from;
        memcpy(S->col + at, X->col + from, (size_t)len * sizeof *S->col);
        memcpy(S->val + at, X->val + from, (size_t)len * sizeof *S->val);
        at += len;
        S->row_ptr[r + 1] = at;
    }
    return PC_OK;
}
