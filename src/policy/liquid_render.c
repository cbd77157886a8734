/* liquid_render: rendering a compiled template against a JSON model (liquid.h), and the
 * value helpers the filters share (liquid_internal.h). */
#include "policy/liquid_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- values ---- */

bool liquid__number(const json_t *v, double *d)
{
    if (json_is_integer(v)) {
        *d = (double)json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        *d = json_real_value(v);
        return true;
    }
    return false;
}

static int append_real(double d, buf_t *out)
{
    char num[40];
    if (isnan(d)) return buf_append_cstr(out, "NaN");
    if (isinf(d)) return buf_append_cstr(out, d > 0 ? "Infinity" : "-Infinity");
    /* .NET prints the shortest text that reads back as the same double. */
    snprintf(num, sizeof num, "%.15g", d);
    if (strtod(num, NULL) != d) snprintf(num, sizeof num, "%.17g", d);
    char *e = strchr(num, 'e');
    if (e) *e = 'E';
    return buf_append_cstr(out, num);
}

int liquid__text(const json_t *v, buf_t *out)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        return buf_append(out, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return buf_printf(out, "%lld", (long long)json_integer_value(v));
    case JSON_REAL:
        return append_real(json_real_value(v), out);
    case JSON_TRUE:
        return buf_append_cstr(out, "true");
    case JSON_FALSE:
        return buf_append_cstr(out, "false");
    case JSON_NULL:
        return 0;
    case JSON_ARRAY: {
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) if (liquid__text(item, out)) return -ENOMEM;
        return 0;
    }
    case JSON_OBJECT: {
        /* Host objects (IUrl) carry their .NET ToString() text. */
        json_t *text = json_object_get(v, "ToString");
        if (json_is_string(text)) return liquid__text(text, out);
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!s) return -ENOMEM;
        int rc = buf_append_cstr(out, s);
        free(s);
        return rc;
    }
    }
    return 0;
}

json_t *liquid__to_string(json_t *v)
{
    if (json_is_string(v)) return json_incref(v);
    buf_t b;
    buf_init(&b);
    if (liquid__text(v, &b)) return buf_free(&b), NULL;
    return liquid__buf_to_string(&b);
}

bool liquid__equal(const json_t *a, const json_t *b)
{
    double x, y;
    if (liquid__number(a, &x) && liquid__number(b, &y)) return x == y;
    return json_equal((json_t *)a, (json_t *)b) || (json_is_null(a) && json_is_null(b));
}

bool liquid__compare(const json_t *a, const json_t *b, int *cmp)
{
    double x, y;
    if (liquid__number(a, &x) && liquid__number(b, &y)) {
        *cmp = x < y ? -1 : x > y ? 1 : 0;
        return true;
    }
    if (json_is_string(a) && json_is_string(b)) {
        size_t la = json_string_length(a), lb = json_string_length(b);
        int c = memcmp(json_string_value(a), json_string_value(b), la < lb ? la : lb);
        *cmp = c ? c : la < lb ? -1 : la > lb ? 1 : 0;
        return true;
    }
    return false;
}

/* ---- rendering ---- */

static json_t *member(json_t *obj, const char *name, size_t len)
{
    json_t *v = json_object_getn(obj, name, len);
    if (v) return v;
    const char *key;
    size_t key_len;
    json_object_keylen_foreach(obj, key, key_len, v)
    {
        if (key_len == len && strncasecmp(key, name, len) == 0) return v;
    }
    return NULL;
}

/* The member `name` of v, with Liquid's size/first/last; NULL when there is none. Borrowed,
 * except *owned, which the caller releases. */
