/* compose: checks the documents of the four scopes against the registry, splices fragments,
 * substitutes named values into an overlay and expands <base/> (compose.h). */
#include "policy/compose.h"

#include "base/arena.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    const void *key; /* a policy_doc_attr_t (attribute) or policy_doc_node_t (element text) */
    const char *value;
    size_t len;
    bool is_expression;
} overlay_t;

typedef struct {
    const policy_statement_t *items;
    size_t count;
    bool is_present;
} stmt_list_t;

struct policy_program {
    arena_t arena;
    stmt_list_t sections[POLICY_SECTION_COUNT];
    overlay_t *overlay; /* sorted by key */
    size_t overlay_count;
};

/* A growable array of statements while a list is built; copied into the arena when done.
 * A <base/> marker is a statement with policy == NULL. */
typedef struct {
    policy_statement_t *items;
    size_t count, cap;
} vec_t;

typedef struct {
    const policy_compose_input_t *in;
    policy_program_t *program;
    policy_doc_error_t *err;
    overlay_t *overlay;
    size_t overlay_count, overlay_cap;
    stmt_list_t lists[POLICY_SCOPE_COUNT][POLICY_SECTION_COUNT];
} compose_t;

/* Where statements are being expanded. */
typedef struct {
    const policy_doc_t *doc;
    const char *scope_text; /* for errors */
    policy_scope_t scope;
    policy_section_t section;
    const char *fragment_id;
} site_t;

static const char *const section_elements[POLICY_SECTION_COUNT] = {"inbound", "backend",
                                                                    "outbound", "on-error"};

static int oom(compose_t *c)
{
    policy_doc_errorf(c->err, NULL, (policy_doc_pos_t){0, 0}, "out of memory");
    return -ENOMEM;
}

static int vec_push(compose_t *c, vec_t *v, const policy_statement_t *s)
{
    if (v->count == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        policy_statement_t *items = realloc(v->items, cap * sizeof *items);
        if (!items) return oom(c);
        v->items = items;
        v->cap = cap;
    }
    v->items[v->count++] = *s;
    return 0;
}

/* Moves the vector's items into the program's arena. */
static int vec_finish(compose_t *c, vec_t *v, const policy_statement_t **items, size_t *count)
{
    *items = NULL;
    *count = v->count;
    if (v->count) {
        policy_statement_t *copy = arena_alloc(&c->program->arena, v->count * sizeof *copy);
        if (!copy) {
            free(v->items);
            return oom(c);
        }
        memcpy(copy, v->items, v->count * sizeof *copy);
        *items = copy;
    }
    free(v->items);
    *v = (vec_t){0};
    return 0;
}

bool policy_is_expression(const char *value, size_t len, bool is_text)
{
    size_t i = 0;
    if (is_text)
        while (i < len && isspace((unsigned char)value[i])) i++;
    return len - i >= 2 && value[i] == '@' && (value[i + 1] == '(' || value[i + 1] == '{');
}

static bool is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)s[i])) return false;
    return true;
}

/* ---- named values (§3.6) ---- */

static bool is_name_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '-' || ch == '.' || ch == '_';
}

static const char *lookup_named_value(const compose_t *c, const char *name)
{
    for (size_t i = 0; i < c->in->named_value_count; i++)
        if (strcmp(c->in->named_values[i].name, name) == 0) return c->in->named_values[i].value;
    if (c->in->named_value_lookup) return c->in->named_value_lookup(c->in->named_value_ctx, name);
    return NULL;
}

static int overlay_add(compose_t *c, const void *key, const char *value, size_t len,
                       bool is_expression)
{
    if (c->overlay_count == c->overlay_cap) {
        size_t cap = c->overlay_cap ? c->overlay_cap * 2 : 16;
        overlay_t *o = realloc(c->overlay, cap * sizeof *o);
        if (!o) return oom(c);
        c->overlay = o;
        c->overlay_cap = cap;
    }
    c->overlay[c->overlay_count++] = (overlay_t){key, value, len, is_expression};
    return 0;
}

/* Substitutes the references in value[0..len) (an attribute when `attr`, else the text of
 * `element`). Sets *out to the value to use (the original when nothing was substituted). */
