/* expr_ast: the syntax tree of a policy expression (spec/apim-gateway.md §3), built by
 * expr_parse() (parser.h) and read by the checker and the interpreter.
 *
 * Ownership and lifetime
 * - Every node, list and string of a tree is allocated from the arena passed to
 *   expr_parse(); the tree does not point into the source text. It lives until that arena
 *   is reset or freed, and is never freed node by node. Trees are immutable once built;
 *   later passes keep their own side tables (keyed by node pointer) or copy.
 *
 * Positions
 * - Every node has `pos`: byte offset and length of its whole source span (from its first
 *   to its last token), and the 1-based line and column (code points) of its first byte,
 *   relative to the origin given to the parser (see lexer.h). Messages about a node use
 *   pos.line:pos.col.
 *
 * Shape
 * - One struct for every kind: `kind` says which member of the union `u` is used, `op`
 *   holds the kind's small enum (operator, literal type, predefined type, argument
 *   modifier, initializer kind), `flags` the EXPR_F_* bits. The table below gives, for each
 *   kind, its fields; a field not listed is zero. "list" fields are expr_list_t (items in
 *   source order, count may be 0); names are slice_t, NUL-terminated, without a verbatim
 *   '@'.
 * - `height` is 1 + the largest height of the node's children (1 for a leaf). The parser
 *   refuses a tree taller than its depth limit (256 by default), so every recursive walk
 *   over a tree it returned is bounded.
 * - Parentheses leave no node; operators and literals are already decoded (no token or
 *   spelling to look at again). A predefined type keyword used in an expression (the
 *   `int` of int.Parse, the `string` of string.Empty) is an EXPR_TYPE_PREDEFINED node,
 *   which appears in expression position only as the target of an EXPR_MEMBER.
 * - Names are not resolved: a.b.c is EXPR_MEMBER(EXPR_MEMBER(EXPR_NAME a, b), c) whether
 *   a is a local, a namespace or a type; `x is Foo.Bar` is a type test even when Foo.Bar
 *   turns out to be a constant. That is the checker's call.
 */
#ifndef MERIDIAN_EXPR_AST_H
#define MERIDIAN_EXPR_AST_H

#include "base/buf.h"
#include "base/slice.h"
#include "expr/lexer.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct expr_node expr_node_t;

typedef struct {
    expr_node_t **items;
    uint32_t count;
} expr_list_t;