static json_t *lookup(json_t *v, const char *name, size_t len, json_t **owned)
{
    *owned = NULL;
    if (json_is_object(v)) {
        json_t *m = member(v, name, len);
        if (m) return m;
        if (len == 4 && memcmp(name, "size", 4) == 0)
            return *owned = json_integer((json_int_t)json_object_size(v));
        return NULL;
    }
    if (json_is_array(v)) {
        size_t n = json_array_size(v);
        if (len == 4 && memcmp(name, "size", 4) == 0) return *owned = json_integer((json_int_t)n);
        if (len == 5 && memcmp(name, "first", 5) == 0) return n ? json_array_get(v, 0) : NULL;
        if (len == 4 && memcmp(name, "last", 4) == 0) return n ? json_array_get(v, n - 1) : NULL;
        return NULL;
    }
    if (json_is_string(v) && len == 4 && memcmp(name, "size", 4) == 0)
        return *owned = json_integer(
                   (json_int_t)liquid__utf8_count(json_string_value(v), json_string_length(v)));
    return NULL;
}

static int eval(liquid__render_t *r, const lq_expr_t *e, json_t **out);

static int eval_var(liquid__render_t *r, const lq_expr_t *e, json_t **out)
{
    json_t *cur = json_object_getn(r->locals, e->root, e->root_len);
    if (!cur) cur = member(r->model, e->root, e->root_len);
    json_t *held = NULL; /* a reference we own for `cur` */
    for (size_t i = 0; cur && i < e->seg_count; i++) {
        const lq_seg_t *seg = &e->segs[i];
        json_t *owned = NULL, *next = NULL;
        if (seg->name) {
            next = lookup(cur, seg->name, seg->len, &owned);
        } else {
            json_t *key;
            int rc = eval(r, seg->index, &key);
            if (rc) {
                json_decref(held);
                return rc;
            }
            if (json_is_integer(key) && json_is_array(cur)) {
                long long k = json_integer_value(key);
                long long n = (long long)json_array_size(cur);
                if (k < 0) k += n;
                next = k >= 0 && k < n ? json_array_get(cur, (size_t)k) : NULL;
            } else if (json_is_string(key)) {
                next = lookup(cur, json_string_value(key), json_string_length(key), &owned);
            }
            json_decref(key);
        }
        if (next && !owned) json_incref(next);
        json_decref(held);
        held = owned ? owned : next;
        cur = held;
    }
    if (!cur) {
        json_decref(held);
        *out = json_null();
        return 0;
    }
    *out = held ? held : json_incref(cur);
    return 0;
}

static int eval(liquid__render_t *r, const lq_expr_t *e, json_t **out)
{
    switch (e->kind) {
    case E_LIT:
        switch (e->lit) {
        case L_TRUE: *out = json_true(); break;
        case L_FALSE: *out = json_false(); break;
        case L_STRING: *out = json_stringn_nocheck(e->str, e->str_len); break;
        case L_INT: *out = json_integer(e->ival); break;
        case L_REAL: *out = json_real(e->dval); break;
        default: *out = json_null();
        }
        return *out ? 0 : -ENOMEM;
    case E_VAR:
        return eval_var(r, e, out);
    case E_EMPTY:
        *out = json_string("");
        return *out ? 0 : -ENOMEM;
    case E_BLANK:
        *out = json_string("");
        return *out ? 0 : -ENOMEM;
    case E_RANGE: {
        json_t *from, *to;
        int rc = eval(r, e->from, &from);
        if (rc) return rc;
        rc = eval(r, e->to, &to);
        if (rc) {
            json_decref(from);
            return rc;
        }
        double a = 0, b = 0;
        if (json_is_string(from)) a = atof(json_string_value(from));
        else liquid__number(from, &a);
        if (json_is_string(to)) b = atof(json_string_value(to));
        else liquid__number(to, &b);
        json_decref(from);
        json_decref(to);
        json_t *arr = json_array();
        if (!arr) return -ENOMEM;
        for (long long i = (long long)a; i <= (long long)b; i++) {
            if (++r->steps > LIQUID_MAX_STEPS) {
                json_decref(arr);
                r->offset = e->offset;
                return liquid__fail(r, "the template ran more than %u steps", LIQUID_MAX_STEPS);
            }
            if (json_array_append_new(arr, json_integer(i))) {
                json_decref(arr);
                return -ENOMEM;
            }
        }
        *out = arr;
        return 0;
    }
    }
    *out = json_null();
    return 0;
}

