/* Statements of @{ } blocks (C# spec §8): blocks, local declarations, expression
 * statements, if, switch, while, do, for, foreach, break, continue, return, throw, try,
 * checked/unchecked. Statements C# has but policies do not get are refused by name. */
#include "expr/parser_internal.h"

static expr_node_t *parse_statement(expr_parser_t *p);

static expr_node_t *simple(expr_parser_t *p, expr_kind_t kind)
{
    expr_node_t *n = pp_node(p, kind, p->i);
    p->i++;
    if (!n || !pp_expect(p, EXPR_TOK_SEMICOLON, "';'")) return NULL;
    return pp_done(p, n);
}

/* The body of if/else/while/do/for/foreach: any statement but a declaration (§8,
 * embedded-statement). */
static expr_node_t *parse_embedded(expr_parser_t *p, const char *owner)
{
    expr_node_t *s = parse_statement(p);
    if (s && (s->kind == EXPR_STMT_LOCAL || s->kind == EXPR_STMT_FUNCTION))
        return pp_fail(p, EXPR_ERR_SYNTAX, s->pos,
                       "a declaration cannot be the body of '%s'; use a block { }", owner);
    return s;
}

/* An expression that C# accepts as a statement (§8.6): assignment, call, ++/--, new. */
static expr_node_t *statement_expression(expr_parser_t *p)
{
    expr_node_t *e = pp_parse_expression(p);
    if (e && !pp_is_statement_expression(e))
        return pp_fail(p, EXPR_ERR_SYNTAX, e->pos,
                       "only assignment, call, increment, decrement and object creation "
                       "expressions can be used as a statement");
    return e;
}

static expr_node_t *parenthesized_condition(expr_parser_t *p)
{
    if (!pp_expect(p, EXPR_TOK_LPAREN, NULL)) return NULL;
    expr_node_t *e = pp_parse_expression(p);
    if (!e || !pp_expect(p, EXPR_TOK_RPAREN, NULL)) return NULL;
    return e;
}

expr_node_t *pp_parse_block(expr_parser_t *p)
{
    expr_node_t *n = pp_node(p, EXPR_STMT_BLOCK, p->i);
    if (!n || !pp_expect(p, EXPR_TOK_LBRACE, NULL)) return NULL;
    uint32_t mark = pp_list_mark(p);
    while (!p->failed && !pp_at(p, EXPR_TOK_RBRACE) && !pp_at(p, EXPR_TOK_EOF))
        pp_list_push(p, parse_statement(p));
    if (!p->failed) pp_expect(p, EXPR_TOK_RBRACE, "'}'");
    if (p->failed) {
        pp_list_drop(p, mark);
        return NULL;
    }
    n->u.list = pp_list_take(p, mark);
    return pp_done(p, n);
}

expr_node_t *pp_parse_statements(expr_parser_t *p, uint32_t start, expr_tok_t end)
{
    expr_node_t *n = pp_node(p, EXPR_STMT_BLOCK, start);
    if (!n) return NULL;
    uint32_t mark = pp_list_mark(p);
    while (!p->failed && !pp_at(p, end) && !pp_at(p, EXPR_TOK_EOF))
        pp_list_push(p, parse_statement(p));
    if (p->failed) {
        pp_list_drop(p, mark);
        return NULL;
    }
    n->u.list = pp_list_take(p, mark);
    return pp_done(p, n);
}

/* ---- declarations (§8.5.1) ---- */

/* A local declaration starts here: a type, a name, then '=', ';' or ','. */
static bool at_local_declaration(const expr_parser_t *p)
{
    unsigned flags;
    uint32_t end = pp_scan_type(p, p->i, &flags);
    if (!end || pp_kind_at(p, end) != EXPR_TOK_IDENT) return false;
    expr_tok_t after = pp_kind_at(p, end + 1);
    return after == EXPR_TOK_ASSIGN || after == EXPR_TOK_SEMICOLON || after == EXPR_TOK_COMMA;
}

