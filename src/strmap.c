/*
 * strmap.c — open-addressing hash table from byte strings to dense ids.
 *
 * Slots hold (hash, id); keys live NUL-terminated in one byte buffer indexed
 * by an offset array, so growing the buffer never invalidates the table.  The
 * table doubles at 50 % load, which keeps linear probes short.  FNV-1a is
 * enough for word-sized keys.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "strmap_internal.h"

typedef struct slot {
    uint64_t hash;
    int32_t id; /* -1: empty */
} slot;

struct pc_strmap {
    slot *slots;
    size_t mask;        /* slot count - 1 (a power of two) */
    int32_t count;
    int32_t offset_cap;
    size_t *offset;     /* count + 1 offsets into bytes */
    char *bytes;
    size_t bytes_len;
    size_t bytes_cap;
};

static uint64_t hash_bytes(const char *key, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

pc_strmap *pc_strmap_new(void)
{
    pc_strmap *map = pc_calloc(1, sizeof *map);
    if (!map)
        return NULL;
    map->mask = 63;
    map->slots = pc_malloc_array(map->mask + 1, sizeof *map->slots);
    map->offset_cap = 32;
    map->offset = pc_malloc_array((size_t)map->offset_cap + 1, sizeof *map->offset);
    map->bytes_cap = 256;
    map->bytes = pc_malloc(map->bytes_cap);
    if (!map->slots || !map->offset || !map->bytes) {
        pc_strmap_free(map);
        return NULL;
    }
    for (size_t i = 0; i <= map->mask; i++)
        map->slots[i].id = -1;
    map->offset[0] = 0;
    return map;
}

void pc_strmap_free(pc_strmap *map)
{
    if (!map)
        return;
    free(map->slots);
    free(map->offset);
    free(map->bytes);
    free(map);
}

static int key_equals(const pc_strmap *map, int32_t id, const char *key, size_t len)
{
    size_t start = map->offset[id];
    return map->offset[id + 1] - start - 1 == len && memcmp(map->bytes + start, key, len) == 0;
}

/* Index of the slot holding `key`, or of the empty slot where it belongs. */
static size_t probe(const pc_strmap *map, uint64_t hash, const char *key, size_t len)
{
    size_t i = (size_t)hash & map->mask;
    for (;;) {
        const slot *s = &map->slots[i];
        if (s->id < 0 || (s->hash == hash && key_equals(map, s->id, key, len)))
            return i;
        i = (i + 1) & map->mask;
    }
}

static int grow_table(pc_strmap *map)
{
    size_t new_mask = map->mask * 2 + 1;
    slot *slots = pc_malloc_array(new_mask + 1, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i <= new_mask; i++)
        slots[i].id = -1;
    for (size_t i = 0; i <= map->mask; i++) {
        if (map->slots[i].id < 0)
            continue;
        size_t j = (size_t)map->slots[i].hash & new_mask;
        while (slots[j].id >= 0)
            j = (j + 1) & new_mask;
        slots[j] = map->slots[i];
    }
    free(map->slots);
    map->slots = slots;
    map->mask = new_mask;
    return 0;
}

static int append_key(pc_strmap *map, const char *key, size_t len)
{
    if (map->count == map->offset_cap) {
        if (map->offset_cap > INT32_MAX / 2)
            return -1;
        size_t *offset = pc_realloc_array(map->offset, (size_t)map->offset_cap * 2 + 1,
                                          sizeof *offset);
        if (!offset)
            return -1;
        map->offset = offset;
        map->offset_cap *= 2;
    }
    if (map->bytes_len + len + 1 > map->bytes_cap) {
        size_t cap = map->bytes_cap;
        while (map->bytes_len + len + 1 > cap)
            cap *= 2;
        char *bytes = pc_realloc_array(map->bytes, cap, 1);
        if (!bytes)
            return -1;
        map->bytes = bytes;
        map->bytes_cap = cap;
    }
    memcpy(map->bytes + map->bytes_len, key, len);
    map->bytes[map->bytes_len + len] = '\0';
    map->bytes_len += len + 1;
    map->offset[map->count + 1] = map->bytes_len;
    return 0;
}

int32_t pc_strmap_intern(pc_strmap *map, const char *key, size_t len, int *inserted)
{
    uint64_t hash = hash_bytes(key, len);
    size_t i = probe(map, hash, key, len);
    if (inserted)
        *inserted = 0;
    if (map->slots[i].id >= 0)
        return map->slots[i].id;
    if (map->count == INT32_MAX || append_key(map, key, len) != 0)
        return -1;
    int32_t id = map->count++;
    map->slots[i].hash = hash;
    map->slots[i].id = id;
    if (inserted)
        *inserted = 1;
    if ((size_t)map->count * 2 > map->mask && grow_table(map) != 0) {
        /* The key is in; the table is merely fuller than we like.  Only fail
         * once no slot would be left free for the next insertion. */
        if ((size_t)map->count >= map->mask)
            return -1;
    }
    return id;
}

int32_t pc_strmap_find(const pc_strmap *map, const char *key, size_t len)
{
    size_t i = probe(map, hash_bytes(key, len), key, len);
    return map->slots[i].id;
}

int32_t pc_strmap_count(const pc_strmap *map)
{
    return map->count;
}

const char *pc_strmap_key(const pc_strmap *map, int32_t id, size_t *len)
{
    size_t start = map->offset[id];
    if (len)
        *len = map->offset[id + 1] - start - 1;
    return map->bytes + start;
}