static int substitute(compose_t *c, const site_t *site, const policy_doc_attr_t *attr,
                      const policy_doc_node_t *element, const char *value, size_t len,
                      bool is_liquid, const char **out, size_t *out_len)
{
    *out = value;
    *out_len = len;
    if (!value || !memmem(value, len, "{{", 2)) return 0;
    size_t cap = len + 1, used = 0;
    char *buf = malloc(cap);
    if (!buf) return oom(c);
    bool changed = false;
    for (size_t i = 0; i < len;) {
        size_t name_start = i + 2, j = name_start;
        if (value[i] == '{' && i + 1 < len && value[i + 1] == '{') {
            while (j < len && is_name_char(value[j])) j++;
        }
        bool is_ref = j > name_start && j + 1 < len && value[j] == '}' && value[j + 1] == '}';
        const char *replacement = NULL;
        if (is_ref) {
            char name[257];
            size_t n = j - name_start < sizeof name - 1 ? j - name_start : sizeof name - 1;
            memcpy(name, value + name_start, n);
            name[n] = '\0';
            replacement = lookup_named_value(c, name);
            if (!replacement && !is_liquid) {
                policy_doc_pos_t pos = attr ? policy_doc_attr_value_pos(site->doc, attr, i)
                                            : policy_doc_text_pos(site->doc, element, i);
                policy_doc_errorf(c->err, site->scope_text, pos, "named value '%s' is not defined",
                                  name);
                free(buf);
                return -EINVAL;
            }
        }
        const char *piece = replacement ? replacement : value + i;
        size_t piece_len = replacement ? strlen(replacement) : 1;
        if (used + piece_len + 1 > cap) {
            cap = (used + piece_len + 1) * 2;
            char *b = realloc(buf, cap);
            if (!b) {
                free(buf);
                return oom(c);
            }
            buf = b;
        }
        memcpy(buf + used, piece, piece_len);
        used += piece_len;
        if (replacement) {
            changed = true;
            i = j + 2;
        } else {
            i++;
        }
    }
    if (!changed) {
        free(buf);
        return 0;
    }
    char *copy = arena_strndup(&c->program->arena, buf, used);
    free(buf);
    if (!copy) return oom(c);
    const void *key = attr ? (const void *)attr : (const void *)element;
    int rc = overlay_add(c, key, copy, used, policy_is_expression(copy, used, attr == NULL));
    if (rc) return rc;
    *out = copy;
    *out_len = used;
    return 0;
}