/* Node kinds, with the fields each one uses. */
typedef enum {
    /* ---- literals ---- */
    EXPR_NULL,         /* null */
    EXPR_BOOL,         /* u.boolean */
    EXPR_INT,          /* u.integer, op = expr_num_type_t (INT, UINT, LONG, ULONG). The
                        * value is non-negative, except that -2147483648 and
                        * -9223372036854775808 (C# §2.4.4.2: a decimal literal right after
                        * a unary minus) are folded into one INT or LONG literal holding
                        * the negative value as (int64_t)u.integer. */
    EXPR_REAL,         /* u.real, op = DOUBLE, FLOAT or DECIMAL; u.real.digits is the
                        * literal as written without '_' and suffix (exact for decimal) */
    EXPR_CHAR,         /* u.ch: one UTF-16 code unit */
    EXPR_STRING,       /* u.text: decoded UTF-8 (may hold NUL); EXPR_F_VERBATIM if @"..." */
    EXPR_INTERPOLATED, /* u.list: parts in order, each EXPR_STRING (text) or
                        * EXPR_INTERP_HOLE; EXPR_F_VERBATIM if $@"..." */
    EXPR_INTERP_HOLE,  /* u.hole: value, alignment (NULL if none), format (ptr NULL if
                        * none; else the decoded text after ':') */
    /* ---- names, member access, calls ---- */
    EXPR_NAME,        /* u.name: name, type_args (GetValueOrDefault<string>); target NULL */
    EXPR_MEMBER,      /* u.name: target.name<type_args>; EXPR_F_CONDITIONAL for ?. */
    EXPR_INVOKE,      /* u.call: target(args), args are EXPR_ARG */
    EXPR_INDEX,       /* u.call: target[args], args are EXPR_ARG; EXPR_F_CONDITIONAL for ?[ */
    EXPR_ARG,         /* u.arg: name (empty unless `name: value`), value; op = expr_arg_mod_t */
    EXPR_DECLARATION, /* u.typed: type (EXPR_TYPE_VAR for var), name — the `var x` of
                       * `out var x`; only as the value of an OUT argument */
    /* ---- operators ---- */
    EXPR_UNARY,       /* op = unary expr_op_t, u.unary.operand */
    EXPR_BINARY,      /* op = binary expr_op_t (incl. && || ??), u.binary.left/right */
    EXPR_CONDITIONAL, /* u.cond: cond ? then : otherwise */
    EXPR_ASSIGN,      /* op = EXPR_OP_ASSIGN or a compound assignment, u.binary */
    EXPR_CAST,        /* u.typed: (type)operand */
    EXPR_IS,          /* u.is: operand is type [name] (name empty if none; type may be
                       * EXPR_TYPE_VAR with a name), or operand is constant (type NULL) */
    EXPR_AS,          /* u.typed: operand as type */
    EXPR_TYPEOF,      /* u.typed.type */
    EXPR_DEFAULT,     /* u.typed.type; NULL for the `default` literal (C# 7.1) */
    EXPR_CHECKED,     /* u.typed.operand: checked(operand); EXPR_F_UNCHECKED for unchecked */
    EXPR_THROW,       /* u.unary.operand: a throw expression (x ?? throw e, C# 7) */
    EXPR_LAMBDA,      /* u.lambda: params (EXPR_PARAM), body (an expression or an
                       * EXPR_STMT_BLOCK) */
    EXPR_PARAM,       /* u.typed: type (NULL when implicitly typed), name; operand: the
                       * default value of a local function's optional parameter, or NULL */
    /* ---- object creation ---- */
    EXPR_NEW_OBJECT,    /* u.create: new type(args) [init]; EXPR_F_HAS_PARENS when the
                         * argument list was written (new T { ... } has none) */
    EXPR_NEW_ARRAY,     /* u.create: type is the array type (EXPR_TYPE_ARRAY), or NULL for
                         * new[] { ... } (op is then its rank); args are the sizes of the
                         * outer rank (expressions: the 16 of new byte[16]), empty when not
                         * given; init EXPR_INITIALIZER (EXPR_INIT_ARRAY) or NULL */
    EXPR_NEW_ANONYMOUS, /* u.create.init: EXPR_INITIALIZER (EXPR_INIT_OBJECT) of
                         * EXPR_INIT_MEMBER (a = 1) and plain expressions (projections: x.y) */
    EXPR_INITIALIZER,   /* u.list, op = expr_init_kind_t; items are expressions, nested
                         * EXPR_INITIALIZER ({ k, v } or nested array rows),
                         * EXPR_INIT_MEMBER or EXPR_INIT_INDEX */
    EXPR_INIT_MEMBER,   /* u.arg: name = value (value may be an EXPR_INITIALIZER) */
    EXPR_INIT_INDEX,    /* u.init_index: [args] = value */
    /* ---- types ---- */
    EXPR_TYPE_PREDEFINED, /* op = expr_predef_t */
    EXPR_TYPE_VAR,        /* the implicit type `var` of a local, out var, foreach, is var */
    EXPR_TYPE_NAME,       /* u.name: target (the qualifier, an EXPR_TYPE_NAME, or NULL),
                           * name, type_args: System.Text.Encoding, Dictionary<string, T> */
    EXPR_TYPE_ARRAY,      /* u.array: element, rank (1 for T[], 2 for T[,]); T[][,] is an
                           * array (rank 1) of arrays (rank 2) */
    EXPR_TYPE_NULLABLE,   /* u.unary.operand: the underlying type of T? */
    /* ---- statements ---- */
    EXPR_STMT_BLOCK,     /* u.list: statements */
    EXPR_STMT_EMPTY,     /* ; */
    EXPR_STMT_EXPR,      /* u.unary.operand: an assignment, call, ++/--, or new object */
    EXPR_STMT_LOCAL,     /* u.local: type (EXPR_TYPE_VAR for var), declarators
                          * (EXPR_DECLARATOR); EXPR_F_CONST for const */
    EXPR_DECLARATOR,     /* u.arg: name [= value]; value NULL, an expression, or an
                          * EXPR_INITIALIZER (EXPR_INIT_ARRAY) for int[] a = { 1, 2 } */
    EXPR_STMT_IF,        /* u.cond: if (cond) then [else otherwise] (otherwise may be NULL) */
    EXPR_STMT_FOREACH,   /* u.foreach: foreach (type name in collection) body */
    EXPR_STMT_FOR,       /* u.for_: for (init; cond; iterators) body; init is one
                          * EXPR_STMT_LOCAL or statement expressions; cond may be NULL */
    EXPR_STMT_WHILE,     /* u.loop: while (cond) body */
    EXPR_STMT_DO,        /* u.loop: do body while (cond); */
    EXPR_STMT_SWITCH,    /* u.switch_: switch (value) { sections } */
    EXPR_SWITCH_SECTION, /* u.section: labels (EXPR_CASE_LABEL), body (statements) */
    EXPR_CASE_LABEL,     /* u.unary.operand: the constant of `case c:`, NULL for default: */
    EXPR_STMT_RETURN,    /* u.unary.operand, NULL for return; */
    EXPR_STMT_BREAK,
    EXPR_STMT_CONTINUE,
    EXPR_STMT_THROW,    /* u.unary.operand, NULL for a rethrow (throw;) */
    EXPR_STMT_TRY,      /* u.try_: body, catches (EXPR_CATCH), finally_ (NULL if none) */
    EXPR_CATCH,         /* u.catch_: catch (type name) when (filter) body; type, name and
                         * filter may be absent (NULL / empty) */
    EXPR_STMT_CHECKED,  /* u.unary.operand: the block; EXPR_F_UNCHECKED for unchecked */
    EXPR_STMT_FUNCTION, /* u.function: a local function (C# 7): type (the return type, void
                         * included), name, params (EXPR_PARAM, typed; u.typed.operand is a
                         * default value or NULL), body (EXPR_STMT_BLOCK, or an expression
                         * for `=> e;`) */
    EXPR_STMT_USING,    /* u.loop: using (cond) body; cond is an EXPR_STMT_LOCAL (using (var x
                         * = e)) or an expression (using (e)) */
    EXPR_KIND_COUNT
} expr_kind_t;

