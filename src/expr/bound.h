/* expr_bound: the bound form of a policy expression — what the checker (check*.c) makes of
 * the parser's tree and the interpreter (interp*.c) runs. Internal to src/expr: the
 * public contract is compile.h.
 *
 * A bound program is a tree of bnode_t in the configuration's arena. Every name is already
 * resolved: locals are (frame hops, slot) pairs, members are expr_member_t pointers with a
 * prepared expr_call_t, classes are pointers; operators carry their C# operator and the
 * static types of their operands. Nothing in it is looked up by name when it runs.
 *
 * Frames: the program's body runs in one frame (slots for every local of the body); each
 * lambda call runs in a new frame whose `up` is the frame the lambda value was created in
 * (closures capture enclosing locals by reference). A local's `depth` is how many `up`
 * hops lead to its frame. Lambda values never outlive the native call they are passed to
 * (value.h: EXPR_V_LAMBDA is only ever an argument), so frames live on the C stack. */
#ifndef MERIDIAN_EXPR_BOUND_H
#define MERIDIAN_EXPR_BOUND_H

#include "expr/ast.h"
#include "expr/compile.h"
#include "expr/value.h"

typedef struct bnode bnode_t;

typedef enum {
    /* ---- expressions ---- */
    B_CONST,      /* k */
    B_LOCAL,      /* depth, slot */
    B_CONTEXT,    /* rt->context */
    B_CALL,       /* a = receiver (NULL: static/ctor), args[nargs]; call; BF_COND for ?. / ?[;
                     out slots in outs[] (depth in out_depth) */
    B_DYNCALL,    /* a = receiver of static type object: dispatched on the runtime class over
                     dyn (candidates computed at compile time) */
    B_NULLCHAIN,  /* a = a postfix chain holding a ?. or ?[: a short-circuit yields null */
    B_UNARY,      /* sub = expr_op_t, a */
    B_BINARY,     /* sub = expr_op_t, a, b (not && || ??) */
    B_AND,        /* a && b */
    B_OR,         /* a || b */
    B_COALESCE,   /* a ?? b */
    B_COND,       /* a ? b : c */
    B_ASSIGN,     /* local(depth, slot) = a; sub = compound operator or EXPR_OP_ASSIGN,
                     b = the bound compound operation reading the local (NULL for =) */
    B_INCDEC,     /* local(depth, slot); sub = PRE_INC... */
    B_CAST,       /* a, cls = target class, sub = cast kind (CAST_*) */
    B_IS,         /* a is cls [→ slot when BF_BINDS]; cls NULL: a is constant b */
    B_AS,         /* a as cls */
    B_LAMBDA,     /* lambda */
    B_INTERP,     /* args = parts (strings or B_HOLE) */
    B_HOLE,       /* a = value, b = alignment or NULL, k = format string (or null); call: the
                     value class's ToString(format) when known, dyn otherwise */
    B_NEW_ARRAY,  /* args = items (or a = size, BF_SIZED), cls = element class */
    B_THROWX,     /* throw expression: a = exception */
    B_TYPEOF,     /* cls */
    B_DEFAULT,    /* k */
    B_SEQ,        /* a then b (value of b): an out-variable store after a call */
    B_COLLINIT,   /* a = the created object, args = calls made on it (B_CALL whose receiver
                     is B_SELF) — collection initializers */
    B_SELF,       /* the object being initialised by the enclosing B_COLLINIT */
    B_NEW_ANON,   /* cls = the anonymous class the checker made, args = property values */
    B_LOCALFN,    /* a call of a local function: u.lambda (its body, is_block), args; the
                     function's frame's `up` is the frame `depth` hops up from the caller */
    /* ---- statements ---- */
    S_BLOCK,      /* args[nargs] */
    S_EXPR,       /* a */
    S_STORE,      /* local(depth, slot) = a (declarations) */
    S_IF,         /* a ? b : c (c may be NULL) */
    S_FOREACH,    /* slot = a (collection) items, b = body */
    S_FOR,        /* args = init statements, a = cond or NULL, c = iterators (S_BLOCK), b = body */
    S_WHILE,      /* while (a) b */
    S_DO,         /* do b while (a) */
    S_SWITCH,     /* a = value, sw = table */
    S_RETURN,     /* a or NULL */
    S_BREAK,
    S_CONTINUE,
    S_THROW,      /* a = exception, NULL = rethrow */
    S_TRY,        /* a = body, args = catches (S_CATCH), b = finally or NULL */
    S_CATCH,      /* cls (NULL: any), slot when BF_BINDS, c = filter or NULL, a = body */
    B_OP_COUNT
} bop_t;

