/* The executor's compiler (exec.h "Compile"): a composed program → per section one array of
 * steps; choose/when/otherwise, retry and wait become control steps with jumps; every
 * attribute and text holding an expression is compiled here, once. */
#include "policy/exec_internal.h"

#include "policy/concurrency.h"

#include "policy/context.h"

#define DEFAULT_CONTEXT_CLASS (&policy_context_class)

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Deepest nesting of control blocks; the document loader bounds nesting to 64 already. */
#define PATH_MAX_LEN 1024

typedef struct {
    policy_step_t *items;
    size_t count, cap;
} step_vec_t;

typedef struct {
    policy_exec_program_t *out;
    policy_doc_error_t *err;
    step_vec_t steps;
    policy_section_t section;
    unsigned retry_depth; /* inside <retry>: a forward-request there must replay the body */
    size_t forward_count; /* forward-requests compiled so far, in run order */
    size_t release_cap;
} compiler_t;

static int oom(compiler_t *c)
{
    policy_doc_errorf(c->err, NULL, (policy_doc_pos_t){0}, "out of memory");
    return -ENOMEM;
}

static int push_step(compiler_t *c, const policy_step_t *step, uint32_t *index)
{
    if (c->steps.count == c->steps.cap) {
        size_t cap = c->steps.cap ? c->steps.cap * 2 : 16;
        policy_step_t *items = realloc(c->steps.items, cap * sizeof *items);
        if (!items) return oom(c);
        c->steps.items = items;
        c->steps.cap = cap;
    }
    if (index) *index = (uint32_t)c->steps.count;
    c->steps.items[c->steps.count] = *step;
    c->steps.items[c->steps.count++].state = c->out->state_count++;
    return 0;
}

/* ---- values ---- */

static const char *skip_space(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) s++;
    return s;
}

/* Expressions that read a message body make the host buffer it (exec.h program flags). The
 * check is on the text and errs on the side of buffering — a false positive only buffers a
 * body that was not needed, a false negative would fail the read: any member access
 * `.Body` (also `?.Body`, or through a local: `var r = context.Request; r.Body`) counts for
 * the request when the text names Request, for the response when it names Response. */
static void note_body_reads(policy_compile_ctx_t *cc, const char *text, size_t len)
{
    if (!cc->flags || !memmem(text, len, ".Body", 5)) return;
    if (memmem(text, len, "Request", 7)) *cc->flags |= POLICY_NEEDS_REQUEST_BODY;
    if (memmem(text, len, "Response", 8)) *cc->flags |= POLICY_NEEDS_RESPONSE_BODY;
}

static int compile_literal(policy_compile_ctx_t *cc, const char *what, policy_doc_pos_t pos,
                           policy_value_type_t type, policy_value_t *out,
                           policy_doc_error_t *err)
{
    if (type == POLICY_VALUE_BOOL) {
        if (strcasecmp(out->text, "true") == 0) out->number = 1;
        else if (strcasecmp(out->text, "false") == 0) out->number = 0;
        else {
            policy_doc_errorf(err, cc->scope_name, pos, "%s must be true or false, not '%s'",
                              what, out->text);
            return -EINVAL;
        }
    } else if (type == POLICY_VALUE_INT) {
        const char *s = skip_space(out->text, out->text + out->len);
        char *end = NULL;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (s == end || errno || *skip_space(end, out->text + out->len)) {
            policy_doc_errorf(err, cc->scope_name, pos, "%s must be an integer, not '%s'", what,
                              out->text);
            return -EINVAL;
        }
        out->number = v;
    }
    return 0;
}

static expr_type_t expected_type(policy_value_type_t type)
{
    switch (type) {
    case POLICY_VALUE_BOOL: return (expr_type_t){&expr_class_bool, NULL};
    case POLICY_VALUE_INT: return (expr_type_t){&expr_class_int, NULL};
    case POLICY_VALUE_STRING: return (expr_type_t){&expr_class_string, NULL};
    default: return (expr_type_t){NULL, NULL};
    }
}

