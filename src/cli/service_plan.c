#include "cli/service_plan.h"

#include <stdlib.h>
#include <string.h>

const char *plan_action_name(plan_action_t action)
{
    switch (action) {
    case PLAN_CREATE:
        return "create";
    case PLAN_UPDATE:
        return "update";
    case PLAN_DELETE:
        return "delete";
    }
    return "?";
}

typedef struct {
    plan_t *plan;
    size_t cap;
    bool failed;
} builder_t;

static plan_step_t *push(builder_t *b, plan_action_t action, const svc_resource_t *r)
{
    if (b->failed) return NULL;
    if (b->plan->count == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 32;
        plan_step_t *steps = realloc(b->plan->steps, cap * sizeof *steps);
        if (!steps) {
            b->failed = true;
            return NULL;
        }
        b->plan->steps = steps;
        b->cap = cap;
    }
    plan_step_t *s = &b->plan->steps[b->plan->count];
    memset(s, 0, sizeof *s);
    s->action = action;
    s->kind = r->kind;
    s->path = strdup(r->path);
    s->label = strdup(r->label);
    if (!s->path || !s->label) {
        free(s->path);
        free(s->label);
        b->failed = true;
        return NULL;
    }
    b->plan->count++;
    if (action == PLAN_CREATE)
        b->plan->creates++;
    else if (action == PLAN_UPDATE)
        b->plan->updates++;
    else
        b->plan->deletes++;
    return s;
}

/* Index of the resource with `path`, via a path → index map. */
static const svc_resource_t *find(const svc_resources_t *rs, json_t *index, const char *path)
{
    json_t *i = json_object_get(index, path);
    return i ? &rs->items[json_integer_value(i)] : NULL;
}

static json_t *index_of(const svc_resources_t *rs)
{
    json_t *index = json_object();
    for (size_t i = 0; index && i < rs->count; i++)
        json_object_set_new(index, rs->items[i].path, json_integer((json_int_t)i));
    return index;
}

/* Update of an entity: the keys the file gives whose value differs. */
static void diff_entity(builder_t *b, const svc_resource_t *want, const svc_resource_t *have)
{
    json_t *changed = json_array(), *body = json_object();
    const char *key;
    json_t *v;
    json_object_foreach(want->props, key, v)
    {
        json_t *cur = json_object_get(have->props, key);
        bool is_secret = svc_is_secret_prop(want->kind, want->props, key) ||
                         svc_is_secret_prop(have->kind, have->props, key);
        /* A secret the server did not show cannot be compared; apply reads secrets with
         * listValue/listSecrets, so this only happens for a plan made without them. */
        if (is_secret && !cur) continue;
        if (cur && json_equal(cur, v)) continue;
        json_array_append_new(changed, json_string(key));
        json_object_set(body, key, v);
    }
    if (json_array_size(changed) == 0) {
        json_decref(changed);
        json_decref(body);
        return;
    }
    plan_step_t *s = push(b, PLAN_UPDATE, want);
    if (!s) {
        json_decref(changed);
        json_decref(body);
        return;
    }
    s->changed = changed;
    s->body = body;
    s->before = json_deep_copy(have->props);
}

static bool is_section_managed(const json_t *desired, const char *section)
{
    return json_object_get(desired, section) != NULL;
}

/* The API an operation or API/operation policy belongs to: "/apis/x" of "/apis/x/..." */
static bool api_parent(const char *path, char *out, size_t size)
{
    if (strncmp(path, "/apis/", 6) != 0) return false;
    const char *slash = strchr(path + 6, '/');
    if (!slash || (size_t)(slash - path) >= size) return false;
    memcpy(out, path, (size_t)(slash - path));
    out[slash - path] = '\0';
    return true;
}