/* T a = 1, b; without the ';' (the for statement shares it). */
static expr_node_t *parse_local(expr_parser_t *p)
{
    expr_node_t *n = pp_node(p, EXPR_STMT_LOCAL, p->i);
    if (!n) return NULL;
    if (pp_accept(p, EXPR_TOK_KW_CONST)) n->flags = EXPR_F_CONST;
    n->u.local.type = pp_parse_type(p, n->flags ? PP_TYPE_PLAIN : PP_TYPE_LOCAL);
    if (!n->u.local.type) return NULL;
    uint32_t mark = pp_list_mark(p);
    do {
        expr_node_t *d = pp_node(p, EXPR_DECLARATOR, p->i);
        if (!d) break;
        if (!pp_at(p, EXPR_TOK_IDENT)) {
            pp_fail_expected(p, "a variable name");
            break;
        }
        d->u.arg.name = pp_copy_name(p, pp_tok(p));
        p->i++;
        if (pp_accept(p, EXPR_TOK_ASSIGN)) {
            d->u.arg.value =
                pp_at(p, EXPR_TOK_LBRACE) ? pp_parse_array_initializer(p) : pp_parse_expression(p);
            if (!d->u.arg.value) break;
        }
        pp_list_push(p, pp_done(p, d));
    } while (!p->failed && pp_accept(p, EXPR_TOK_COMMA));
    if (p->failed) {
        pp_list_drop(p, mark);
        return NULL;
    }
    n->u.local.declarators = pp_list_take(p, mark);
    return pp_done(p, n);
}

/* ---- control flow ---- */

static expr_node_t *parse_if(expr_parser_t *p)
{
    expr_node_t *n = pp_node(p, EXPR_STMT_IF, p->i);
    p->i++;
    if (!n || !(n->u.cond.cond = parenthesized_condition(p))) return NULL;
    if (!(n->u.cond.then = parse_embedded(p, "if"))) return NULL;
    if (pp_accept(p, EXPR_TOK_KW_ELSE) && !(n->u.cond.otherwise = parse_embedded(p, "else")))
        return NULL;
    return pp_done(p, n);
}

static expr_node_t *parse_while(expr_parser_t *p)
{
    expr_node_t *n = pp_node(p, EXPR_STMT_WHILE, p->i);
    p->i++;
    if (!n || !(n->u.loop.cond = parenthesized_condition(p))) return NULL;
    if (!(n->u.loop.body = parse_embedded(p, "while"))) return NULL;
    return pp_done(p, n);
}

static expr_node_t *parse_do(expr_parser_t *p)
{
    expr_node_t *n = pp_node(p, EXPR_STMT_DO, p->i);
    p->i++;
    if (!n || !(n->u.loop.body = parse_embedded(p, "do"))) return NULL;
    if (!pp_expect(p, EXPR_TOK_KW_WHILE, "'while' after the body of 'do'")) return NULL;
    if (!(n->u.loop.cond = parenthesized_condition(p))) return NULL;
    if (!pp_expect(p, EXPR_TOK_SEMICOLON, "';'")) return NULL;
    return pp_done(p, n);
}

static bool statement_expression_list(expr_parser_t *p, expr_list_t *out)
{
    uint32_t mark = pp_list_mark(p);
    do
        pp_list_push(p, statement_expression(p));
    while (!p->failed && pp_accept(p, EXPR_TOK_COMMA));
    if (p->failed) {
        pp_list_drop(p, mark);
        return false;
    }
    *out = pp_list_take(p, mark);
    return true;
}

static expr_node_t *parse_for(expr_parser_t *p)
{
    expr_node_t *n = pp_node(p, EXPR_STMT_FOR, p->i);
    p->i++;
    if (!n || !pp_expect(p, EXPR_TOK_LPAREN, NULL)) return NULL;
    if (!pp_at(p, EXPR_TOK_SEMICOLON)) {
        if (at_local_declaration(p)) {
            uint32_t mark = pp_list_mark(p);
            if (!pp_list_push(p, parse_local(p))) {
                pp_list_drop(p, mark);
                return NULL;
            }
            n->u.for_.init = pp_list_take(p, mark);
        } else if (!statement_expression_list(p, &n->u.for_.init)) {
            return NULL;
        }
    }
    if (!pp_expect(p, EXPR_TOK_SEMICOLON, "';'")) return NULL;
    if (!pp_at(p, EXPR_TOK_SEMICOLON) && !(n->u.for_.cond = pp_parse_expression(p))) return NULL;
    if (!pp_expect(p, EXPR_TOK_SEMICOLON, "';'")) return NULL;
    if (!pp_at(p, EXPR_TOK_RPAREN) && !statement_expression_list(p, &n->u.for_.iterators))
        return NULL;
    if (!pp_expect(p, EXPR_TOK_RPAREN, NULL)) return NULL;
    if (!(n->u.for_.body = parse_embedded(p, "for"))) return NULL;
    return pp_done(p, n);
}

