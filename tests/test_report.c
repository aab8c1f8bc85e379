/* Tests of report.c: the five files and their quoting, and all-or-nothing writing. */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csvio_internal.h"
#include "paperclust/report.h"
#include "test.h"

/* A tiny hand-made run: 3 papers, 2 clusters, 3 terms (one a bigram). */
static char *ids[] = {"p,1", "p\"2", "p3"};
static char *texts[] = {"", "", ""};
static char *labels[] = {"x", "y", "x"};
static char *terms[] = {"graph", "neural network", "protein"};
static int32_t dfs[] = {1, 2, 1};
static int64_t counts[] = {1, 2, 1};
static int32_t assign[] = {0, 0, 1};
static float similarity[] = {0.9f, 0.7f, 1.0f};
static float centroid[] = {0.6f, 0.8f, 0.0f, 0.0f, 0.0f, 1.0f};
static int64_t size[] = {2, 1};
static int32_t nb_id[] = {1, -1, 0, 2, -1, -1};
static float nb_sim[] = {0.5f, 0.0f, 0.5f, 0.1f, 0.0f, 0.0f};

static char dir[64];

static pc_status write_reports(const char *where, pc_description **desc)
{
    static pc_corpus corpus;
    corpus = (pc_corpus){3, ids, texts, labels, NULL, "hand", NULL};
    static pc_vocab vocab;
    vocab = (pc_vocab){3, 3, terms, dfs, counts, 0, NULL};
    static pc_clusters clusters;
    clusters = (pc_clusters){2, 3, 3, assign, similarity, centroid, size, 2.6, 2, 0};
    static pc_neighbors nb;
    nb = (pc_neighbors){.n_docs = 3, .top = 2, .id = nb_id, .similarity = nb_sim};
    if (pc_describe(&clusters, 20, 5, desc, NULL) != PC_OK)
        return PC_ERR_NOMEM;
    pc_summary summary = {0};
    pc_summary_add(&summary, "documents", "%d", 3);
    pc_report_input in = {.corpus = &corpus, .vocab = &vocab, .clusters = &clusters,
                          .description = *desc, .neighbors = &nb, .summary = &summary,
                          .n_label_terms = 10};
    pc_error err;
    pc_status status = pc_report_write(where, &in, NULL, &err);
    pc_summary_clear(&summary);
    return status;
}

/* Reads a whole CSV file into rows joined by '|' and fields by ';'. */
static void slurp(const char *name, char *out, size_t cap)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    pc_csv_reader *r = NULL;
    out[0] = '\0';
    if (pc_csv_reader_open(path, 0, &r, NULL) != PC_OK) {
        snprintf(out, cap, "(cannot open %s)", path);
        return;
    }
    char **fields;
    size_t *lengths, n;
    int64_t line;
    while (pc_csv_read_row(r, &fields, &lengths, &n, &line, NULL) == PC_OK && n > 0) {
        for (size_t i = 0; i < n; i++) {
            strncat(out, fields[i], cap - strlen(out) - 1);
            strncat(out, i + 1 < n ? ";" : "|", cap - strlen(out) - 1);
        }
    }
    pc_csv_reader_close(r);
}

static int temp_files_left(void)
{
    int found = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        found += strstr(e->d_name, ".tmp-") != NULL;
    if (d)
        closedir(d);
    return found;
}

static void writes_the_five_reports(void)
{
    pc_description *desc = NULL;
    CHECK_INT(write_reports(dir, &desc), PC_OK);
    pc_description_free(desc);
    char got[2048];
    slurp("assignments.csv", got, sizeof got);
    CHECK_STR(got, "doc_id;cluster;similarity;label|p,1;0;0.900000;x|p\"2;0;0.700000;y|"
                   "p3;1;1.000000;x|");
    slurp("clusters.csv", got, sizeof got);
    CHECK_STR(got, "cluster;size;top_terms;central_doc_ids;cohesion|"
                   "0;2;neural_network graph;p,1 p\"2;0.800000|1;1;protein;p3;1.000000|");
    slurp("cluster_terms.csv", got, sizeof got);
    CHECK_STR(got, "cluster;rank;term;weight|0;1;neural network;0.800000|0;2;graph;0.600000|"
                   "1;1;protein;1.000000|");
    slurp("related.csv", got, sizeof got);
    CHECK_STR(got, "doc_id;rank;related_id;similarity|p,1;1;p\"2;0.500000|"
                   "p\"2;1;p,1;0.500000|p\"2;2;p3;0.100000|");
    slurp("summary.csv", got, sizeof got);
    CHECK_STR(got, "key;value|documents;3|");
    CHECK_INT(temp_files_left(), 0);
}

/* A failure in the middle of the set leaves the earlier reports as they were. */
static void failure_leaves_old_reports(void)
{
    char before[2048], after[2048];
    slurp("clusters.csv", before, sizeof before);
    for (long n = 1; n < 40; n++) {
        pc_description *desc = NULL;
        pc_status status;
        pc_alloc_fail_after(n);
        status = write_reports(dir, &desc);
        pc_alloc_fail_after(0);
        pc_description_free(desc);
        CHECK(status == PC_OK || status == PC_ERR_NOMEM || status == PC_ERR_IO);
        CHECK_INT(temp_files_left(), 0);
        slurp("clusters.csv", after, sizeof after);
        CHECK_STR(after, before);
    }
}

static void unwritable_folder(void)
{
    char blocker[128];
    snprintf(blocker, sizeof blocker, "%s/blocker", dir);
    FILE *f = fopen(blocker, "w");
    fclose(f);
    char sub[160];
    snprintf(sub, sizeof sub, "%s/out", blocker); /* a folder under a plain file */
    pc_description *desc = NULL;
    CHECK_INT(write_reports(sub, &desc), PC_ERR_IO);
    pc_description_free(desc);
    unlink(blocker);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/pc_test_report_XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    RUN_TEST(writes_the_five_reports);
    RUN_TEST(failure_leaves_old_reports);
    RUN_TEST(unwritable_folder);
    const char *names[] = {"assignments.csv", "clusters.csv", "cluster_terms.csv",
                           "related.csv", "summary.csv"};
    for (int i = 0; i < 5; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    return TEST_EXIT();
}
