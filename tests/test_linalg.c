/* Tests of linalg.c: the 2-D map of the centroids (classical MDS through LAPACKE). */
#include <math.h>
#include <stdlib.h>

#include "linalg_internal.h"
#include "test.h"

static double distance(const double *xy, int a, int b)
{
    return hypot(xy[2 * a] - xy[2 * b], xy[2 * a + 1] - xy[2 * b + 1]);
}

static double chord(const float *C, int dim, int a, int b)
{
    double s = 0.0;
    for (int j = 0; j < dim; j++)
        s += ((double)C[a * dim + j] - C[b * dim + j]) * ((double)C[a * dim + j] - C[b * dim + j]);
    return sqrt(s);
}

/* Points that lie in a plane keep every distance exactly: classical MDS
 * recovers any configuration of rank 2 up to rotation and reflection. */
static void planar_points_keep_their_distances(void)
{
    const double angle[5] = {0.0, 30.0, 90.0, 200.0, 310.0};
    float C[5 * 4] = {0}; /* unit vectors in the plane of the 2nd and 4th axes of 4-D */
    for (int i = 0; i < 5; i++) {
        C[i * 4 + 1] = (float)cos(angle[i] * 3.14159265358979323846 / 180.0);
        C[i * 4 + 3] = (float)sin(angle[i] * 3.14159265358979323846 / 180.0);
    }
    double xy[10];
    CHECK_INT(pc_map_points(C, 5, 4, xy), 0);
    for (int a = 0; a < 5; a++)
        for (int b = a + 1; b < 5; b++)
            CHECK_NEAR(distance(xy, a, b), chord(C, 4, a, b), 1e-5);
    double mx = 0, my = 0; /* centred: the mean is the origin */
    for (int i = 0; i < 5; i++) {
        mx += xy[2 * i];
        my += xy[2 * i + 1];
    }
    CHECK_NEAR(mx, 0.0, 1e-6);
    CHECK_NEAR(my, 0.0, 1e-6);
}

/* Three orthogonal unit vectors are an equilateral triangle of side √2; four
 * are a regular tetrahedron, which no plane holds: the map keeps the two
 * directions of largest spread, so every distance shrinks, none grows. */
static void orthogonal_points(void)
{
    float C[4 * 4] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    double xy[8];
    CHECK_INT(pc_map_points(C, 3, 4, xy), 0);
    for (int a = 0; a < 3; a++)
        for (int b = a + 1; b < 3; b++)
            CHECK_NEAR(distance(xy, a, b), sqrt(2.0), 1e-5);
    CHECK_INT(pc_map_points(C, 4, 4, xy), 0);
    for (int a = 0; a < 4; a++)
        for (int b = a + 1; b < 4; b++)
            CHECK(distance(xy, a, b) <= sqrt(2.0) + 1e-6);
}

/* The axes' signs are fixed (each axis's largest entry positive), so the same
 * centroids always give the same picture; fewer than two points sit at 0. */
static void fixed_signs_and_small_cases(void)
{
    float C[3 * 3] = {1, 0, 0, 0.6f, 0.8f, 0, 0, 0.6f, 0.8f};
    double xy[6], again[6];
    CHECK_INT(pc_map_points(C, 3, 3, xy), 0);
    CHECK_INT(pc_map_points(C, 3, 3, again), 0);
    for (int axis = 0; axis < 2; axis++) {
        int biggest = 0;
        for (int i = 1; i < 3; i++)
            if (fabs(xy[2 * i + axis]) > fabs(xy[2 * biggest + axis]))
                biggest = i;
        CHECK(xy[2 * biggest + axis] > 0.0);
    }
    for (int i = 0; i < 6; i++)
        CHECK(xy[i] == again[i]);
    double one[2] = {7, 7};
    CHECK_INT(pc_map_points(C, 1, 3, one), 0);
    CHECK(one[0] == 0.0 && one[1] == 0.0);
}

int main(void)
{
    RUN_TEST(planar_points_keep_their_distances);
    RUN_TEST(orthogonal_points);
    RUN_TEST(fixed_signs_and_small_cases);
    return TEST_EXIT();
}