static int eval_filtered(liquid__render_t *r, const lq_filtered_t *f, json_t **out)
{
    json_t *v;
    int rc = eval(r, f->expr, &v);
    if (rc) return rc;
    for (size_t i = 0; i < f->call_count; i++) {
        const lq_call_t *call = &f->calls[i];
        json_t *args[8] = {0};
        size_t argc = call->argc < 8 ? call->argc : 8;
        for (size_t k = 0; k < argc && rc == 0; k++) rc = eval(r, call->args[k], &args[k]);
        json_t *res = NULL;
        if (rc == 0) {
            r->offset = call->offset;
            rc = call->def->fn(r, v, args, argc, &res);
        }
        for (size_t k = 0; k < argc; k++) json_decref(args[k]);
        json_decref(v);
        if (rc) return rc;
        if (!res) return -ENOMEM;
        if (json_is_string(res) && json_string_length(res) > LIQUID_MAX_OUTPUT) {
            json_decref(res);
            return -E2BIG;
        }
        v = res;
    }
    *out = v;
    return 0;
}

static bool truthy(const json_t *v)
{
    return v && !json_is_null(v) && !json_is_false(v);
}

/* x == empty / x == blank (Liquid's special values). */
static bool is_empty_like(const json_t *v, bool blank)
{
    if (json_is_string(v)) {
        if (!blank) return json_string_length(v) == 0;
        const char *s = json_string_value(v);
        for (size_t i = 0; i < json_string_length(v); i++)
            if (!isspace((unsigned char)s[i])) return false;
        return true;
    }
    if (json_is_array(v)) return json_array_size(v) == 0;
    if (json_is_object(v)) return json_object_size(v) == 0;
    return blank && (json_is_null(v) || json_is_false(v));
}

static bool contains(const json_t *hay, const json_t *needle)
{
    if (json_is_string(hay)) {
        json_t *n = liquid__to_string((json_t *)needle);
        if (!n) return false;
        bool found = json_string_length(n) == 0 ||
                     memmem(json_string_value(hay), json_string_length(hay), json_string_value(n),
                            json_string_length(n)) != NULL;
        json_decref(n);
        return found;
    }
    if (json_is_array(hay)) {
        size_t i;
        json_t *item;
        json_array_foreach(hay, i, item) if (liquid__equal(item, needle)) return true;
        return false;
    }
    if (json_is_object(hay) && json_is_string(needle))
        return json_object_getn(hay, json_string_value(needle), json_string_length(needle)) != NULL;
    return false;
}

static int eval_cond(liquid__render_t *r, const lq_cond_t *c, bool *out)
{
    if (c->op == C_AND || c->op == C_OR) {
        bool a, b;
        int rc = eval_cond(r, c->left, &a);
        if (rc) return rc;
        if (c->op == C_AND && !a) return *out = false, 0;
        if (c->op == C_OR && a) return *out = true, 0;
        rc = eval_cond(r, c->right, &b);
        *out = b;
        return rc;
    }
    json_t *lhs, *rhs = NULL;
    int rc = eval(r, c->lhs, &lhs);
    if (rc) return rc;
    if (c->op == C_TRUTHY) {
        *out = truthy(lhs);
        json_decref(lhs);
        return 0;
    }
    bool special = c->rhs->kind == E_EMPTY || c->rhs->kind == E_BLANK;
    if (special && (c->op == C_EQ || c->op == C_NE)) {
        bool is = is_empty_like(lhs, c->rhs->kind == E_BLANK);
        json_decref(lhs);
        *out = c->op == C_EQ ? is : !is;
        return 0;
    }
    rc = eval(r, c->rhs, &rhs);
    if (rc) {
        json_decref(lhs);
        return rc;
    }
    int cmp = 0;
    switch (c->op) {
    case C_EQ:
        *out = liquid__equal(lhs, rhs);
        break;
    case C_NE:
        *out = !liquid__equal(lhs, rhs);
        break;
    case C_CONTAINS:
        *out = contains(lhs, rhs);
        break;
    default:
        if (!liquid__compare(lhs, rhs, &cmp)) {
            *out = false;
            break;
        }
        *out = c->op == C_LT ? cmp < 0 : c->op == C_GT ? cmp > 0 : c->op == C_LE ? cmp <= 0 : cmp >= 0;
    }
    json_decref(lhs);
    json_decref(rhs);
    return 0;
}