static expr_node_t *parse_foreach(expr_parser_t *p)
{
    expr_node_t *n = pp_node(p, EXPR_STMT_FOREACH, p->i);
    p->i++;
    if (!n || !pp_expect(p, EXPR_TOK_LPAREN, NULL)) return NULL;
    if (pp_is_contextual(p, p->i, "var") && pp_peek(p, 1) == EXPR_TOK_LPAREN)
        return pp_fail(p, EXPR_ERR_UNSUPPORTED, pp_tok(p)->pos,
                       "deconstruction in foreach is not supported");
    if (!(n->u.foreach.type = pp_parse_type(p, PP_TYPE_LOCAL))) return NULL;
    if (!pp_at(p, EXPR_TOK_IDENT)) return pp_fail_expected(p, "the name of the foreach variable");
    n->u.foreach.name = pp_copy_name(p, pp_tok(p));
    p->i++;
    if (!pp_expect(p, EXPR_TOK_KW_IN, NULL)) return NULL;
    if (!(n->u.foreach.collection = pp_parse_expression(p))) return NULL;
    if (!pp_expect(p, EXPR_TOK_RPAREN, NULL)) return NULL;
    if (!(n->u.foreach.body = parse_embedded(p, "foreach"))) return NULL;
    return pp_done(p, n);
}

static bool at_switch_label(const expr_parser_t *p)
{
    return pp_at(p, EXPR_TOK_KW_CASE) ||
           (pp_at(p, EXPR_TOK_KW_DEFAULT) && pp_peek(p, 1) == EXPR_TOK_COLON);
}

static expr_node_t *parse_case_label(expr_parser_t *p)
{
    expr_node_t *lab = pp_node(p, EXPR_CASE_LABEL, p->i);
    if (!lab) return NULL;
    if (pp_accept(p, EXPR_TOK_KW_CASE)) {
        unsigned flags;
        uint32_t end = pp_scan_type(p, p->i, &flags);
        if (end && pp_kind_at(p, end) == EXPR_TOK_IDENT)
            return pp_fail(p, EXPR_ERR_UNSUPPORTED, pp_tok(p)->pos,
                           "type patterns in 'case' labels are not supported; only constants");
        lab->u.unary.operand = pp_parse_expression(p);
        if (!lab->u.unary.operand) return NULL;
        if (pp_is_contextual(p, p->i, "when"))
            return pp_fail(p, EXPR_ERR_UNSUPPORTED, pp_tok(p)->pos,
                           "'when' clauses in 'case' labels are not supported");
    } else {
        p->i++; /* default */
    }
    if (!pp_expect(p, EXPR_TOK_COLON, "':' after the case label")) return NULL;
    return pp_done(p, lab);
}

static expr_node_t *parse_switch_section(expr_parser_t *p)
{
    expr_node_t *sec = pp_node(p, EXPR_SWITCH_SECTION, p->i);
    if (!sec) return NULL;
    uint32_t mark = pp_list_mark(p);
    if (!at_switch_label(p)) return pp_fail_expected(p, "'case' or 'default'");
    while (!p->failed && at_switch_label(p))
        pp_list_push(p, parse_case_label(p));
    if (p->failed) {
        pp_list_drop(p, mark);
        return NULL;
    }
    sec->u.section.labels = pp_list_take(p, mark);
    while (!p->failed && !at_switch_label(p) && !pp_at(p, EXPR_TOK_RBRACE) &&
           !pp_at(p, EXPR_TOK_EOF))
        pp_list_push(p, parse_statement(p));
    if (p->failed) {
        pp_list_drop(p, mark);
        return NULL;
    }
    sec->u.section.body = pp_list_take(p, mark);
    return pp_done(p, sec);
}

static expr_node_t *parse_switch(expr_parser_t *p)
{
    expr_node_t *n = pp_node(p, EXPR_STMT_SWITCH, p->i);
    p->i++;
    if (!n || !(n->u.switch_.value = parenthesized_condition(p))) return NULL;
    if (!pp_expect(p, EXPR_TOK_LBRACE, NULL)) return NULL;
    uint32_t mark = pp_list_mark(p);
    while (!p->failed && !pp_at(p, EXPR_TOK_RBRACE) && !pp_at(p, EXPR_TOK_EOF))
        pp_list_push(p, parse_switch_section(p));
    if (!p->failed) pp_expect(p, EXPR_TOK_RBRACE, "'}'");
    if (p->failed) {
        pp_list_drop(p, mark);
        return NULL;
    }
    n->u.switch_.sections = pp_list_take(p, mark);
    return pp_done(p, n);
}