int plan_compute(const json_t *desired, const json_t *current, plan_t *plan)
{
    memset(plan, 0, sizeof *plan);
    svc_resources_t want, have;
    if (svc_flatten(desired, &want) < 0) return -1;
    if (svc_flatten(current, &have) < 0) {
        svc_resources_free(&want);
        return -1;
    }
    json_t *want_index = index_of(&want), *have_index = index_of(&have);
    builder_t b = {.plan = plan, .failed = !want_index || !have_index};

    for (size_t i = 0; i < want.count && !b.failed; i++) {
        const svc_resource_t *w = &want.items[i];
        const svc_resource_t *h = find(&have, have_index, w->path);
        if (!h) {
            if (w->kind == SVC_SERVICE) continue; /* the service always exists */
            plan_step_t *s = push(&b, PLAN_CREATE, w);
            if (s && w->props) s->body = json_deep_copy(w->props);
        } else if (svc_kind_is_link(w->kind)) {
            continue;
        } else if (svc_kind_is_policy(w->kind)) {
            if (json_equal(json_object_get(w->props, "value"), json_object_get(h->props, "value")))
                continue;
            plan_step_t *s = push(&b, PLAN_UPDATE, w);
            if (!s) break;
            s->body = json_deep_copy(w->props);
            s->before = json_deep_copy(h->props);
            s->changed = json_pack("[s]", "value");
        } else {
            diff_entity(&b, w, h);
        }
    }

    /* Deletes: reverse dependency order; children of a deleted API are left to the
     * server's cascade. */
    json_t *deleted_apis = json_object();
    for (size_t i = have.count; i-- > 0 && !b.failed;) {
        const svc_resource_t *h = &have.items[i];
        if (h->kind == SVC_SERVICE || find(&want, want_index, h->path)) continue;
        if (!is_section_managed(desired, h->section)) continue;
        if (h->kind == SVC_API) json_object_set_new(deleted_apis, h->path, json_integer(0));
    }
    for (size_t i = have.count; i-- > 0 && !b.failed;) {
        const svc_resource_t *h = &have.items[i];
        if (h->kind == SVC_SERVICE || find(&want, want_index, h->path)) continue;
        if (!is_section_managed(desired, h->section)) continue;
        char parent[1024];
        if (h->kind != SVC_API && api_parent(h->path, parent, sizeof parent)) {
            json_t *count = json_object_get(deleted_apis, parent);
            if (count) {
                json_object_set_new(deleted_apis, parent,
                                    json_integer(json_integer_value(count) + 1));
                continue;
            }
        }
        plan_step_t *s = push(&b, PLAN_DELETE, h);
        if (s && h->props) s->before = json_deep_copy(h->props);
    }
    /* The cascade counts are known only once every child was seen. */
    for (size_t i = 0; i < plan->count; i++) {
        plan_step_t *s = &plan->steps[i];
        if (s->action == PLAN_DELETE && s->kind == SVC_API)
            s->cascaded = (size_t)json_integer_value(json_object_get(deleted_apis, s->path));
    }
    json_decref(deleted_apis);
    json_decref(want_index);
    json_decref(have_index);
    svc_resources_free(&want);
    svc_resources_free(&have);
    if (b.failed) {
        plan_free(plan);
        return -1;
    }
    return 0;
}

void plan_free(plan_t *plan)
{
    for (size_t i = 0; i < plan->count; i++) {
        plan_step_t *s = &plan->steps[i];
        free(s->path);
        free(s->label);
        json_decref(s->body);
        json_decref(s->before);
        json_decref(s->changed);
    }
    free(plan->steps);
    memset(plan, 0, sizeof *plan);
}

void plan_print(const plan_t *plan, FILE *out)
{
    if (plan->count == 0) {
        fprintf(out, "No changes: the service matches the file.\n");
        return;
    }
    fprintf(out, "Plan: %zu to create, %zu to update, %zu to delete.\n", plan->creates,
            plan->updates, plan->deletes);
    for (size_t i = 0; i < plan->count; i++) {
        const plan_step_t *s = &plan->steps[i];
        fprintf(out, "  %s  %s", plan_action_name(s->action), s->label);
        if (s->action == PLAN_UPDATE && s->changed && !svc_kind_is_policy(s->kind)) {
            fprintf(out, " (");
            size_t k;
            json_t *name;
            json_array_foreach(s->changed, k, name)
                fprintf(out, "%s%s", k ? ", " : "", json_string_value(name));
            fprintf(out, ")");
        }
        if (s->cascaded) fprintf(out, " (and %zu operations/policies under it)", s->cascaded);
        fputc('\n', out);
    }
}