static int render_nodes(liquid__render_t *r, const lq_node_t *n, buf_t *out);

static int set_local(liquid__render_t *r, const char *name, size_t len, json_t *v)
{
    /* v is stolen. */
    return json_object_setn_new_nocheck(r->locals, name, len, v) ? -ENOMEM : 0;
}

static int to_count(liquid__render_t *r, const lq_expr_t *e, long long *out)
{
    json_t *v;
    int rc = eval(r, e, &v);
    if (rc) return rc;
    double d = 0;
    if (json_is_string(v)) d = atof(json_string_value(v));
    else liquid__number(v, &d);
    json_decref(v);
    *out = d < 0 ? 0 : (long long)d;
    return 0;
}

static int render_for(liquid__render_t *r, const lq_node_t *n, buf_t *out)
{
    json_t *coll;
    int rc = eval(r, n->collection, &coll);
    if (rc) return rc;
    json_t *items = NULL;
    if (json_is_array(coll)) {
        items = json_copy(coll);
    } else if (json_is_object(coll)) {
        /* Ruby Liquid iterates a hash as [key, value] pairs. */
        items = json_array();
        const char *key;
        json_t *val;
        json_object_foreach(coll, key, val)
        {
            if (items && json_array_append_new(items, json_pack("[sO]", key, val))) {
                json_decref(items);
                items = NULL;
            }
        }
    } else if (!json_is_null(coll) && !json_is_false(coll)) {
        items = json_pack("[O]", coll);
    } else {
        items = json_array();
    }
    json_decref(coll);
    if (!items) return -ENOMEM;
    long long skip = 0, limit = -1;
    if (n->skip && (rc = to_count(r, n->skip, &skip))) goto done;
    if (n->limit && (rc = to_count(r, n->limit, &limit))) goto done;
    size_t total = json_array_size(items);
    size_t from = (size_t)skip < total ? (size_t)skip : total;
    size_t count = total - from;
    if (limit >= 0 && (size_t)limit < count) count = (size_t)limit;
    if (count == 0) {
        rc = render_nodes(r, n->else_body, out);
        goto done;
    }
    /* The loop variable and forloop are restored afterwards (nested loops, shadowing). */
    json_t *saved_var = json_incref(json_object_getn(r->locals, n->name, n->name_len));
    json_t *saved_loop = json_incref(json_object_get(r->locals, "forloop"));
    for (size_t i = 0; i < count; i++) {
        if (++r->steps > LIQUID_MAX_STEPS) {
            r->offset = n->offset;
            rc = liquid__fail(r, "the template ran more than %u steps", LIQUID_MAX_STEPS);
            break;
        }
        size_t idx = n->reversed ? from + count - 1 - i : from + i;
        json_t *loop = json_pack("{sI sI sI sI sb sb sI}", "index", (json_int_t)i + 1, "index0",
                                 (json_int_t)i, "rindex", (json_int_t)(count - i), "rindex0",
                                 (json_int_t)(count - i - 1), "first", i == 0, "last",
                                 i == count - 1, "length", (json_int_t)count);
        if (!loop || set_local(r, "forloop", 7, loop) ||
            set_local(r, n->name, n->name_len, json_incref(json_array_get(items, idx)))) {
            rc = -ENOMEM;
            break;
        }
        rc = render_nodes(r, n->body, out);
        if (rc) break;
        if (r->interrupt == N_BREAK) {
            r->interrupt = 0;
            break;
        }
        r->interrupt = 0;
    }
    if (saved_var) set_local(r, n->name, n->name_len, saved_var);
    else json_object_deln(r->locals, n->name, n->name_len);
    if (saved_loop) set_local(r, "forloop", 7, saved_loop);
    else json_object_del(r->locals, "forloop");
done:
    json_decref(items);
    return rc;
}