static const overlay_t *overlay_find(const overlay_t *o, size_t n, const void *key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (o[mid].key == key) return &o[mid];
        if ((uintptr_t)o[mid].key < (uintptr_t)key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* While composing the overlay is unsorted: search it linearly (check functions only). */
static const overlay_t *overlay_scan(const compose_t *c, const void *key)
{
    for (size_t i = c->overlay_count; i-- > 0;)
        if (c->overlay[i].key == key) return &c->overlay[i];
    return NULL;
}

static const char *check_ctx_value(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                                   const char *attr_name, bool *is_expression)
{
    const compose_t *c = ctx->compose_;
    const policy_doc_attr_t *a = policy_doc_attr(element, attr_name);
    if (!a) return NULL;
    const overlay_t *o = overlay_scan(c, a);
    if (is_expression) *is_expression = o ? o->is_expression : a->is_expression;
    return o ? o->value : a->value;
}

/* ---- checking elements against their specs ---- */

static int expand(compose_t *c, const site_t *site, const policy_doc_node_t *container,
                  bool is_section, const char *const *only_policies, vec_t *out);

static int check_element(compose_t *c, const site_t *site, const policy_doc_node_t *node,
                         const policy_element_spec_t *spec, bool is_policy, bool *needs_external,
                         vec_t *blocks);

static int check_attrs(compose_t *c, const site_t *site, const policy_doc_node_t *node,
                       const policy_element_spec_t *spec, bool is_policy, bool *needs_external)
{
    for (size_t i = 0; i < node->attr_count; i++) {
        const policy_doc_attr_t *a = &node->attrs[i];
        if (strncmp(a->name, "xmlns", 5) == 0 && (a->name[5] == '\0' || a->name[5] == ':'))
            continue;
        const policy_attr_spec_t *as = policy_element_attr(spec, a->name);
        if (!as && is_policy && strcmp(a->name, "id") == 0) continue; /* §1.1 */
        if (!as) {
            policy_doc_errorf(c->err, site->scope_text, a->pos, "unknown attribute '%s' on <%s>",
                              a->name, node->name);
            return -EINVAL;
        }
        const char *value;
        size_t len;
        int rc = substitute(c, site, a, node, a->value, a->value_len, false, &value, &len);
        if (rc) return rc;
        bool is_expression = policy_is_expression(value, len, false);
        if (as->flags & POLICY_ATTR_EXTERNAL) *needs_external = true;
        if (is_expression && (as->flags & POLICY_ATTR_NO_EXPR)) {
            policy_doc_errorf(c->err, site->scope_text, a->value_pos,
                              "attribute '%s' of <%s> does not accept policy expressions",
                              a->name, node->name);
            return -EINVAL;
        }
        char why[200];
        if (!is_expression && policy_attr_check_literal(as, value, why, sizeof why) != 0) {
            policy_doc_errorf(c->err, site->scope_text, a->value_pos,
                              "attribute '%s' of <%s> is '%.60s': %s", a->name, node->name, value,
                              why);
            return -EINVAL;
        }
    }
    for (size_t i = 0; i < spec->attr_count; i++)
        if ((spec->attrs[i].flags & POLICY_ATTR_REQUIRED) &&
            !policy_doc_attr(node, spec->attrs[i].name)) {
            policy_doc_errorf(c->err, site->scope_text, node->pos,
                              "<%s> needs the attribute '%s'", node->name, spec->attrs[i].name);
            return -EINVAL;
        }
    return 0;
}

static int reject_text(compose_t *c, const site_t *site, const policy_doc_node_t *parent,
                       const policy_doc_node_t *text)
{
    policy_doc_errorf(c->err, site->scope_text, text->pos, "<%s> takes no text here",
                      parent->name);
    return -EINVAL;
}

static int push_block(compose_t *c, const site_t *site, const policy_doc_node_t *node,
                      const char *const *only_policies, vec_t *blocks)
{
    vec_t body = {0};
    int rc = expand(c, site, node, false, only_policies, &body);
    if (rc) {
        free(body.items);
        return rc;
    }
    policy_block_t *block = arena_alloc(&c->program->arena, sizeof *block);
    if (!block) {
        free(body.items);
        return oom(c);
    }
    block->node = node;
    rc = vec_finish(c, &body, &block->statements, &block->count);
    if (rc) return rc;
    /* blocks ride in a statement vector's storage: one pointer per block */
    policy_statement_t holder = {.node = node, .blocks = block};
    return vec_push(c, blocks, &holder);
}

static int check_children(compose_t *c, const site_t *site, const policy_doc_node_t *node,
                          const policy_element_spec_t *spec, bool *needs_external, vec_t *blocks)
{
    unsigned counts[32] = {0};
    for (size_t i = 0; i < node->child_count; i++) {
        const policy_doc_node_t *ch = &node->children[i];
        if (ch->kind != POLICY_DOC_NODE_ELEMENT) {
            if (!spec->accepts_text && !is_blank(ch->text, ch->text_len))
                return reject_text(c, site, node, ch);
            continue;
        }
        size_t k = 0;
        while (k < spec->child_count && strcmp(spec->children[k].name, ch->name) != 0) k++;
        if (k == spec->child_count) {
            char expected[200];
            size_t used = 0;
            expected[0] = '\0';
            for (size_t j = 0; j < spec->child_count && used < sizeof expected; j++)
                used += (size_t)snprintf(expected + used, sizeof expected - used, "%s<%s>",
                                         j ? ", " : "", spec->children[j].name);
            policy_doc_errorf(c->err, site->scope_text, ch->pos,
                              "<%s> is not allowed inside <%s> (expected %s)", ch->name,
                              node->name, expected);
            return -EINVAL;
        }
        const policy_child_spec_t *cs = &spec->children[k];
        if (k < 32) counts[k]++;
        if (cs->max_count && k < 32 && counts[k] > cs->max_count) {
            policy_doc_errorf(c->err, site->scope_text, ch->pos,
                              "<%s> may hold at most %u <%s>", node->name, cs->max_count,
                              ch->name);
            return -EINVAL;
        }
        int rc;
        if (cs->policy) {
            const policy_descriptor_t *d = policy_registry_find(cs->policy);
            rc = check_element(c, site, ch, &d->element, true, needs_external, NULL);
            if (!rc && (d->flags & POLICY_NEEDS_EXTERNAL)) *needs_external = true;
            if (!rc && d->check) {
                policy_check_ctx_t ctx = {site->doc, site->scope_text, check_ctx_value, c};
                rc = d->check(&ctx, ch, c->err);
            }
        } else if (cs->element->content == POLICY_CONTENT_STATEMENTS) {
            rc = check_attrs(c, site, ch, cs->element, false, needs_external);
            if (!rc) rc = push_block(c, site, ch, cs->element->only_policies, blocks);
        } else {
            rc = check_element(c, site, ch, cs->element, false, needs_external, NULL);
        }
        if (rc) return rc;
    }
    for (size_t k = 0; k < spec->child_count && k < 32; k++)
        if (counts[k] < spec->children[k].min_count) {
            policy_doc_errorf(c->err, site->scope_text, node->pos, "<%s> needs %s<%s>",
                              node->name, spec->children[k].min_count > 1 ? "more " : "a ",
                              spec->children[k].name);
            return -EINVAL;
        }
    return 0;
}

static int check_element(compose_t *c, const site_t *site, const policy_doc_node_t *node,
                         const policy_element_spec_t *spec, bool is_policy, bool *needs_external,
                         vec_t *blocks)
{
    int rc = check_attrs(c, site, node, spec, is_policy, needs_external);
    if (rc) return rc;
    switch (spec->content) {
    case POLICY_CONTENT_EMPTY:
    case POLICY_CONTENT_TEXT:
        for (size_t i = 0; i < node->child_count; i++) {
            const policy_doc_node_t *ch = &node->children[i];
            if (ch->kind == POLICY_DOC_NODE_ELEMENT) {
                policy_doc_errorf(c->err, site->scope_text, ch->pos,
                                  "<%s> is not allowed inside <%s>", ch->name, node->name);
                return -EINVAL;
            }
            if (spec->content == POLICY_CONTENT_EMPTY && !is_blank(ch->text, ch->text_len))
                return reject_text(c, site, node, ch);
        }
        break;
    case POLICY_CONTENT_ANY:
        break;
    case POLICY_CONTENT_ELEMENTS: {
        vec_t local = {0};
        rc = check_children(c, site, node, spec, needs_external, blocks ? blocks : &local);
        free(local.items);
        if (rc) return rc;
        break;
    }
    case POLICY_CONTENT_STATEMENTS:
        if (blocks) return push_block(c, site, node, spec->only_policies, blocks);
        {
            vec_t local = {0};
            rc = push_block(c, site, node, spec->only_policies, &local);
            free(local.items);
            return rc;
        }
    }
    if (spec->content != POLICY_CONTENT_EMPTY && node->text) {
        bool is_liquid = strcmp(node->name, "set-body") == 0 &&
                         (policy_doc_attr_value(node, "template") != NULL &&
                          strcasecmp(policy_doc_attr_value(node, "template"), "liquid") == 0);
        const char *value;
        size_t len;
        rc = substitute(c, site, NULL, node, node->text, node->text_len, is_liquid, &value, &len);
        if (rc) return rc;
    }
    return 0;
}

static void mask_names(char *out, size_t size, unsigned mask, bool is_sections)
{
    size_t used = 0;
    out[0] = '\0';
    unsigned n = is_sections ? POLICY_SECTION_COUNT : POLICY_SCOPE_COUNT;
    for (unsigned i = 0; i < n && used < size; i++)
        if (mask & (1u << i))
            used += (size_t)snprintf(out + used, size - used, "%s%s", used ? ", " : "",
                                     is_sections ? policy_section_name((policy_section_t)i)
                                                 : policy_scope_name((policy_scope_t)i));
}

static const policy_fragment_t *find_fragment(const compose_t *c, const char *id)
{
    for (size_t i = 0; i < c->in->fragment_count; i++)
        if (strcmp(c->in->fragments[i].id, id) == 0) return &c->in->fragments[i];
    return NULL;
}

static int include_fragment(compose_t *c, const site_t *site, const policy_doc_node_t *node,
                            const char *const *only_policies, vec_t *out)
{
    const policy_descriptor_t *d = policy_registry_find("include-fragment");
    bool unused = false;
    int rc = check_element(c, site, node, &d->element, true, &unused, NULL);
    if (rc) return rc;
    if (site->fragment_id) {
        policy_doc_errorf(c->err, site->scope_text, node->pos,
                          "a fragment may not include another fragment (spec §1.1)");
        return -EINVAL;
    }
    const char *id = check_ctx_value(&(policy_check_ctx_t){.compose_ = c}, node, "fragment-id",
                                     NULL);
    const policy_fragment_t *f = find_fragment(c, id);
    if (!f || !f->doc || policy_doc_type(f->doc) != POLICY_DOC_FRAGMENT) {
        policy_doc_errorf(c->err, site->scope_text, node->pos, "fragment '%s' is not defined",
                          id);
        return -EINVAL;
    }
    site_t inner = *site;
    inner.doc = f->doc;
    inner.scope_text = policy_doc_scope(f->doc);
    inner.fragment_id = f->id;
    return expand(c, &inner, policy_doc_root(f->doc), false, only_policies, out);
}

static bool is_section_name(const char *name)
{
    for (int i = 0; i < POLICY_SECTION_COUNT; i++)
        if (strcmp(name, section_elements[i]) == 0) return true;
    return false;
}

/* Appends the statements among `container`'s children to `out`, checked at `site`. */
static int expand(compose_t *c, const site_t *site, const policy_doc_node_t *container,
                  bool is_section, const char *const *only_policies, vec_t *out)
{
    for (size_t i = 0; i < container->child_count; i++) {
        const policy_doc_node_t *n = &container->children[i];
        if (n->kind != POLICY_DOC_NODE_ELEMENT) {
            if (!is_blank(n->text, n->text_len)) return reject_text(c, site, container, n);
            continue;
        }
        int rc;
        if (strcmp(n->name, "base") == 0) {
            if (site->fragment_id) {
                policy_doc_errorf(c->err, site->scope_text, n->pos,
                                  "a fragment may not contain <base/> (spec §1.1)");
                return -EINVAL;
            }
            if (!is_section) {
                policy_doc_errorf(c->err, site->scope_text, n->pos,
                                  "<base/> is allowed only as a direct child of a section "
                                  "(spec §1.3)");
                return -EINVAL;
            }
            if (n->attr_count || n->child_count) {
                policy_doc_errorf(c->err, site->scope_text, n->pos, "<base/> takes no content");
                return -EINVAL;
            }
            policy_statement_t marker = {.node = n, .doc = site->doc, .scope = site->scope,
                                         .section = site->section};
            rc = vec_push(c, out, &marker);
            if (rc) return rc;
            continue;
        }
        if (site->fragment_id && is_section_name(n->name)) {
            policy_doc_errorf(c->err, site->scope_text, n->pos,
                              "a fragment may not contain sections (<%s>, spec §1.1)", n->name);
            return -EINVAL;
        }
        const policy_descriptor_t *d = policy_registry_find(n->name);
        if (!d) {
            policy_doc_errorf(c->err, site->scope_text, n->pos, "unknown policy <%s>", n->name);
            return -EINVAL;
        }
        if (only_policies) {
            const char *const *p = only_policies;
            while (*p && strcmp(*p, n->name) != 0) p++;
            if (!*p) {
                policy_doc_errorf(c->err, site->scope_text, n->pos,
                                  "<%s> is not allowed inside <%s>", n->name, container->name);
                return -EINVAL;
            }
        }
        char allowed[80];
        if (!(d->sections & (1u << site->section))) {
            mask_names(allowed, sizeof allowed, d->sections, true);
            policy_doc_errorf(c->err, site->scope_text, n->pos,
                              "<%s> is not allowed in <%s> (allowed in: %s)", n->name,
                              policy_section_name(site->section), allowed);
            return -EINVAL;
        }
        if (!(d->scopes & (1u << site->scope))) {
            mask_names(allowed, sizeof allowed, d->scopes, false);
            policy_doc_errorf(c->err, site->scope_text, n->pos,
                              "<%s> is not allowed at %s scope (allowed at: %s)", n->name,
                              policy_scope_name(site->scope), allowed);
            return -EINVAL;
        }
        if (strcmp(n->name, "include-fragment") == 0) {
            rc = include_fragment(c, site, n, only_policies, out);
            if (rc) return rc;
            continue;
        }
        policy_statement_t s = {.policy = d, .node = n, .doc = site->doc, .scope = site->scope,
                                .section = site->section, .fragment_id = site->fragment_id,
                                .needs_external = (d->flags & POLICY_NEEDS_EXTERNAL) != 0};
        vec_t blocks = {0};
        rc = check_element(c, site, n, &d->element, true, &s.needs_external, &blocks);
        if (!rc && d->check) {
            policy_check_ctx_t ctx = {site->doc, site->scope_text, check_ctx_value, c};
            rc = d->check(&ctx, n, c->err);
        }
        if (!rc && blocks.count) {
            policy_block_t *b = arena_alloc(&c->program->arena, blocks.count * sizeof *b);
            if (!b) rc = oom(c);
            for (size_t k = 0; b && k < blocks.count; k++) b[k] = *blocks.items[k].blocks;
            s.blocks = b;
            s.block_count = blocks.count;
        }
        free(blocks.items);
        if (!rc) rc = vec_push(c, out, &s);
        if (rc) return rc;
    }
    return 0;
}

/* ---- once-only rules ---- */

/* Occurrences of `d` on the busiest path through `items` (a choose runs one branch). */
static size_t path_count(const policy_statement_t *items, size_t n, const policy_descriptor_t *d)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const policy_statement_t *s = &items[i];
        total += s->policy == d;
        size_t nested = 0;
        bool is_branching = s->policy && strcmp(s->policy->name, "choose") == 0;
        for (size_t b = 0; b < s->block_count; b++) {
            size_t k = path_count(s->blocks[b].statements, s->blocks[b].count, d);
            nested = is_branching ? (k > nested ? k : nested) : nested + k;
        }
        total += nested;
    }
    return total;
}

