/* The snapshot compiler's context (gateway/config_ctx.c): cfg_each_object, the walk over
 * the snapshot's arrays of objects that every section compiler uses. */
#include "gateway/config_internal.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    cfg_ctx_t ctx;
    json_t *root;
    char *err;
} fixture_t;

static void fixture_init(fixture_t *f, const char *text)
{
    memset(f, 0, sizeof *f);
    f->root = json_loads(text, 0, NULL);
    cr_assert_not_null(f->root);
    f->ctx.text = text;
    f->ctx.len = strlen(text);
    f->ctx.source = "t.json";
    f->ctx.err = &f->err;
}

static void fixture_free(fixture_t *f)
{
    json_decref(f->root);
    free(f->err);
}

/* Records the indices it is called with and the depth of the path at each call; fails
 * (naming member "name") at the element whose "stop" is true. */
typedef struct {
    size_t seen[8];
    size_t depth[8];
    size_t count;
} calls_t;

static int record(cfg_ctx_t *c, const json_t *obj, size_t index, void *data)
{
    calls_t *calls = data;
    calls->seen[calls->count] = index;
    calls->depth[calls->count++] = c->depth;
    if (json_is_true(json_object_get(obj, "stop")))
        return cfg_fail_key(c, "name", "stopped at %zu", index);
    return 0;
}

/* Walks the member "items" of `text` with `record`. */
static int walk_items(fixture_t *f, const char *text, calls_t *calls)
{
    fixture_init(f, text);
    memset(calls, 0, sizeof *calls);
    return cfg_each_object(&f->ctx, json_object_get(f->root, "items"), "items", "an item", record,
                           calls);
}

Test(config_ctx, walks_every_object_in_order_and_restores_the_path)
{
    fixture_t f;
    calls_t calls;
    cr_assert_eq(walk_items(&f, "{\"items\": [{\"name\": \"a\"}, {\"name\": \"b\"}, {}]}", &calls),
                 0);
    cr_assert_null(f.err);
    cr_assert_eq(calls.count, 3);
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(calls.seen[i], i);
        cr_assert_eq(calls.depth[i], 2, "the path is at items[%zu]", i); /* key + index */
    }
    cr_assert_eq(f.ctx.depth, 0, "the path is back where it was");
    fixture_free(&f);
}

Test(config_ctx, empty_array_calls_nothing)
{
    fixture_t f;
    calls_t calls;
    cr_assert_eq(walk_items(&f, "{\"items\": []}", &calls), 0);
    cr_assert_eq(calls.count, 0);
    cr_assert_eq(f.ctx.depth, 0);
    fixture_free(&f);
}

Test(config_ctx, element_not_an_object_is_named_with_its_place)
{
    fixture_t f;
    calls_t calls;
    cr_assert_eq(walk_items(&f, "{\"items\": [{\"name\": \"a\"},\n 7, {}]}", &calls), -1);
    cr_assert_eq(calls.count, 1, "the walk stops at the bad element");
    cr_assert_str_eq(f.err, "t.json:2:2: an item must be an object, not a number (at items[1])");
    fixture_free(&f);
}

Test(config_ctx, failure_of_the_callback_stops_the_walk_with_its_message)
{
    fixture_t f;
    calls_t calls;
    cr_assert_eq(
        walk_items(&f, "{\"items\": [{\"name\": \"a\"}, {\"name\": \"b\", \"stop\": true}, {}]}",
                   &calls),
        -1);
    cr_assert_eq(calls.count, 2, "items[2] is not reached");
    cr_assert_str_eq(f.err, "t.json:1:36: stopped at 1 (at items[1].name)");
    fixture_free(&f);
}