/* return [e]; and throw [e]; */
static expr_node_t *parse_jump_with_value(expr_parser_t *p, expr_kind_t kind)
{
    expr_node_t *n = pp_node(p, kind, p->i);
    p->i++;
    if (!n) return NULL;
    if (!pp_at(p, EXPR_TOK_SEMICOLON) && !(n->u.unary.operand = pp_parse_expression(p)))
        return NULL;
    if (!pp_expect(p, EXPR_TOK_SEMICOLON, "';'")) return NULL;
    return pp_done(p, n);
}

static expr_node_t *parse_catch(expr_parser_t *p)
{
    expr_node_t *c = pp_node(p, EXPR_CATCH, p->i);
    p->i++;
    if (!c) return NULL;
    if (pp_accept(p, EXPR_TOK_LPAREN)) {
        if (!(c->u.catch_.type = pp_parse_type(p, PP_TYPE_PLAIN))) return NULL;
        if (pp_at(p, EXPR_TOK_IDENT)) {
            c->u.catch_.name = pp_copy_name(p, pp_tok(p));
            p->i++;
        }
        if (!pp_expect(p, EXPR_TOK_RPAREN, NULL)) return NULL;
    }
    if (pp_is_contextual(p, p->i, "when")) {
        p->i++;
        if (!(c->u.catch_.filter = parenthesized_condition(p))) return NULL;
    }
    if (!(c->u.catch_.body = pp_parse_block(p))) return NULL;
    return pp_done(p, c);
}

static expr_node_t *parse_try(expr_parser_t *p)
{
    expr_node_t *n = pp_node(p, EXPR_STMT_TRY, p->i);
    p->i++;
    if (!n || !(n->u.try_.body = pp_parse_block(p))) return NULL;
    uint32_t mark = pp_list_mark(p);
    while (!p->failed && pp_at(p, EXPR_TOK_KW_CATCH))
        pp_list_push(p, parse_catch(p));
    if (p->failed) {
        pp_list_drop(p, mark);
        return NULL;
    }
    n->u.try_.catches = pp_list_take(p, mark);
    if (pp_accept(p, EXPR_TOK_KW_FINALLY) && !(n->u.try_.finally_ = pp_parse_block(p))) return NULL;
    if (!n->u.try_.catches.count && !n->u.try_.finally_)
        return pp_fail_expected(p, "'catch' or 'finally' after the 'try' block");
    return pp_done(p, n);
}

/* ---- local functions (C# 7) ---- */

static expr_node_t *parse_function_param(expr_parser_t *p)
{
    expr_tok_t k = pp_kind(p);
    if (k == EXPR_TOK_KW_REF || k == EXPR_TOK_KW_OUT || k == EXPR_TOK_KW_IN ||
        k == EXPR_TOK_KW_PARAMS || k == EXPR_TOK_KW_THIS)
        return pp_fail(p, EXPR_ERR_UNSUPPORTED, pp_tok(p)->pos, "'%s' parameters are not supported",
                       expr_tok_spelling(k));
    expr_node_t *n = pp_node(p, EXPR_PARAM, p->i);
    if (!n || !(n->u.typed.type = pp_parse_type(p, PP_TYPE_PLAIN))) return NULL;
    if (!pp_at(p, EXPR_TOK_IDENT)) return pp_fail_expected(p, "a parameter name");
    n->u.typed.name = pp_copy_name(p, pp_tok(p));
    p->i++;
    if (pp_accept(p, EXPR_TOK_ASSIGN) && !(n->u.typed.operand = pp_parse_expression(p)))
        return NULL;
    return pp_done(p, n);
}