static int emit(buf_t *out, const char *p, size_t len)
{
    if (out->len + len > LIQUID_MAX_OUTPUT) return -E2BIG;
    return buf_append(out, p, len);
}

static int render_node(liquid__render_t *r, const lq_node_t *n, buf_t *out)
{
    int rc = 0;
    switch (n->kind) {
    case N_TEXT:
        return emit(out, n->text, n->len);
    case N_OUTPUT: {
        json_t *v;
        if ((rc = eval_filtered(r, &n->value, &v))) return rc;
        size_t before = out->len;
        rc = liquid__text(v, out);
        json_decref(v);
        if (rc == 0 && out->len > LIQUID_MAX_OUTPUT) {
            out->len = before;
            rc = -E2BIG;
        }
        return rc;
    }
    case N_ASSIGN: {
        json_t *v;
        if ((rc = eval_filtered(r, &n->value, &v))) return rc;
        return set_local(r, n->name, n->name_len, v);
    }
    case N_CAPTURE: {
        buf_t cap;
        buf_init(&cap);
        rc = render_nodes(r, n->body, &cap);
        if (rc == 0) {
            json_t *s = json_stringn_nocheck(cap.data ? cap.data : "", cap.len);
            rc = s ? set_local(r, n->name, n->name_len, s) : -ENOMEM;
        }
        buf_free(&cap);
        return rc;
    }
    case N_IF:
        for (const lq_branch_t *b = n->branches; b; b = b->next) {
            bool yes;
            r->offset = n->offset;
            if ((rc = eval_cond(r, b->cond, &yes))) return rc;
            if (yes != b->negate) return render_nodes(r, b->body, out);
        }
        return render_nodes(r, n->else_body, out);
    case N_CASE: {
        json_t *subject;
        if ((rc = eval(r, n->subject, &subject))) return rc;
        bool matched = false;
        for (const lq_branch_t *b = n->branches; b && rc == 0; b = b->next) {
            bool hit = false;
            for (size_t k = 0; k < b->when_count && !hit && rc == 0; k++) {
                json_t *v;
                if ((rc = eval(r, b->whens[k], &v))) break;
                hit = liquid__equal(subject, v);
                json_decref(v);
            }
            /* Liquid renders every matching when. */
            if (hit && rc == 0) {
                matched = true;
                rc = render_nodes(r, b->body, out);
                if (r->interrupt) break;
            }
        }
        json_decref(subject);
        if (rc == 0 && !matched) rc = render_nodes(r, n->else_body, out);
        return rc;
    }
    case N_FOR:
        return render_for(r, n, out);
    case N_BREAK:
    case N_CONTINUE:
        r->interrupt = n->kind;
        return 0;
    }
    return 0;
}

static int render_nodes(liquid__render_t *r, const lq_node_t *n, buf_t *out)
{
    for (; n; n = n->next) {
        if (++r->steps > LIQUID_MAX_STEPS) {
            r->offset = n->offset;
            return liquid__fail(r, "the template ran more than %u steps", LIQUID_MAX_STEPS);
        }
        int rc = render_node(r, n, out);
        if (rc) return rc;
        if (r->interrupt) return 0;
    }
    return 0;
}

int liquid_render(const liquid_template_t *tpl, json_t *model, long long now, buf_t *out,
                  liquid_error_t *err)
{
    liquid__render_t r = {.model = model, .err = err, .text = tpl->text, .now = now};
    r.locals = json_object();
    if (!r.locals) return -ENOMEM;
    json_t *empty = NULL;
    if (!json_is_object(model)) r.model = empty = json_object();
    int rc = r.model ? render_nodes(&r, tpl->root, out) : -ENOMEM;
    if (rc == -E2BIG && err) {
        err->offset = 0;
        err->line = err->col = 1;
        snprintf(err->message, sizeof err->message, "the output is larger than %u bytes",
                 LIQUID_MAX_OUTPUT);
    }
    json_decref(empty);
    json_decref(r.locals);
    return rc;
}
