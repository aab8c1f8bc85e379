/* Tests of report.c: the five files and their quoting, and all-or-nothing writing. */
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csvio_internal.h"
#include "paperclust/report.h"
#include "test.h"

/* A tiny hand-made run: 3 papers, 2 clusters, 3 terms (one a bigram). */
static char *ids[] = {"p,1", "p\"2", "p3"};
static char *texts[] = {"Graph nets\nabstract", "Neural\nnetworks", "Folding proteins"};
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

static const char *const report_names[] = {"assignments.csv", "clusters.csv",
                                           "cluster_terms.csv", "related.csv", "summary.csv"};

/*
 * Writes the hand-made run's reports into `where`.  Variant 0 is the run
 * above; variant 1 differs in every report (other similarities, weights,
 * related lists and summary), so a test can tell which set a folder holds.
 * fail_alloc / fail_file (0: none) arm pc_alloc_fail_after and
 * pc_file_fail_after around pc_report_write only, so every injected fault
 * lands inside the writing of the set.
 */
static pc_status write_variant(const char *where, int variant, const pc_monitor *mon,
                               long fail_alloc, long fail_file, pc_error *err)
{
    static pc_corpus corpus;
    corpus = (pc_corpus){.n_docs = 3, .id = ids, .text = texts, .label = labels, .source = "hand"};
    static pc_vocab vocab;
    vocab = (pc_vocab){3, 3, terms, dfs, counts, 0, NULL};
    static float sim1[] = {0.8f, 0.6f, 0.9f};
    static float centroid1[] = {0.8f, 0.6f, 0.0f, 0.0f, 0.0f, 1.0f};
    static int32_t nb_id1[] = {2, -1, 0, -1, 1, -1};
    static pc_clusters clusters;
    clusters = (pc_clusters){2, 3, 3, assign, variant ? sim1 : similarity,
                             variant ? centroid1 : centroid, size, 2.6, 2, 0, NULL, NULL, NULL};
    static pc_neighbors nb;
    nb = (pc_neighbors){.n_docs = 3, .top = 2, .id = variant ? nb_id1 : nb_id,
                        .similarity = nb_sim};
    pc_description *desc = NULL;
    pc_summary summary = {0};
    pc_status status = PC_ERR_NOMEM;
    pc_describe_options dopt;
    pc_describe_options_default(&dopt);
    pc_describe_input din = {.clusters = &clusters, .vocab = &vocab};
    if (pc_describe(&din, &dopt, &desc, NULL) == PC_OK &&
        pc_summary_add(&summary, "documents", "%d", variant ? 4 : 3) == PC_OK) {
        pc_report_input in = {.corpus = &corpus, .vocab = &vocab, .clusters = &clusters,
                              .description = desc, .neighbors = &nb, .summary = &summary,
                              .n_label_terms = 10};
        pc_alloc_fail_after(fail_alloc);
        pc_file_fail_after(fail_file);
        status = pc_report_write(where, &in, mon, err);
        pc_alloc_fail_after(0);
        pc_file_fail_after(0);
    }
    pc_description_free(desc);
    pc_summary_clear(&summary);
    return status;
}

static pc_status write_reports(const char *where)
{
    pc_error err;
    return write_variant(where, 0, NULL, 0, 0, &err);
}