/* The `nth` (1-based) occurrence of `d` in document order, or NULL. */
static const policy_statement_t *nth_statement(const policy_statement_t *items, size_t n,
                                               const policy_descriptor_t *d, size_t *nth)
{
    for (size_t i = 0; i < n; i++) {
        if (items[i].policy == d && --*nth == 0) return &items[i];
        for (size_t b = 0; b < items[i].block_count; b++) {
            const policy_statement_t *s =
                nth_statement(items[i].blocks[b].statements, items[i].blocks[b].count, d, nth);
            if (s) return s;
        }
    }
    return NULL;
}

static int report_repeat(compose_t *c, const stmt_list_t *list, const policy_descriptor_t *d,
                         const char *rule)
{
    size_t nth = 2;
    const policy_statement_t *s = nth_statement(list->items, list->count, d, &nth);
    if (!s) nth = 1, s = nth_statement(list->items, list->count, d, &nth);
    policy_doc_errorf(c->err, s ? policy_doc_scope(s->doc) : NULL,
                      s ? s->node->pos : (policy_doc_pos_t){0, 0}, "<%s> may appear only once %s",
                      d->name, rule);
    return -EINVAL;
}

static int check_document_rules(compose_t *c, policy_scope_t scope, const char *scope_text)
{
    size_t count;
    const policy_descriptor_t *const *all = policy_registry_all(&count);
    for (size_t i = 0; i < count; i++) {
        const policy_descriptor_t *d = all[i];
        if (!(d->flags & (POLICY_ONCE_PER_SECTION | POLICY_ONCE_PER_DOCUMENT))) continue;
        size_t in_document = 0;
        const stmt_list_t *last = NULL;
        for (int s = 0; s < POLICY_SECTION_COUNT; s++) {
            const stmt_list_t *l = &c->lists[scope][s];
            size_t k = path_count(l->items, l->count, d);
            if (k > 1 && (d->flags & POLICY_ONCE_PER_SECTION))
                return report_repeat(c, l, d, "per section (spec §1.6)");
            if (k) last = l;
            in_document += k;
        }
        if (in_document > 1 && (d->flags & POLICY_ONCE_PER_DOCUMENT))
            return report_repeat(c, last, d, "per document (spec §1.6)");
    }
    /* §1.1: the backend section holds one policy element (normally forward-request). The
     * <base/> marker is not a policy: `<base /><forward-request />` is one element beside the
     * inherited ones. forward-request is once per document (§1.6, its descriptor's flag):
     * such a document forwards a second time after the inherited forward-request, which the
     * executor runs in sequence (the second re-sends the current request and replaces the
     * response). */
    const stmt_list_t *backend = &c->lists[scope][POLICY_SECTION_BACKEND];
    size_t policies_in_backend = 0, second = 0;
    for (size_t i = 0; i < backend->count; i++)
        if (backend->items[i].policy && ++policies_in_backend == 2) second = i;
    if (policies_in_backend > 1) {
        policy_doc_errorf(c->err, scope_text, backend->items[second].node->pos,
                          "<backend> may contain only one policy element (spec §1.1); wrap "
                          "several in <choose>, <retry> or <limit-concurrency>");
        return -EINVAL;
    }
    return 0;
}