static int compile_expression(policy_compile_ctx_t *cc, const char *text, size_t len,
                              policy_doc_pos_t pos, policy_value_type_t type,
                              policy_value_t *out, policy_doc_error_t *err)
{
    expr_compile_options_t opts = {
        .context_class = cc->context_class,
        .host_classes = policy_context_nameable_classes,
        .origin = {.offset = 0, .line = pos.line, .col = pos.col},
        .expected = expected_type(type),
    };
    expr_program_t *program = NULL;
    expr_error_t xerr = {0};
    int rc = expr_compile(cc->arena, text, len, &opts, &program, &xerr);
    if (rc < 0) {
        if (rc == EXPR_ERR_NOMEM) {
            policy_doc_errorf(err, cc->scope_name, pos, "out of memory");
            return -ENOMEM;
        }
        policy_doc_pos_t at = pos;
        if (xerr.pos.line) at = (policy_doc_pos_t){.line = xerr.pos.line, .col = xerr.pos.col};
        policy_doc_errorf(err, cc->scope_name, at, "%s", xerr.message);
        return -EINVAL;
    }
    out->program = program;
    note_body_reads(cc, text, len);
    return 0;
}

static const policy_attr_spec_t *spec_attr(const policy_element_spec_t *spec, const char *name)
{
    return spec ? policy_element_attr(spec, name) : NULL;
}

int policy_compile_attr(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                        const char *name, policy_value_type_t type, policy_value_t *out,
                        policy_doc_error_t *err)
{
    memset(out, 0, sizeof *out);
    size_t len = 0;
    bool is_expression = false;
    const char *value = policy_program_attr(cc->program, element, name, &len, &is_expression);
    const policy_doc_attr_t *attr = policy_doc_attr(element, name);
    policy_doc_pos_t pos = attr ? attr->value_pos : element->pos;
    if (!value) {
        const policy_attr_spec_t *as = element == cc->element ? spec_attr(cc->spec, name) : NULL;
        if (!as || !as->default_value) return 0;
        value = as->default_value;
        len = strlen(value);
        is_expression = false;
    }
    out->is_present = true;
    out->text = value;
    out->len = len;
    char what[96];
    snprintf(what, sizeof what, "%s of <%s>", name, element->name);
    if (!is_expression) return compile_literal(cc, what, pos, type, out, err);
    return compile_expression(cc, value, len, pos, type, out, err);
}

int policy_compile_text(policy_compile_ctx_t *cc, const policy_doc_node_t *element,
                        policy_value_type_t type, policy_value_t *out, policy_doc_error_t *err)
{
    memset(out, 0, sizeof *out);
    size_t len = 0;
    bool is_expression = false;
    const char *text = policy_program_text(cc->program, element, &len, &is_expression);
    if (!text) {
        out->is_present = false;
        out->text = "";
        return 0;
    }
    out->is_present = true;
    out->text = text;
    out->len = len;
    char what[96];
    snprintf(what, sizeof what, "the text of <%s>", element->name);
    if (!is_expression) {
        return compile_literal(cc, what, policy_doc_text_pos(cc->doc, element, 0), type, out,
                               err);
    }
    /* An expression text may have white space around it (§3.1). */
    const char *start = skip_space(text, text + len), *end = text + len;
    while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
        end--;
    policy_doc_pos_t pos = policy_doc_text_pos(cc->doc, element, (size_t)(start - text));
    return compile_expression(cc, start, (size_t)(end - start), pos, type, out, err);
}

int policy_compile_as(policy_compile_ctx_t *cc, const policy_descriptor_t *policy,
                      const policy_doc_node_t *element, const void **data,
                      policy_doc_error_t *err)
{
    *data = NULL;
    if (!policy->compile) return 0;
    policy_compile_ctx_t sub = *cc;
    sub.spec = &policy->element;
    sub.element = element;
    sub.statement = NULL;
    return policy->compile(&sub, element, data, err);
}

/* ---- statements ---- */

static int compile_list(compiler_t *c, const policy_statement_t *items, size_t count,
                        const char *parent_path);

static const char *make_path(compiler_t *c, const char *parent, const char *name, size_t index)
{
    char buf[PATH_MAX_LEN];
    if (parent && *parent) snprintf(buf, sizeof buf, "%s/%s[%zu]", parent, name, index);
    else snprintf(buf, sizeof buf, "%s[%zu]", name, index);
    return arena_strndup(&c->out->arena, buf, strlen(buf));
}