/* Operators (op of EXPR_UNARY, EXPR_BINARY, EXPR_ASSIGN). */
/* clang-format off */
typedef enum {
    EXPR_OP_NONE = 0,
    /* unary */
    EXPR_OP_PLUS,       /* +x */
    EXPR_OP_NEGATE,     /* -x */
    EXPR_OP_NOT,        /* !x */
    EXPR_OP_COMPLEMENT, /* ~x */
    EXPR_OP_PRE_INC,    /* ++x */
    EXPR_OP_PRE_DEC,    /* --x */
    EXPR_OP_POST_INC,   /* x++ */
    EXPR_OP_POST_DEC,   /* x-- */
    /* binary */
    EXPR_OP_MUL, EXPR_OP_DIV, EXPR_OP_MOD,
    EXPR_OP_ADD, EXPR_OP_SUB,
    EXPR_OP_SHL, EXPR_OP_SHR,
    EXPR_OP_LT, EXPR_OP_GT, EXPR_OP_LE, EXPR_OP_GE,
    EXPR_OP_EQ, EXPR_OP_NE,
    EXPR_OP_BIT_AND, EXPR_OP_BIT_XOR, EXPR_OP_BIT_OR,
    EXPR_OP_AND,        /* && */
    EXPR_OP_OR,         /* || */
    EXPR_OP_COALESCE,   /* ?? */
    /* assignment */
    EXPR_OP_ASSIGN,     /* = */
    EXPR_OP_ADD_ASSIGN, EXPR_OP_SUB_ASSIGN, EXPR_OP_MUL_ASSIGN, EXPR_OP_DIV_ASSIGN,
    EXPR_OP_MOD_ASSIGN, EXPR_OP_AND_ASSIGN, EXPR_OP_OR_ASSIGN, EXPR_OP_XOR_ASSIGN,
    EXPR_OP_SHL_ASSIGN, EXPR_OP_SHR_ASSIGN,
    EXPR_OP_COALESCE_ASSIGN, /* ??= */
    EXPR_OP_COUNT
} expr_op_t;

/* Predefined types (op of EXPR_TYPE_PREDEFINED), C# §4.1.4. */
typedef enum {
    EXPR_PREDEF_BOOL, EXPR_PREDEF_BYTE, EXPR_PREDEF_SBYTE, EXPR_PREDEF_CHAR,
    EXPR_PREDEF_DECIMAL, EXPR_PREDEF_DOUBLE, EXPR_PREDEF_FLOAT, EXPR_PREDEF_INT,
    EXPR_PREDEF_UINT, EXPR_PREDEF_LONG, EXPR_PREDEF_ULONG, EXPR_PREDEF_OBJECT,
    EXPR_PREDEF_SHORT, EXPR_PREDEF_USHORT, EXPR_PREDEF_STRING, EXPR_PREDEF_VOID,
    EXPR_PREDEF_COUNT
} expr_predef_t;
/* clang-format on */

/* Argument modifiers (op of EXPR_ARG). */
typedef enum { EXPR_ARG_VALUE = 0, EXPR_ARG_REF, EXPR_ARG_OUT, EXPR_ARG_IN } expr_arg_mod_t;

/* Initializer kinds (op of EXPR_INITIALIZER). */
typedef enum {
    EXPR_INIT_ARRAY = 0,  /* new T[] { 1, 2 }, int[] a = { 1, 2 }, a nested row */
    EXPR_INIT_COLLECTION, /* new List<int> { 1, 2 }, new Dictionary<K, V> { { k, v } } */
    EXPR_INIT_OBJECT,     /* new T { A = 1, [k] = v }, new { a = 1 } */
} expr_init_kind_t;

