/*
 * describe.h — what each cluster is about.
 *
 *   centroid terms      the highest-weight terms of the centroid: what the
 *                       clustering used; common words rank high here.
 *   distinctive terms   terms frequent in the cluster and rare in the others:
 *                       the weighted log-odds ratio with an informative
 *                       Dirichlet prior (Monroe, Colaresi & Quinn, "Fightin'
 *                       Words", Political Analysis 16(4), 2008), on document
 *                       counts.  For term t, cluster c and the rest r of the
 *                       corpus: y = documents containing t, n = Σ_t y, and
 *                       the prior α_t = t's documents in the whole corpus,
 *                       α0 = Σ_t α_t:
 *                         δ = ln((y_c+α_t)/(n_c+α0−y_c−α_t))
 *                           − ln((y_r+α_t)/(n_r+α0−y_r−α_t))
 *                         z = δ / sqrt(1/(y_c+α_t) + 1/(y_r+α_t))
 *                       Terms with z > 0 found in at least 2 of the cluster's
 *                       documents rank by z (ties: lower term id).  Words of
 *                       the boilerplate list (scientific boilerplate such as
 *                       "paper", "propose"; a bigram holding one) never rank.
 *   label               the n_label best distinctive terms, where two or three
 *                       of the top terms form a phrase ("graph neural
 *                       networks"): a pair (a, b) is a phrase when, in the
 *                       cluster's phrase_docs most central papers, b follows a
 *                       directly at least 3 times and in at least half of the
 *                       occurrences of the rarer of the two.  Items are joined
 *                       by ", ".
 *   quality             coherence: the mean NPMI over the pairs of the top
 *                       n_quality terms, from their document co-occurrence in
 *                       the corpus (Röder, Both & Hinneburg, "Exploring the
 *                       space of topic coherence measures", WSDM 2015; a pair
 *                       never seen together counts −1); exclusivity: the share
 *                       of the top n_quality terms found in no other cluster's
 *                       top n_quality.  Both for the distinctive and, to
 *                       compare, the centroid terms.
 *   central papers      the papers of highest cosine to the centroid.
 *   cohesion            the mean cosine of the members to their centroid.
 *
 * Cost: one pass over the non-zeros for the distinctive terms (O(nnz + k·V)
 * time, one V-sized counter per thread), the phrase_docs central papers of
 * each cluster tokenized again, and one pass over the non-zeros of a sample of
 * at most coherence_sample papers for the co-occurrences (bit sets of the top
 * terms).  Clusters are described in parallel; results do not depend on the
 * thread count.
 */
#ifndef PAPERCLUST_DESCRIBE_H
#define PAPERCLUST_DESCRIBE_H

#include <stdint.h>

#include "comm.h"
#include "corpus.h"
#include "kmeans.h"
#include "matrix.h"
#include "status.h"
#include "tokenize.h"
#include "vocab.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pc_describe_options {
    int32_t n_terms;           /* default 20: centroid terms per cluster */
    int32_t n_distinctive;     /* default 20: distinctive terms per cluster */
    int32_t n_label;           /* default 3: terms or phrases in a label */
    int32_t n_central;         /* default 5: central papers */
    int32_t n_quality;         /* default 10: top terms scored for coherence and exclusivity */
    int32_t phrase_docs;       /* default 300: central papers read for phrases (0: none) */
    int32_t coherence_sample;  /* default 100000: papers counted for coherence (0: all) */
    uint64_t seed;             /* default 1: which papers the coherence sample holds */
    int threads;               /* default 0: all available */
} pc_describe_options;

void pc_describe_options_default(pc_describe_options *opt);

/* What describing reads; all borrowed.  Only `clusters` is required: without
 * X and vocab there are no distinctive terms (labels then come from the
 * centroid terms) and no quality figures; without corpus, no phrases. */
typedef struct pc_describe_input {
    const pc_clusters *clusters;
    const pc_csr *X;                     /* the rows that were clustered */
    const pc_vocab *vocab;               /* their terms */
    const pc_corpus *corpus;             /* the texts, for phrases (pc_corpus_texts: read
                                            again when the corpus keeps none) */
    const pc_tokenize_options *tokenize; /* how the texts were tokenized (its stop list is
                                            not used for phrases; NULL: the defaults) */
    const pc_stoplist *boilerplate;      /* words never distinctive (NULL: none) */
    const pc_monitor *monitor;           /* progress and cancellation while texts are
                                            read again (NULL: none) */
    const pc_comm *comm;                 /* NULL: one process.  Else (pc_describe only)
                                            every process of comm calls with X holding
                                            only its range of the documents (pc_share_range's,
                                            the columns all of them) and the rest whole;
                                            the clusters' term counts and the quality's bit
                                            sets are exchanged (integers: one allgather
                                            each, and one for the document frequencies),
                                            and every process gets the one-process
                                            description */
} pc_describe_input;

typedef struct pc_cluster_description {
    int64_t size;
    double cohesion;          /* mean cosine to the centroid; 0 for an empty cluster */
    int32_t n_terms;          /* <= the requested number: only terms of positive weight */
    int32_t *term;            /* term ids, highest centroid weight first (ties: lower id) */
    float *weight;            /* their centroid weights */
    int32_t n_central;
    int32_t *central;         /* document indexes, most central first (ties: lower index) */
    int32_t n_distinctive;
    int32_t *distinctive;     /* term ids, highest z first (ties: lower id) */
    float *score;             /* their z-scores */
    char *label;              /* NUL-terminated; "" for a cluster with no terms */
    double coherence;         /* of the top distinctive terms; NaN with fewer than 2 */
    double exclusivity;       /* of the top distinctive terms; NaN with none */
    double centroid_coherence;  /* the same figures for the centroid terms */
    double centroid_exclusivity;
} pc_cluster_description;

typedef struct pc_description {
    int32_t k;
    pc_cluster_description *cluster; /* k */
} pc_description;

/*
 * Describes every cluster of in->clusters (see above).  *out is new and freed
 * with pc_description_free().  PC_ERR_INVALID for negative counts or a
 * matrix that does not match the clusters; PC_ERR_NOMEM; when the corpus
 * keeps no texts, the errors of pc_corpus_texts (the input is read again).
 */
pc_status pc_describe(const pc_describe_input *in, const pc_describe_options *opt,
                      pc_description **out, pc_error *err);

/*
 * Describes groups of documents other than the clusters themselves (the
 * inner nodes of a cluster tree: unions of clusters) as pc_describe describes
 * a cluster: group g holds the documents members[begin[g] .. end[g]) (ranges
 * may overlap or nest), its centroid is the normalised sum of their rows, its
 * members' similarities their cosines to it (for cohesion, central papers and
 * the papers read for phrases), and its distinctive terms and label are
 * against the rest of the corpus.  A group holding every document has no
 * distinctive term: its label is then made of its centroid terms.  No
 * quality figures (coherence and exclusivity are NaN).  in->X is required
 * (in->clusters only gives the number of documents).  *out has n_groups
 * descriptions, freed with pc_description_free().  Cost per group:
 * O(dim + its non-zeros) plus its phrase papers.  PC_ERR_INVALID for a
 * reversed range or a member that is not a document, PC_ERR_NOMEM.
 */
pc_status pc_describe_groups(const pc_describe_input *in, const pc_describe_options *opt,
                             int32_t n_groups, const int32_t *members, const int64_t *begin,
                             const int64_t *end, pc_description **out, pc_error *err);

void pc_description_free(pc_description *description);

#ifdef __cplusplus
}
#endif
#endif