/* T Name(T a, T b = 1) { ... }  or  T Name(T a) => e; */
static expr_node_t *parse_local_function(expr_parser_t *p)
{
    expr_node_t *n = pp_node(p, EXPR_STMT_FUNCTION, p->i);
    if (!n || !(n->u.function.type = pp_parse_type(p, PP_TYPE_PLAIN))) return NULL;
    if (!pp_at(p, EXPR_TOK_IDENT)) return pp_fail_expected(p, "the name of the local function");
    n->u.function.name = pp_copy_name(p, pp_tok(p));
    p->i++;
    if (!pp_expect(p, EXPR_TOK_LPAREN, NULL)) return NULL;
    uint32_t mark = pp_list_mark(p);
    if (!pp_at(p, EXPR_TOK_RPAREN)) {
        do
            pp_list_push(p, parse_function_param(p));
        while (!p->failed && pp_accept(p, EXPR_TOK_COMMA));
    }
    if (!p->failed) pp_expect(p, EXPR_TOK_RPAREN, "',' or ')'");
    if (p->failed) {
        pp_list_drop(p, mark);
        return NULL;
    }
    n->u.function.params = pp_list_take(p, mark);
    if (pp_accept(p, EXPR_TOK_ARROW)) {
        n->u.function.body = pp_parse_expression_or_throw(p);
        if (!n->u.function.body || !pp_expect(p, EXPR_TOK_SEMICOLON, "';'")) return NULL;
    } else if (!(n->u.function.body = pp_parse_block(p))) {
        return NULL;
    }
    return pp_done(p, n);
}

/* ---- dispatch ---- */

/* using (T x = e) body | using (e) body (C# §8.13); C# 8's `using var x = e;` is not C# 7 */
static expr_node_t *parse_using(expr_parser_t *p)
{
    expr_node_t *n = pp_node(p, EXPR_STMT_USING, p->i);
    p->i++;
    if (!n || !pp_expect(p, EXPR_TOK_LPAREN, NULL)) return NULL;
    n->u.loop.cond = at_local_declaration(p) ? parse_local(p) : pp_parse_expression(p);
    if (!n->u.loop.cond || !pp_expect(p, EXPR_TOK_RPAREN, NULL)) return NULL;
    if (!(n->u.loop.body = parse_embedded(p, "using"))) return NULL;
    return pp_done(p, n);
}

static expr_node_t *refuse(expr_parser_t *p, const char *what)
{
    return pp_fail(p, EXPR_ERR_UNSUPPORTED, pp_tok(p)->pos, "%s", what);
}