/* Reads a whole CSV file into rows joined by '|' and fields by ';'. */
static void slurp(const char *folder, const char *name, char *out, size_t cap)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", folder, name);
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
    CHECK_INT(write_reports(dir), PC_OK);
    char got[2048];
    slurp(dir, "assignments.csv", got, sizeof got);
    CHECK_STR(got, "doc_id;cluster;similarity;label|p,1;0;0.900000;x|p\"2;0;0.700000;y|"
                   "p3;1;1.000000;x|");
    slurp(dir, "clusters.csv", got, sizeof got);
    /* no matrix: no distinctive terms or quality figures; the label falls
     * back to the centroid terms (a bigram keeps its space there) */
    CHECK_STR(got, "cluster;size;top_terms;central_doc_ids;cohesion;label;distinctive_terms;"
                   "central_titles;coherence;exclusivity|"
                   "0;2;neural_network graph;p,1 p\"2;0.800000;neural network, graph;;"
                   "Graph nets | Neural;;|"
                   "1;1;protein;p3;1.000000;protein;;Folding proteins;;|");
    slurp(dir, "cluster_terms.csv", got, sizeof got);
    CHECK_STR(got, "cluster;rank;term;weight;kind|0;1;neural network;0.800000;centroid|"
                   "0;2;graph;0.600000;centroid|1;1;protein;1.000000;centroid|");
    slurp(dir, "related.csv", got, sizeof got);
    CHECK_STR(got, "doc_id;rank;related_id;similarity|p,1;1;p\"2;0.500000|"
                   "p\"2;1;p,1;0.500000|p\"2;2;p3;0.100000|");
    slurp(dir, "summary.csv", got, sizeof got);
    CHECK_STR(got, "key;value|documents;3|");
    CHECK_INT(temp_files_left(), 0);
}

/* All five reports of the folder, each slurped, joined with "#". */
static void slurp_all(const char *where, char *out, size_t cap)
{
    char one[2048];
    out[0] = '\0';
    for (int r = 0; r < 5; r++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", where, report_names[r]);
        if (access(path, F_OK) != 0) {
            strncat(out, "(absent)#", cap - strlen(out) - 1);
            continue;
        }
        slurp(where, report_names[r], one, sizeof one);
        strncat(out, one, cap - strlen(out) - 1);
        strncat(out, "#", cap - strlen(out) - 1);
    }
}

/*
 * Allocation failures anywhere inside the writing of a set: each fails the
 * run with every report of the old set (variant 0) unchanged and no hidden
 * file left; the first count at which nothing fails writes the new set.
 */
/* Records what the new set (variant 1) looks like, then leaves the old set
 * (variant 0) in the folder; each is slurped into its buffer (8192 bytes). */
static void old_and_new(char *old_set, char *new_set)
{
    pc_error err;
    CHECK_INT(write_variant(dir, 1, NULL, 0, 0, &err), PC_OK);
    slurp_all(dir, new_set, 8192);
    CHECK_INT(write_variant(dir, 0, NULL, 0, 0, &err), PC_OK);
    slurp_all(dir, old_set, 8192);
    CHECK(strcmp(old_set, new_set) != 0);
}

static void allocation_failure_keeps_old_set(void)
{
    char old_set[8192], new_set[8192], got[8192];
    pc_error err;
    old_and_new(old_set, new_set);
    long n = 1;
    for (; n < 200; n++) {
        pc_status status = write_variant(dir, 1, NULL, n, 0, &err);
        if (status == PC_OK)
            break;
        CHECK_INT(status, PC_ERR_NOMEM); /* "out of memory while writing NAME" */
        CHECK_INT(temp_files_left(), 0);
        slurp_all(dir, got, sizeof got);
        CHECK_STR(got, old_set);
    }
    CHECK(n > 1); /* at least one allocation happens inside pc_report_write */
    slurp_all(dir, got, sizeof got);
    CHECK_STR(got, new_set);
}

/*
 * File-system failures: each of the 15 steps of a five-report set (5 opens,
 * then per report keeping the old file and renaming the new one) fails in
 * turn.  Failures after some renames must put the old reports back: the
 * folder always holds the whole old set.  The 16th count succeeds.
 */
static void file_failure_keeps_old_set(void)
{
    char old_set[8192], new_set[8192], got[8192];
    pc_error err;
    old_and_new(old_set, new_set);
    for (long n = 1; n <= 15; n++) {
        err.message[0] = '\0';
        CHECK_INT(write_variant(dir, 1, NULL, 0, n, &err), PC_ERR_IO);
        CHECK(strstr(err.message, n <= 5 ? "cannot write" : "cannot put in place") != NULL);
        CHECK(strstr(err.message, report_names[n <= 5 ? n - 1 : (n - 6) / 2]) != NULL);
        CHECK_INT(temp_files_left(), 0);
        slurp_all(dir, got, sizeof got);
        if (strcmp(got, old_set) != 0)
            fprintf(stderr, "file step %ld failed: the folder no longer holds the old set "
                            "(%s)\n", n, err.message);
        CHECK_STR(got, old_set);
    }
    CHECK_INT(write_variant(dir, 1, NULL, 0, 16, &err), PC_OK);
    slurp_all(dir, got, sizeof got);
    CHECK_STR(got, new_set);
}