/* Checks the root and the sections of one document, filling c->lists[scope]. */
static int check_document(compose_t *c, policy_scope_t scope)
{
    const policy_doc_t *doc = c->in->docs[scope];
    site_t site = {.doc = doc, .scope_text = policy_doc_scope(doc), .scope = scope};
    if (policy_doc_type(doc) != POLICY_DOC_POLICY) {
        policy_doc_errorf(c->err, site.scope_text, (policy_doc_pos_t){0, 0},
                          "a policy document must have the root <policies>");
        return -EINVAL;
    }
    const policy_doc_node_t *root = policy_doc_root(doc);
    int next = 0;
    for (size_t i = 0; i < root->child_count; i++) {
        const policy_doc_node_t *n = &root->children[i];
        if (n->kind != POLICY_DOC_NODE_ELEMENT) {
            if (!is_blank(n->text, n->text_len)) return reject_text(c, &site, root, n);
            continue;
        }
        int s = 0;
        while (s < POLICY_SECTION_COUNT && strcmp(n->name, section_elements[s]) != 0) s++;
        if (s == POLICY_SECTION_COUNT) {
            policy_doc_errorf(c->err, site.scope_text, n->pos,
                              "<%s> is not a section: <policies> holds <inbound>, <backend>, "
                              "<outbound> and <on-error> (spec §1.1)",
                              n->name);
            return -EINVAL;
        }
        if (s < next) {
            policy_doc_errorf(c->err, site.scope_text, n->pos,
                              "<%s> is repeated or out of order: sections come once each, in "
                              "the order inbound, backend, outbound, on-error (spec §1.1)",
                              n->name);
            return -EINVAL;
        }
        next = s + 1;
        site.section = (policy_section_t)s;
        vec_t v = {0};
        int rc = expand(c, &site, n, true, NULL, &v);
        if (rc) {
            free(v.items);
            return rc;
        }
        stmt_list_t *l = &c->lists[scope][s];
        l->is_present = true;
        rc = vec_finish(c, &v, &l->items, &l->count);
        if (rc) return rc;
    }
    return check_document_rules(c, scope, site.scope_text);
}