static policy_compile_ctx_t make_ctx(compiler_t *c, const policy_statement_t *st)
{
    return (policy_compile_ctx_t){
        .arena = &c->out->arena,
        .program = c->out->source,
        .doc = st->doc,
        .scope_name = policy_doc_scope(st->doc),
        .statement = st,
        .spec = &st->policy->element,
        .element = st->node,
        .opts = &c->out->opts,
        .context_class = c->out->context_class,
        .flags = &c->out->flags,
        .target = c->out,
    };
}

static policy_step_t control_step(const policy_statement_t *st, const char *path,
                                  int (*run)(policy_exec_t *, const policy_step_t *))
{
    return (policy_step_t){
        .run = run,
        .path = path,
        .policy_id = policy_doc_attr_value(st->node, "id"),
        .node = st->node,
        .scope = st->scope,
        .section = st->section,
    };
}

static const policy_block_t *block_of(const policy_statement_t *st, const policy_doc_node_t *node)
{
    for (size_t i = 0; i < st->block_count; i++)
        if (st->blocks[i].node == node) return &st->blocks[i];
    return NULL;
}

/* choose (§2.1): WHEN(c1 → next) body1 JUMP(end) WHEN(c2 → next) body2 JUMP(end) otherwise */
static int compile_choose(compiler_t *c, const policy_statement_t *st, const char *path)
{
    policy_compile_ctx_t cc = make_ctx(c, st);
    uint32_t jumps_to_end[256];
    size_t jump_count = 0;
    size_t when_index = 0;
    for (const policy_doc_node_t *ch = policy_doc_first_element(st->node, NULL); ch;
         ch = policy_doc_next_element(ch, NULL)) {
        const policy_block_t *block = block_of(st, ch);
        bool is_when = strcmp(ch->name, "when") == 0;
        const char *bpath = is_when ? make_path(c, path, "when", ++when_index)
                                    : make_path(c, path, "otherwise", 1);
        if (!bpath) return oom(c);
        uint32_t when_at = 0;
        if (is_when) {
            policy_when_data_t *d = arena_alloc(&c->out->arena, sizeof *d);
            if (!d) return oom(c);
            cc.spec = NULL;
            int rc = policy_compile_attr(&cc, ch, "condition", POLICY_VALUE_BOOL, &d->condition,
                                         c->err);
            if (rc) return rc;
            policy_step_t s = control_step(st, bpath, policy_step_when);
            s.data = d;
            if ((rc = push_step(c, &s, &when_at))) return rc;
        }
        if (block) {
            int rc = compile_list(c, block->statements, block->count, bpath);
            if (rc) return rc;
        }
        if (is_when) {
            if (jump_count == sizeof jumps_to_end / sizeof *jumps_to_end) {
                policy_doc_errorf(c->err, cc.scope_name, ch->pos, "too many <when> in <choose>");
                return -EINVAL;
            }
            policy_step_t j = control_step(st, path, policy_step_jump);
            int rc = push_step(c, &j, &jumps_to_end[jump_count++]);
            if (rc) return rc;
            c->steps.items[when_at].jump = (uint32_t)c->steps.count;
        }
    }
    for (size_t i = 0; i < jump_count; i++) c->steps.items[jumps_to_end[i]].jump = (uint32_t)c->steps.count;
    return 0;
}

/* retry (§2.1): ENTER(slot = 0) body CHECK(condition → body start) */
static int compile_retry(compiler_t *c, const policy_statement_t *st, const char *path)
{
    policy_compile_ctx_t cc = make_ctx(c, st);
    policy_retry_data_t *d = arena_alloc(&c->out->arena, sizeof *d);
    if (!d) return oom(c);
    int rc = policy_compile_attr(&cc, st->node, "condition", POLICY_VALUE_BOOL, &d->condition, c->err);
    if (!rc) rc = policy_compile_attr(&cc, st->node, "count", POLICY_VALUE_INT, &d->count, c->err);
    if (!rc) rc = policy_compile_attr(&cc, st->node, "interval", POLICY_VALUE_INT, &d->interval, c->err);
    if (!rc)
        rc = policy_compile_attr(&cc, st->node, "max-interval", POLICY_VALUE_INT, &d->max_interval,
                                 c->err);
    if (!rc) rc = policy_compile_attr(&cc, st->node, "delta", POLICY_VALUE_INT, &d->delta, c->err);
    if (!rc)
        rc = policy_compile_attr(&cc, st->node, "first-fast-retry", POLICY_VALUE_BOOL,
                                 &d->first_fast_retry, c->err);
    if (rc) return rc;
    uint32_t slot = c->out->slot_count++;
    policy_step_t enter = control_step(st, path, policy_step_retry_enter);
    enter.slot = slot;
    if ((rc = push_step(c, &enter, NULL))) return rc;
    uint32_t body = (uint32_t)c->steps.count;
    const policy_block_t *block = block_of(st, st->node);
    c->retry_depth++;
    if (block && (rc = compile_list(c, block->statements, block->count, path))) return rc;
    c->retry_depth--;
    policy_step_t check = control_step(st, path, policy_step_retry_check);
    check.data = d;
    check.slot = slot;
    check.jump = body;
    return push_step(c, &check, NULL);
}