static expr_node_t *statement_inner(expr_parser_t *p)
{
    switch (pp_kind(p)) {
    case EXPR_TOK_LBRACE:
        return pp_parse_block(p);
    case EXPR_TOK_SEMICOLON: {
        expr_node_t *n = pp_node(p, EXPR_STMT_EMPTY, p->i);
        p->i++;
        return pp_done(p, n);
    }
    case EXPR_TOK_KW_IF:
        return parse_if(p);
    case EXPR_TOK_KW_WHILE:
        return parse_while(p);
    case EXPR_TOK_KW_DO:
        return parse_do(p);
    case EXPR_TOK_KW_FOR:
        return parse_for(p);
    case EXPR_TOK_KW_FOREACH:
        return parse_foreach(p);
    case EXPR_TOK_KW_SWITCH:
        return parse_switch(p);
    case EXPR_TOK_KW_RETURN:
        return parse_jump_with_value(p, EXPR_STMT_RETURN);
    case EXPR_TOK_KW_THROW:
        return parse_jump_with_value(p, EXPR_STMT_THROW);
    case EXPR_TOK_KW_BREAK:
        return simple(p, EXPR_STMT_BREAK);
    case EXPR_TOK_KW_CONTINUE:
        return simple(p, EXPR_STMT_CONTINUE);
    case EXPR_TOK_KW_TRY:
        return parse_try(p);
    case EXPR_TOK_KW_CHECKED:
    case EXPR_TOK_KW_UNCHECKED:
        if (pp_peek(p, 1) == EXPR_TOK_LBRACE) {
            expr_node_t *n = pp_node(p, EXPR_STMT_CHECKED, p->i);
            if (!n) return NULL;
            n->flags = pp_at(p, EXPR_TOK_KW_UNCHECKED) ? EXPR_F_UNCHECKED : 0;
            p->i++;
            if (!(n->u.unary.operand = pp_parse_block(p))) return NULL;
            return pp_done(p, n);
        }
        break;
    case EXPR_TOK_KW_CONST: {
        expr_node_t *n = parse_local(p);
        if (!n || !pp_expect(p, EXPR_TOK_SEMICOLON, "';'")) return NULL;
        return n;
    }
    case EXPR_TOK_KW_USING:
        return parse_using(p);
    case EXPR_TOK_KW_LOCK:
        return refuse(p, "'lock' statements are not supported");
    case EXPR_TOK_KW_GOTO:
        return refuse(p, "'goto' is not supported");
    case EXPR_TOK_KW_FIXED:
    case EXPR_TOK_KW_UNSAFE:
        return refuse(p, "unsafe code is not supported");
    case EXPR_TOK_KW_REF:
        return refuse(p, "ref locals are not supported");
    case EXPR_TOK_KW_CLASS:
    case EXPR_TOK_KW_STRUCT:
    case EXPR_TOK_KW_INTERFACE:
    case EXPR_TOK_KW_ENUM:
    case EXPR_TOK_KW_NAMESPACE:
        return refuse(p, "type declarations are not supported");
    case EXPR_TOK_KW_PUBLIC:
    case EXPR_TOK_KW_PRIVATE:
    case EXPR_TOK_KW_PROTECTED:
    case EXPR_TOK_KW_INTERNAL:
    case EXPR_TOK_KW_STATIC:
    case EXPR_TOK_KW_ABSTRACT:
    case EXPR_TOK_KW_SEALED:
    case EXPR_TOK_KW_VIRTUAL:
    case EXPR_TOK_KW_OVERRIDE:
    case EXPR_TOK_KW_EXTERN:
    case EXPR_TOK_KW_READONLY:
    case EXPR_TOK_KW_VOLATILE:
        return refuse(p, "member declarations are not supported");
    case EXPR_TOK_KW_ELSE:
        return pp_fail(p, EXPR_ERR_SYNTAX, pp_tok(p)->pos, "'else' without 'if'");
    case EXPR_TOK_KW_CASE:
        return pp_fail(p, EXPR_ERR_SYNTAX, pp_tok(p)->pos, "'case' label outside a switch");
    case EXPR_TOK_KW_CATCH:
    case EXPR_TOK_KW_FINALLY:
        return pp_fail(p, EXPR_ERR_SYNTAX, pp_tok(p)->pos, "'%s' without 'try'",
                       expr_tok_spelling(pp_kind(p)));
    case EXPR_TOK_KW_DEFAULT:
        if (pp_peek(p, 1) == EXPR_TOK_COLON)
            return pp_fail(p, EXPR_ERR_SYNTAX, pp_tok(p)->pos, "'default' label outside a switch");
        break;
    case EXPR_TOK_IDENT:
        if (pp_is_contextual(p, p->i, "yield") &&
            (pp_peek(p, 1) == EXPR_TOK_KW_RETURN || pp_peek(p, 1) == EXPR_TOK_KW_BREAK))
            return refuse(p, "'yield' (iterators) is not supported");
        if (pp_is_contextual(p, p->i, "await") &&
            (pp_peek(p, 1) == EXPR_TOK_IDENT || pp_peek(p, 1) == EXPR_TOK_KW_NEW))
            return refuse(p, "'await' is not supported: policy expressions are synchronous");
        if (pp_peek(p, 1) == EXPR_TOK_COLON)
            return refuse(p, "labeled statements are not supported");
        if (pp_is_contextual(p, p->i, "var") && pp_peek(p, 1) == EXPR_TOK_LPAREN)
            return refuse(p, "deconstruction ('var (a, b) = ...') is not supported");
        break;
    default:
        break;
    }
    if (at_local_declaration(p)) {
        expr_node_t *n = parse_local(p);
        if (!n || !pp_expect(p, EXPR_TOK_SEMICOLON, "';'")) return NULL;
        return n;
    }
    unsigned flags;
    uint32_t end = pp_scan_type(p, p->i, &flags);
    if (end && pp_kind_at(p, end) == EXPR_TOK_IDENT) {
        if (pp_kind_at(p, end + 1) == EXPR_TOK_LPAREN) return parse_local_function(p);
        if (pp_kind_at(p, end + 1) == EXPR_TOK_LT)
            return pp_fail(p, EXPR_ERR_UNSUPPORTED, p->toks[end].pos,
                           "generic local functions are not supported");
    }
    expr_node_t *n = pp_node(p, EXPR_STMT_EXPR, p->i);
    if (!n || !(n->u.unary.operand = statement_expression(p))) return NULL;
    if (!pp_expect(p, EXPR_TOK_SEMICOLON, "';'")) return NULL;
    return pp_done(p, n);
}

static expr_node_t *parse_statement(expr_parser_t *p)
{
    if (!pp_enter(p)) return NULL;
    expr_node_t *s = statement_inner(p);
    pp_leave(p);
    return s;
}