/* ---- <base/> expansion (§1.3) ---- */

static int parent_scope(const compose_t *c, int scope)
{
    for (int p = scope - 1; p >= 0; p--) {
        if (p == POLICY_SCOPE_PRODUCT && !c->in->is_product_context) continue;
        return p;
    }
    return -1;
}

static int effective(compose_t *c, policy_section_t section, int scope, vec_t *out)
{
    const stmt_list_t *l = &c->lists[scope][section];
    bool is_inherited = !c->in->docs[scope] || !l->is_present; /* [I] absent = <base/> */
    if (is_inherited) {
        int p = parent_scope(c, scope);
        return p < 0 ? 0 : effective(c, section, p, out);
    }
    for (size_t i = 0; i < l->count; i++) {
        int rc;
        if (l->items[i].policy) {
            rc = vec_push(c, out, &l->items[i]);
        } else {
            int p = parent_scope(c, scope);
            rc = p < 0 ? 0 : effective(c, section, p, out); /* global <base/>: no-op */
        }
        if (rc) return rc;
    }
    return 0;
}

static int by_key(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const overlay_t *)a)->key, y = (uintptr_t)((const overlay_t *)b)->key;
    return x < y ? -1 : x > y;
}

int policy_compose(const policy_compose_input_t *in, policy_program_t **out,
                   policy_doc_error_t *err)
{
    *out = NULL;
    compose_t c = {.in = in, .err = err};
    c.program = calloc(1, sizeof *c.program);
    if (!c.program) return oom(&c);
    arena_init(&c.program->arena, 16 * 1024);
    int rc = 0;
    for (int scope = 0; scope < POLICY_SCOPE_COUNT && !rc; scope++)
        if (in->docs[scope]) rc = check_document(&c, (policy_scope_t)scope);
    for (int s = 0; s < POLICY_SECTION_COUNT && !rc; s++) {
        vec_t v = {0};
        rc = effective(&c, (policy_section_t)s, POLICY_SCOPE_OPERATION, &v);
        stmt_list_t *l = &c.program->sections[s];
        if (rc)
            free(v.items);
        else
            rc = vec_finish(&c, &v, &l->items, &l->count);
        l->is_present = true;
    }
    if (rc) {
        free(c.overlay);
        policy_program_free(c.program);
        return rc;
    }
    if (c.overlay_count) {
        c.program->overlay = arena_alloc(&c.program->arena, c.overlay_count * sizeof(overlay_t));
        if (!c.program->overlay) {
            free(c.overlay);
            policy_program_free(c.program);
            return oom(&c);
        }
        memcpy(c.program->overlay, c.overlay, c.overlay_count * sizeof(overlay_t));
        qsort(c.program->overlay, c.overlay_count, sizeof(overlay_t), by_key);
        c.program->overlay_count = c.overlay_count;
    }
    free(c.overlay);
    *out = c.program;
    return 0;
}