/* Cast kinds (sub of B_CAST). */
enum {
    CAST_NOOP = 0,  /* the value already has the type */
    CAST_NUMERIC,   /* numeric conversion to cls (int, long, double, char) */
    CAST_UNBOX,     /* from object: the runtime tag must be cls's (or a class convert) */
    CAST_CLASS,     /* to an object class: expr_class_is or class->convert */
};

#define BF_COND 0x01    /* ?. or ?[ */
#define BF_BINDS 0x02   /* B_IS / S_CATCH store into slot */
#define BF_SIZED 0x04   /* B_NEW_ARRAY new T[n] */
#define BF_VOID 0x08    /* B_CALL of a void member */
#define BF_STRING 0x10  /* B_BINARY +: string concatenation */

/* One candidate of a call on a dynamic receiver. */
typedef struct {
    const expr_class_t *cls; /* &expr_class_enumerable: any enumerable value */
    expr_call_t call;
} bdyn_cand_t;

typedef struct {
    bdyn_cand_t *cands;
    uint32_t count;
    const char *name; /* for the exception when no class of the value has it */
} bdyn_t;

struct expr_lambda {
    bnode_t *body;     /* expression, or S_BLOCK when is_block */
    uint16_t nparams;
    uint16_t nslots;
    bool is_block;
};

typedef struct {
    expr_value_t value; /* case constant (null tag for default:) */
    bool is_default;
    uint32_t section;   /* index of the section body in bodies */
} bswitch_label_t;

typedef struct {
    bswitch_label_t *labels;
    uint32_t nlabels;
    bnode_t **bodies; /* S_BLOCK per section */
    uint32_t nbodies;
} bswitch_t;

struct bnode {
    uint8_t op;    /* bop_t */
    uint8_t sub;
    uint8_t flags; /* BF_* */
    uint8_t depth;
    uint16_t slot;
    uint16_t nargs;
    expr_type_t type; /* static type of the value */
    bnode_t *a, *b, *c;
    bnode_t **args;
    const expr_class_t *cls;
    uint16_t *outs;  /* B_CALL: slot+1 per argument for out arguments (0: none) */
    uint8_t *out_depth;
    union {
        expr_value_t k;
        expr_call_t call;
        const bdyn_t *dyn;
        const expr_lambda_t *lambda;
        const bswitch_t *sw;
    } u;
    const bdyn_t *hole_dyn; /* B_HOLE: ToString(format) on a dynamic value */
};

struct expr_program {
    bnode_t *body;   /* expression, or S_BLOCK for @{ } */
    bool is_block;
    uint32_t nslots;
    expr_type_t type;
};

/* interp.c */
int expr_interp_eval_const(arena_t *arena, const bnode_t *n, expr_value_t *out);

/* Numeric helpers shared by the checker (constant folding, result types) and the
 * interpreter. */
int expr_interp_binary(expr_rt_t *rt, expr_op_t op, const expr_value_t *x, const expr_value_t *y,
                       expr_value_t *out);
int expr_interp_unary(expr_rt_t *rt, expr_op_t op, const expr_value_t *x, expr_value_t *out);
int expr_interp_cast(expr_rt_t *rt, const bnode_t *n, const expr_value_t *v, expr_value_t *out);

/* classes.c: every known class, for dynamic dispatch candidates (NULL-terminated lists). */
typedef void (*expr_class_visit_fn)(const expr_class_t *cls, void *ctx);
void expr_classes_visit(const expr_compile_options_t *opts, expr_class_visit_fn fn, void *ctx);
/* expr_class_by_name, the host's classes (opts->host_classes) first. */
const expr_class_t *expr_class_by_name_in(const expr_compile_options_t *opts, const char *name,
                                          size_t len);
bool expr_class_is_enumerable(const expr_class_t *cls);

#endif