/* flags */
/* ?. or ?[ (the C# 6 null-conditional operator): when the target is null, the rest of the postfix
 * chain is skipped and the chain is null: in a?.b.c(d)[e], a null `a` makes the whole EXPR_INDEX
 * null without evaluating d or e. The chain ends at the first enclosing node that is not an
 * EXPR_MEMBER, EXPR_INVOKE or EXPR_INDEX whose target is the chain. */
#define EXPR_F_CONDITIONAL 0x01
#define EXPR_F_VERBATIM 0x02   /* @"..." / $@"..." */
#define EXPR_F_UNCHECKED 0x04  /* unchecked(...) / unchecked { } (checked otherwise) */
#define EXPR_F_CONST 0x08      /* const local */
#define EXPR_F_HAS_PARENS 0x10 /* new T(...) written with an argument list */

struct expr_node {
    uint8_t kind;    /* expr_kind_t */
    uint8_t op;      /* see the kind */
    uint16_t flags;  /* EXPR_F_* */
    uint16_t height; /* 1 + tallest child */
    expr_pos_t pos;
    union {
        bool boolean;
        uint64_t integer;
        struct {
            double value; /* a float literal holds the float's value */
            slice_t digits;
        } real;
        uint32_t ch;
        slice_t text;
        expr_list_t list;
        struct {
            expr_node_t *value, *alignment;
            slice_t format;
        } hole;
        struct {
            expr_node_t *target; /* MEMBER: the object; TYPE_NAME: the qualifier */
            slice_t name;
            expr_list_t type_args; /* types */
        } name;
        struct {
            expr_node_t *target;
            expr_list_t args;
        } call;
        struct {
            slice_t name;
            expr_node_t *value;
        } arg;
        struct {
            expr_node_t *operand;
        } unary;
        struct {
            expr_node_t *left, *right;
        } binary;
        struct {
            expr_node_t *cond, *then, *otherwise;
        } cond;
        struct {
            expr_node_t *type, *operand;
            slice_t name;
        } typed;
        struct {
            expr_node_t *operand, *type, *constant;
            slice_t name;
        } is;
        struct {
            expr_list_t params;
            expr_node_t *body;
        } lambda;
        struct {
            expr_node_t *type;
            expr_list_t args;
            expr_node_t *init;
        } create;
        struct {
            expr_list_t args;
            expr_node_t *value;
        } init_index;
        struct {
            expr_node_t *element;
            uint32_t rank;
        } array;
        struct {
            expr_node_t *type;
            expr_list_t declarators;
        } local;
        struct {
            expr_node_t *type;
            slice_t name;
            expr_node_t *collection, *body;
        } foreach;
        struct {
            expr_list_t init;
            expr_node_t *cond;
            expr_list_t iterators;
            expr_node_t *body;
        } for_;
        struct {
            expr_node_t *cond, *body;
        } loop;
        struct {
            expr_node_t *value;
            expr_list_t sections;
        } switch_;
        struct {
            expr_list_t labels;
            expr_list_t body;
        } section;
        struct {
            expr_node_t *body;
            expr_list_t catches;
            expr_node_t *finally_;
        } try_;
        struct {
            expr_node_t *type;
            slice_t name;
            expr_node_t *filter, *body;
        } catch_;
        struct {
            expr_node_t *type;
            slice_t name;
            expr_list_t params;
            expr_node_t *body;
        } function;
    } u;
};

/* "EXPR_BINARY" → "binary"...: the kind's name for messages and debugging. */
const char *expr_ast_kind_name(expr_kind_t kind);
/* The C# spelling of an operator ("+", "++", "??=", "&&"); "" for EXPR_OP_NONE. */
const char *expr_op_spelling(expr_op_t op);
/* The C# keyword of a predefined type ("int"...). */
const char *expr_predef_name(expr_predef_t t);

/* Calls fn on each direct child of `node` (NULL children skipped), in source order:
 * operands, types and type arguments, list items. */
void expr_ast_for_each_child(const expr_node_t *node,
                             void (*fn)(const expr_node_t *child, void *ctx), void *ctx);

/* Appends the canonical text of a tree to `out`: fully parenthesised expressions
 * ((a + (b * c)), ((int)x), ((x) => (x + 1))), literals in one spelling (decimal integers
 * with a type suffix, regular strings with escapes), statements on one line. Parsing the
 * output gives a tree that prints the same (tests and the fuzz driver rely on it). An
 * expression prints as an expression, a statement block as "{ ... }": wrap them in "@("
 * ")" or prefix "@" to get a policy value back. Returns 0 or -ENOMEM. */
int expr_ast_print(buf_t *out, const expr_node_t *node);

#endif