void policy_program_free(policy_program_t *program)
{
    if (!program) return;
    arena_free(&program->arena);
    free(program);
}

const policy_statement_t *policy_program_section(const policy_program_t *program,
                                                 policy_section_t section, size_t *count)
{
    *count = 0;
    if (!program || (unsigned)section >= POLICY_SECTION_COUNT) return NULL;
    *count = program->sections[section].count;
    return program->sections[section].items;
}

const char *policy_program_attr(const policy_program_t *program, const policy_doc_node_t *element,
                                const char *name, size_t *len, bool *is_expression)
{
    const policy_doc_attr_t *a = policy_doc_attr(element, name);
    if (!a) return NULL;
    const overlay_t *o = program ? overlay_find(program->overlay, program->overlay_count, a) : NULL;
    if (len) *len = o ? o->len : a->value_len;
    if (is_expression) *is_expression = o ? o->is_expression : a->is_expression;
    return o ? o->value : a->value;
}

const char *policy_program_text(const policy_program_t *program, const policy_doc_node_t *element,
                                size_t *len, bool *is_expression)
{
    if (!element) return NULL;
    const overlay_t *o =
        program ? overlay_find(program->overlay, program->overlay_count, element) : NULL;
    if (len) *len = o ? o->len : element->text_len;
    if (is_expression)
        *is_expression = o ? o->is_expression
                           : policy_is_expression(element->text ? element->text : "",
                                                  element->text_len, true);
    return o ? o->value : element->text;
}