/* Into an empty folder, a rename failing partway leaves no report at all. */
static void file_failure_in_new_folder_leaves_nothing(void)
{
    char fresh[96], got[8192];
    snprintf(fresh, sizeof fresh, "%s/fresh", dir);
    pc_error err;
    CHECK_INT(write_variant(fresh, 1, NULL, 0, 10, &err), PC_ERR_IO); /* after 2 renames */
    slurp_all(fresh, got, sizeof got);
    CHECK_STR(got, "(absent)#(absent)#(absent)#(absent)#(absent)#");
    DIR *d = opendir(fresh);
    int entries = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        entries += e->d_name[0] != '.' || strstr(e->d_name, ".tmp-") != NULL;
    if (d)
        closedir(d);
    CHECK_INT(entries, 0);
    rmdir(fresh);
}

/* A raised cancel flag stops the set before anything is renamed. */
static void cancel_keeps_old_set(void)
{
    char old_set[8192], got[8192];
    pc_error err;
    CHECK_INT(write_variant(dir, 0, NULL, 0, 0, &err), PC_OK);
    slurp_all(dir, old_set, sizeof old_set);
    volatile sig_atomic_t flag = 1;
    pc_monitor mon = {.cancel = &flag};
    CHECK_INT(write_variant(dir, 1, &mon, 0, 0, &err), PC_ERR_INTERRUPTED);
    CHECK_INT(temp_files_left(), 0);
    slurp_all(dir, got, sizeof got);
    CHECK_STR(got, old_set);
}

/* A folder where a report should go is never moved aside or replaced. */
static void folder_in_the_way(void)
{
    char old_set[8192], got[8192], blocker[128];
    pc_error err;
    CHECK_INT(write_variant(dir, 0, NULL, 0, 0, &err), PC_OK);
    slurp_all(dir, old_set, sizeof old_set);
    snprintf(blocker, sizeof blocker, "%s/related.csv", dir);
    char saved[128];
    snprintf(saved, sizeof saved, "%s/related.saved", dir);
    CHECK_INT(rename(blocker, saved), 0);
    CHECK_INT(mkdir(blocker, 0777), 0);
    CHECK_INT(write_variant(dir, 1, NULL, 0, 0, &err), PC_ERR_IO);
    CHECK(strstr(err.message, "related.csv: cannot put in place") != NULL);
    struct stat st;
    CHECK(stat(blocker, &st) == 0 && S_ISDIR(st.st_mode));
    CHECK_INT(rmdir(blocker), 0);
    CHECK_INT(rename(saved, blocker), 0);
    CHECK_INT(temp_files_left(), 0);
    slurp_all(dir, got, sizeof got);
    CHECK_STR(got, old_set);
}

static void unwritable_folder(void)
{
    char blocker[128];
    snprintf(blocker, sizeof blocker, "%s/blocker", dir);
    FILE *f = fopen(blocker, "w");
    fclose(f);
    char sub[160];
    snprintf(sub, sizeof sub, "%s/out", blocker); /* a folder under a plain file */
    CHECK_INT(write_reports(sub), PC_ERR_IO);
    unlink(blocker);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/pc_test_report_XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    RUN_TEST(writes_the_five_reports);
    RUN_TEST(allocation_failure_keeps_old_set);
    RUN_TEST(file_failure_keeps_old_set);
    RUN_TEST(file_failure_in_new_folder_leaves_nothing);
    RUN_TEST(cancel_keeps_old_set);
    RUN_TEST(folder_in_the_way);
    RUN_TEST(unwritable_folder);
    for (int i = 0; i < 5; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", dir, report_names[i]);
        unlink(path);
    }
    rmdir(dir);
    return TEST_EXIT();
}
