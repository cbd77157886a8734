/* expr_compile: parse, then check and bind (check*.c) into the program expr_run
 * interprets (compile.h). */
#include "expr/check_internal.h"
#include "expr/parser.h"

#include <string.h>

int expr_compile(arena_t *arena, const char *text, size_t len, const expr_compile_options_t *opts,
                 expr_program_t **out, expr_error_t *err)
{
    static const expr_compile_options_t no_opts;
    if (!opts) opts = &no_opts;
    *out = NULL;
    expr_parse_options_t po = {.mode = EXPR_PARSE_POLICY, .origin = opts->origin};
    expr_node_t *root;
    int rc = expr_parse(arena, text, len, &po, &root, err);
    if (rc) return rc;

    chk_t *c = arena_alloc(arena, sizeof *c);
    expr_program_t *p = arena_alloc(arena, sizeof *p);
    if (!c || !p) return expr_error_set(err, EXPR_ERR_NOMEM, root->pos, "out of memory");
    memset(c, 0, sizeof *c);
    memset(p, 0, sizeof *p);
    c->arena = arena;
    c->opts = opts;
    c->err = err;
    c->funcs[0].catch_slot = -1;

    if (root->kind == EXPR_STMT_BLOCK) {
        bool completes;
        p->body = chk_block(c, root, &completes);
        p->is_block = true;
        if (p->body && completes)
            chk_fail(c, root, EXPR_ERR_SYNTAX, "not all code paths return a value");
        p->type = c->funcs[0].return_type;
    } else {
        p->body = chk_expr(c, root);
        if (p->body) {
            if (p->body->op == B_LAMBDA)
                chk_fail(c, root, EXPR_ERR_UNSUPPORTED, "a lambda expression is not a value");
            else if (p->body->type.cls == &expr_class_void)
                chk_fail(c, root, EXPR_ERR_SYNTAX, "the expression has no value (a void method call)");
            p->type = p->body->type;
        }
    }
    if (!c->rc && opts->expected.cls && p->type.cls && p->type.cls != opts->expected.cls) {
        const expr_class_t *e = opts->expected.cls, *t = p->type.cls;
        bool ok = true;
        if (e == &expr_class_bool) ok = false;
        else if (chk_is_numeric(e)) ok = chk_is_numeric(t) || t == &expr_class_string;
        if (!ok)
            chk_fail(c, root, EXPR_ERR_SYNTAX, "the expression is of type '%s' where '%s' is expected",
                     chk_type_name(c, p->type), chk_type_name(c, opts->expected));
    }
    if (c->rc) return c->rc;
    if (!p->body) return expr_error_set(err, EXPR_ERR_SYNTAX, root->pos, "cannot bind the expression");
    p->nslots = c->funcs[0].nslots;
    *out = p;
    return 0;
}

expr_type_t expr_program_type(const expr_program_t *program)
{
    return program->type;
}
