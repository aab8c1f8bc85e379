/*
 * strmap_internal.h — a hash table from byte strings to dense ids.
 *
 * Open addressing with linear probing; keys are copied into one growing
 * buffer and numbered 0, 1, 2, ... in insertion order.  Used for stop lists,
 * stem caches and per-thread term tables.  Not thread-safe: one per thread.
 */
#ifndef PC_STRMAP_INTERNAL_H
#define PC_STRMAP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

typedef struct pc_strmap pc_strmap;

/* A new empty map, or NULL when out of memory. */
pc_strmap *pc_strmap_new(void);
void pc_strmap_free(pc_strmap *map);

/* The id of `key`, inserting it with the next id when absent (*inserted set
 * to 1 then, else 0; `inserted` may be NULL).  -1 when out of memory. */
int32_t pc_strmap_intern(pc_strmap *map, const char *key, size_t len, int *inserted);

/* The id of `key`, or -1 when absent. */
int32_t pc_strmap_find(const pc_strmap *map, const char *key, size_t len);

/* How many keys the map holds. */
int32_t pc_strmap_count(const pc_strmap *map);

/* Key number `id` (NUL-terminated) and its length; valid until the next insertion. */
const char *pc_strmap_key(const pc_strmap *map, int32_t id, size_t *len);

#endif