/* wait (§2.1): children run one after the other (allowed by §2.1 [I]); with for="any" the
 * first child to complete ends the wait, so WAIT_NEXT after each child jumps to the end. */
static int compile_wait(compiler_t *c, const policy_statement_t *st, const char *path)
{
    policy_compile_ctx_t cc = make_ctx(c, st);
    policy_wait_data_t *d = arena_alloc(&c->out->arena, sizeof *d);
    if (!d) return oom(c);
    int rc = policy_compile_attr(&cc, st->node, "for", POLICY_VALUE_STRING, &d->for_, c->err);
    if (rc) return rc;
    const policy_block_t *block = block_of(st, st->node);
    size_t first = c->steps.count;
    for (size_t i = 0; block && i < block->count; i++) {
        if ((rc = compile_list(c, &block->statements[i], 1, path))) return rc;
        policy_step_t next = control_step(st, path, policy_step_wait_next);
        next.data = d;
        if ((rc = push_step(c, &next, NULL))) return rc;
    }
    for (size_t i = first; i < c->steps.count; i++)
        if (c->steps.items[i].run == policy_step_wait_next && c->steps.items[i].data == d)
            c->steps.items[i].jump = (uint32_t)c->steps.count;
    return 0;
}

/* limit-concurrency (§2.1): ENTER (takes a slot or raises 429) body LEAVE; LEAVE is also a
 * release step, run when an error or the end of the run skips it (concurrency.h). */
static int compile_limit_concurrency(compiler_t *c, const policy_statement_t *st, const char *path)
{
    policy_compile_ctx_t cc = make_ctx(c, st);
    const void *data = NULL;
    int rc = st->policy->compile(&cc, st->node, &data, c->err);
    if (rc) return rc;
    policy_step_t enter = control_step(st, path, st->policy->run);
    enter.policy = st->policy;
    enter.data = data;
    uint32_t enter_at = 0;
    if ((rc = push_step(c, &enter, &enter_at))) return rc;
    const policy_block_t *block = block_of(st, st->node);
    if (block && (rc = compile_list(c, block->statements, block->count, path))) return rc;
    policy_step_t leave = control_step(st, path, policy_limit_concurrency_leave);
    leave.policy = st->policy;
    leave.data = data;
    uint32_t at = 0;
    if ((rc = push_step(c, &leave, &at))) return rc;
    /* LEAVE reads what ENTER took from ENTER's state slot */
    c->steps.items[at].state = c->steps.items[enter_at].state;
    policy_exec_program_t *p = c->out;
    if (p->release_count == c->release_cap) {
        size_t cap = c->release_cap ? c->release_cap * 2 : 4;
        void *items = realloc(p->releases, cap * sizeof *p->releases);
        if (!items) return oom(c);
        p->releases = items;
        c->release_cap = cap;
    }
    p->releases[p->release_count].section = c->section;
    p->releases[p->release_count++].index = at;
    return 0;
}

