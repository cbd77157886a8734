/* The checker's shared state (check.c: expressions, names, members, calls; check_ops.c:
 * operators, conversions, literals, lambdas; check_stmt.c: statements and the program).
 * Internal to src/expr. */
#ifndef MERIDIAN_EXPR_CHECK_INTERNAL_H
#define MERIDIAN_EXPR_CHECK_INTERNAL_H

#include "expr/bound.h"

#define CHK_MAX_SLOTS 4096 /* locals per function (program body or lambda) */
#define CHK_MAX_LEVELS 64  /* nested lambdas */

typedef struct {
    slice_t name;
    expr_type_t type;
    uint16_t slot;
    uint8_t level;      /* function level that owns the slot */
    bool is_const;      /* const local: value in k, no slot */
    bool is_readonly;   /* foreach variable */
    expr_value_t k;
} chk_var_t;

typedef struct {
    bool is_loop;  /* a loop (continue allowed), or a switch */
    bool broken;   /* a break targets it */
} chk_breakable_t;

/* A local function (C# 7) visible in the block being bound: registered when the block is
 * entered (calls may come before the declaration), its body bound at the declaration. */
#define CHK_MAX_FN_PARAMS 16
typedef struct {
    const expr_node_t *node; /* EXPR_STMT_FUNCTION */
    slice_t name;
    uint8_t level;           /* function level that declares it */
    expr_lambda_t *lambda;
    expr_type_t ret;         /* expr_class_void for void */
    expr_type_t params[CHK_MAX_FN_PARAMS];
    bnode_t *defaults[CHK_MAX_FN_PARAMS]; /* NULL: required */
    uint16_t nparams;
} chk_localfn_t;

typedef struct {
    uint32_t nslots;
    bool has_declared_return; /* a local function's body: returns convert to declared_return */
    expr_type_t declared_return;
    /* return type of the function's block (first return decides; differing → dynamic) */
    bool has_return_type;
    expr_type_t return_type;
    uint32_t breakable_base; /* breakables of enclosing functions are not targets */
    int catch_slot;          /* slot of the innermost catch (throw;), -1 if none */
    int finally_depth;       /* > 0 inside a finally block */
} chk_func_t;

typedef struct {
    arena_t *arena;
    const expr_compile_options_t *opts;
    expr_error_t *err;
    int rc; /* first error code */
    chk_var_t *vars;
    uint32_t nvars, cap_vars;
    chk_func_t funcs[CHK_MAX_LEVELS];
    unsigned level;
    chk_breakable_t breakables[256];
    uint32_t nbreakables;
    chk_localfn_t *fns;
    uint32_t nfns, cap_fns;
    const bnode_t *self_node; /* B_SELF of the collection initializer being bound */
    expr_type_t self_type;
} chk_t;

/* check.c */
bnode_t *chk_fail(chk_t *c, const expr_node_t *at, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
bnode_t *chk_node(chk_t *c, bop_t op, expr_type_t type);
bnode_t *chk_expr(chk_t *c, const expr_node_t *n);
bnode_t *chk_const(chk_t *c, expr_value_t k, expr_type_t type);
bool chk_type(chk_t *c, const expr_node_t *n, expr_type_t *out);
const char *chk_type_name(chk_t *c, expr_type_t t);
expr_type_t chk_elem_of(expr_type_t t);
chk_var_t *chk_find_var(chk_t *c, slice_t name);
chk_var_t *chk_declare(chk_t *c, const expr_node_t *at, slice_t name, expr_type_t type);
bool chk_is_null_literal(const bnode_t *b);
/* Enters the function level of a lambda's or a local function's body: its own slots, and
 * the enclosing function's loops and catch are no targets of its break/continue/throw;.
 * NULL with an error when `what` ("lambdas") nest deeper than CHK_MAX_LEVELS. */
chk_func_t *chk_enter_function(chk_t *c, const expr_node_t *at, const char *what, uint32_t *saved_vars);
/* Leaves it: the variables declared in the body go out of scope. */
void chk_leave_function(chk_t *c, uint32_t saved_vars);
/* Room for one more dynamic-dispatch candidate in cands[0, count) (arena; the array doubles
 * and moves): false when out of memory (the search then stops adding). */
bool chk_cands_room(chk_t *c, bdyn_cand_t **cands, uint32_t count, uint32_t *cap);

/* check_ops.c */
bnode_t *chk_literal(chk_t *c, const expr_node_t *n);
bnode_t *chk_unary(chk_t *c, const expr_node_t *n);
bnode_t *chk_binary(chk_t *c, const expr_node_t *n);
bnode_t *chk_conditional(chk_t *c, const expr_node_t *n);
bnode_t *chk_assign(chk_t *c, const expr_node_t *n);
bnode_t *chk_cast(chk_t *c, const expr_node_t *n);
bnode_t *chk_is_as(chk_t *c, const expr_node_t *n);
bnode_t *chk_interpolated(chk_t *c, const expr_node_t *n);
bnode_t *chk_lambda(chk_t *c, const expr_node_t *n, expr_type_t param0);
/* The conversion of `b` to `to` where C# converts implicitly (numeric widening, boxing;
 * object → T checked at run time). NULL with an error when it never converts; `what`
 * names the place for the message. */
bnode_t *chk_convert_implicit(chk_t *c, const expr_node_t *at, bnode_t *b, expr_type_t to);
/* Replaces a node whose operands are all constants by its value (when it does not throw). */
bnode_t *chk_fold(chk_t *c, bnode_t *b);
bool chk_is_numeric(const expr_class_t *cls);

/* check_stmt.c */
bnode_t *chk_block(chk_t *c, const expr_node_t *n, bool *completes);
/* A call of the local function `name` (NULL without an error when there is none). */
bnode_t *chk_local_call(chk_t *c, const expr_node_t *n, slice_t name);
void chk_note_return(chk_t *c, expr_type_t t);


/* ---- shared by check.c and check_new.c (object creation) ---- */

/* Members of one name and kind found on a class. */
typedef struct {
    const expr_member_t *found;
    const expr_member_t *any;   /* same name and kind, any arity: for the message */
    const expr_member_t *arity; /* the first that takes as many arguments, types aside */
} chk_lookup_t;

/* Arguments of a call being bound. */
typedef struct {
    bnode_t *args[64];
    const expr_node_t *nodes[64]; /* the EXPR_ARG of each position */
    unsigned argc;
} chk_argv_t;

bool chk_args_fit(const expr_member_t *m, unsigned argc);
bool chk_arg_accepts(const expr_type_t *to, const bnode_t *arg);
void chk_lookup_in(const expr_class_t *cls, const char *name, expr_member_kind_t kind,
                   bnode_t **args, unsigned argc, chk_lookup_t *lk);
bool chk_bind_args(chk_t *c, const expr_list_t *list, chk_argv_t *av);
bool chk_place_named(chk_t *c, const expr_member_t *m, chk_argv_t *av);
bool chk_finish_args(chk_t *c, bnode_t *b, const expr_member_t *m, chk_argv_t *av,
                     expr_type_t recv_type, bool any_lambda_ok, uint32_t out_any);
bnode_t *chk_bind_new_array(chk_t *c, const expr_node_t *n);
bnode_t *chk_bind_new_object(chk_t *c, const expr_node_t *n);
bnode_t *chk_bind_new_anonymous(chk_t *c, const expr_node_t *n);

#endif