static int compile_statement(compiler_t *c, const policy_statement_t *st, const char *path)
{
    const char *name = st->policy->name;
    if (strcmp(name, "choose") == 0) return compile_choose(c, st, path);
    if (strcmp(name, "retry") == 0) return compile_retry(c, st, path);
    if (strcmp(name, "wait") == 0) return compile_wait(c, st, path);
    if (strcmp(name, "limit-concurrency") == 0 && st->policy->compile && st->policy->run)
        return compile_limit_concurrency(c, st, path);
    policy_compile_ctx_t cc = make_ctx(c, st);
    if (!st->policy->run) {
        policy_doc_errorf(c->err, cc.scope_name, st->node->pos,
                          "policy <%s> is not supported by this gateway yet", name);
        return -EINVAL;
    }
    policy_step_t step = control_step(st, path, st->policy->run);
    step.policy = st->policy;
    if (st->policy->compile) {
        const void *data = NULL;
        int rc = st->policy->compile(&cc, st->node, &data, c->err);
        if (rc) return rc;
        step.data = data;
    }
    if (strcmp(name, "forward-request") == 0) {
        c->out->flags |= POLICY_CALLS_BACKEND;
        /* a retried forward-request must send the body again (§2.1), and so must a second
         * one after an inherited forward-request (`<base/><forward-request/>`, §1.6 counts
         * per document): each re-sends the current request and replaces the response. Two
         * in exclusive choose branches are counted too: buffering is then merely unneeded. */
        if (c->retry_depth || c->forward_count++) c->out->flags |= POLICY_NEEDS_REQUEST_BODY;
    }
    return push_step(c, &step, NULL);
}

static int compile_list(compiler_t *c, const policy_statement_t *items, size_t count,
                        const char *parent_path)
{
    for (size_t i = 0; i < count; i++) {
        const policy_statement_t *st = &items[i];
        size_t index = 1;
        for (size_t k = 0; k < i; k++)
            if (items[k].policy == st->policy) index++;
        const char *path = make_path(c, parent_path, st->policy->name, index);
        if (!path) return oom(c);
        int rc = compile_statement(c, st, path);
        if (rc) return rc;
    }
    return 0;
}

int policy_exec_compile(const policy_program_t *program, const policy_exec_options_t *opts,
                        policy_exec_program_t **out, policy_doc_error_t *err)
{
    *out = NULL;
    policy_exec_program_t *p = calloc(1, sizeof *p);
    if (!p) {
        policy_doc_errorf(err, NULL, (policy_doc_pos_t){0}, "out of memory");
        return -ENOMEM;
    }
    arena_init(&p->arena, 16 * 1024);
    p->source = program;
    if (opts) p->opts = *opts;
    p->context_class = p->opts.context_class ? p->opts.context_class : DEFAULT_CONTEXT_CLASS;
    compiler_t c = {.out = p, .err = err};
    int rc = 0;
    for (int s = 0; s < POLICY_SECTION_COUNT && !rc; s++) {
        size_t count = 0;
        const policy_statement_t *items = policy_program_section(program, (policy_section_t)s, &count);
        c.section = (policy_section_t)s;
        c.steps.count = 0;
        rc = compile_list(&c, items, count, NULL);
        if (rc) break;
        policy_step_t *steps = arena_alloc(&p->arena, (c.steps.count ? c.steps.count : 1) * sizeof *steps);
        if (!steps) {
            rc = oom(&c);
            break;
        }
        if (c.steps.count) memcpy(steps, c.steps.items, c.steps.count * sizeof *steps);
        p->steps[s] = steps;
        p->step_count[s] = (uint32_t)c.steps.count;
    }
    free(c.steps.items);
    if (rc) {
        policy_exec_program_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int policy_compile_defer(policy_compile_ctx_t *cc, void (*fn)(void *), void *ptr)
{
    struct policy_deferred *d = malloc(sizeof *d);
    if (!d || !cc->target) {
        /* no program to tie it to (or no memory): give it back now rather than leak it */
        free(d);
        fn(ptr);
        return -ENOMEM;
    }
    *d = (struct policy_deferred){.fn = fn, .ptr = ptr, .next = cc->target->deferred};
    cc->target->deferred = d;
    return 0;
}

void policy_exec_program_free(policy_exec_program_t *program)
{
    if (!program) return;
    /* newest first: a hook may still use what an older one releases; before the arena goes,
     * since the hooks' objects may point into it */
    while (program->deferred) {
        struct policy_deferred *d = program->deferred;
        program->deferred = d->next;
        d->fn(d->ptr);
        free(d);
    }
    free(program->releases);
    arena_free(&program->arena);
    free(program);
}

unsigned policy_exec_program_flags(const policy_exec_program_t *program)
{
    return program->flags;
}

size_t policy_exec_program_steps(const policy_exec_program_t *program, policy_section_t section)
{
    return section < POLICY_SECTION_COUNT ? program->step_count[section] : 0;
}
