/* expr_value: the runtime model of policy expressions (spec/apim-gateway.md §3) — tagged
 * values, the classes that give them members, and the runtime state one evaluation runs in.
 * This header is the contract between the checker/interpreter (compile.h, check*.c,
 * interp*.c), the built-in libraries (lib_*.c: string, numbers, DateTime, Regex, JSON...)
 * and the hosts that expose objects to expressions (policy/context.c: `context`).
 *
 * Values
 * - An expr_value_t is 32 bytes, passed and copied by value. Scalars live in it; strings,
 *   byte arrays, arrays and objects point into memory owned by the runtime's arena (the
 *   request's arena) or into memory that outlives it (compiled constants, the
 *   configuration). Values are immutable except objects whose class says otherwise
 *   (StringBuilder, List, Dictionary, JObject): nothing is freed one by one; an object that
 *   holds memory of another allocator (a jansson json_t, a pcre2 match) registers a cleanup
 *   with expr_rt_defer() and is released when the evaluation's owner ends the runtime.
 * - Strings are UTF-8 (`s.ptr` need not be NUL-terminated; may hold NUL). C# counts string
 *   positions in UTF-16 code units: Length, IndexOf, Substring... follow C# (for ASCII text
 *   bytes and code units coincide; the library converts otherwise).
 * - Numbers follow C#: int is 32-bit (kept sign-extended in `i`), long 64-bit, double IEEE;
 *   integer arithmetic wraps (unchecked context, the C# default), / and % by integer zero
 *   throw DivideByZeroException. char is one UTF-16 code unit in `i`.
 * - DateTime: `i` = ticks (100 ns units since 0001-01-01T00:00:00), `aux` = DateTimeKind
 *   (0 Unspecified, 1 Utc, 2 Local; Local is treated as UTC: gateways run in UTC).
 *   TimeSpan: `i` = ticks, may be negative. Guid: 16 bytes in `guid`, in the textual order
 *   (the first byte is the first two hex digits of ToString()).
 *
 * Classes and static types
 * - Every value has a class: the primitive classes below for scalar tags, `elem`'s array
 *   class for arrays, `obj.cls` for objects. A class lists its members (properties,
 *   methods, indexers, constructors, static members) as a table of native functions, the
 *   HAProxy keyword-table model (STYLE.md habit 7): the checker resolves every name and
 *   member against these tables when the configuration is compiled, the interpreter then
 *   calls the resolved function pointer — nothing is looked up by name per request.
 * - A static type (expr_type_t) is a class, optionally with an element type (arrays and
 *   enumerables), or "dynamic" (cls == NULL: C#'s object). Members called on a dynamic
 *   receiver are checked to exist on some class at compile time and dispatched on the
 *   runtime class.
 *
 * Errors at run time are .NET exceptions: a native function calls expr_throw() and returns
 * its result (EXPR_THROWN); the interpreter unwinds (try/catch in @{ } blocks may catch) and
 * the policy layer turns an uncaught one into ExpressionValueEvaluationFailure (§1.5).
 *
 * Threads: classes and compiled programs are immutable and shared; an expr_rt_t belongs to
 * one evaluation on one thread. */
#ifndef MERIDIAN_EXPR_VALUE_H
#define MERIDIAN_EXPR_VALUE_H

#include "base/arena.h"
#include "base/slice.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct expr_class expr_class_t;
typedef struct expr_member expr_member_t;
typedef struct expr_rt expr_rt_t;
typedef struct expr_lambda expr_lambda_t;

typedef enum {
    EXPR_V_NULL = 0,
    EXPR_V_BOOL,     /* b */
    EXPR_V_INT,      /* i (int32, sign-extended) */
    EXPR_V_LONG,     /* i */
    EXPR_V_DOUBLE,   /* d */
    EXPR_V_CHAR,     /* i: one UTF-16 code unit */
    EXPR_V_STRING,   /* s: UTF-8 */
    EXPR_V_BYTES,    /* s: byte[] */
    EXPR_V_DATETIME, /* i: ticks, aux: DateTimeKind */
    EXPR_V_TIMESPAN, /* i: ticks */
    EXPR_V_GUID,     /* guid */
    EXPR_V_ARRAY,    /* arr: T[] (items are values; elem is T's class, NULL for object[]) */
    EXPR_V_OBJECT,   /* obj: an instance of obj.cls */
    EXPR_V_LAMBDA,   /* fn: a lambda, only ever an argument of a native (Where, Select...) */
    EXPR_V_TAG_COUNT
} expr_vtag_t;

typedef struct expr_value {
    uint8_t tag; /* expr_vtag_t */
    uint8_t aux; /* DateTimeKind for EXPR_V_DATETIME; EXPR_AUX_WRITABLE or 0 for arrays and
                    byte[]; 0 otherwise */
    union {
        bool b;
        int64_t i;
        double d;
        struct {
            const char *ptr;
            uint32_t len;
        } s;
        struct {
            struct expr_value *items;
            uint32_t count;
            const expr_class_t *elem;
        } arr;
        struct {
            const expr_class_t *cls;
            void *ptr;
        } obj;
        uint8_t guid[16];
        struct {
            const expr_lambda_t *code; /* interpreter-private */
            void *env;                 /* interpreter-private: captured frame */
        } fn;
    } u;
} expr_value_t;

/* aux of an EXPR_V_ARRAY / EXPR_V_BYTES whose items live in the request's arena and are
 * shared with no string or compiled constant (new T[n], new T[] { ... }, Array.Copy's
 * target): `a[i] = v` may write them. Other arrays are read-only to expressions (a write
 * throws NotSupportedException): values are immutable unless said otherwise. */
#define EXPR_AUX_WRITABLE 1

/* A static type: cls NULL = dynamic (object). elem: element type of an array or enumerable
 * class (string[] = {&expr_class_array, &expr_class_string}), NULL when unknown/object. */
typedef struct {
    const expr_class_t *cls;
    const expr_class_t *elem;
} expr_type_t;

/* ---- members ---- */

typedef enum {
    EXPR_M_PROPERTY,        /* x.Name (native gets self, no args) */
    EXPR_M_METHOD,          /* x.Name(args) */
    EXPR_M_INDEXER,         /* x[args] (name is "[]") */
    EXPR_M_STATIC_PROPERTY, /* Type.Name (self is NULL); also constants: DateTime.MaxValue */
    EXPR_M_STATIC_METHOD,   /* Type.Name(args) */
    EXPR_M_CONSTRUCTOR,     /* new Type(args) (name is ".ctor") */
    EXPR_M_EXTENSION,       /* x.Name(args) where x is any enumerable (class with `enumerate`
                               or an array): the Enumerable class's Where, Select, First... */
} expr_member_kind_t;

/* How the checker computes the static type of a member's result. */
typedef enum {
    EXPR_RET_FIXED = 0, /* member->ret */
    EXPR_RET_ELEM,      /* the receiver's element type (First, Last, FirstOrDefault, indexer of T[]) */
    EXPR_RET_SAME,      /* the receiver's type (Where, Reverse...) */
    EXPR_RET_ARG0,      /* the first argument's static type (Math.Max(a, b), Math.Abs) */
    EXPR_RET_TYPE_ARG,  /* the generic argument: As<T>(), GetValueOrDefault<T>(), Value<T>() */
    EXPR_RET_LAMBDA_ENUM, /* enumerable of the lambda's result type (Select) */
    EXPR_RET_ELEM_ARRAY,  /* array of the receiver's element type (ToArray, ToList) */
} expr_ret_rule_t;

/* What the interpreter passes to a native besides the values. */
typedef struct {
    const expr_member_t *member;
    const expr_class_t *type_arg; /* the T of M<T>(...), resolved at compile time; NULL if none */
    expr_type_t receiver_type;    /* the receiver's static type at the call site */
} expr_call_t;

/* A native. self is NULL for static members and constructors. args[0..argc) are the
 * arguments in parameter order (named arguments already placed by the checker; optional
 * parameters not written are absent: argc < max_args). For a parameter marked in
 * out_mask the native writes the result into args[i] (out var x, TryParse). Returns 0 with
 * *out set (EXPR_V_NULL for void), or EXPR_THROWN from expr_throw(). */
typedef int (*expr_native_fn)(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                              expr_value_t *args, unsigned argc, expr_value_t *out);

struct expr_member {
    const char *name;           /* C# name, case-sensitive ("Substring", "[]", ".ctor") */
    uint8_t kind;               /* expr_member_kind_t */
    uint8_t min_args, max_args; /* methods/ctors/indexers; max 255 = params (string.Format) */
    uint8_t ret_rule;           /* expr_ret_rule_t */
    expr_type_t ret;            /* EXPR_RET_FIXED; {NULL, NULL} = dynamic; void = &expr_class_void */
    uint32_t out_mask;          /* bit i: parameter i is an `out` parameter */
    uint32_t lambda_mask;       /* bit i: parameter i is a lambda taking the receiver's elements */
    /* For named arguments (preserveContent: true): NULL, or a NULL-terminated list. */
    const char *const *param_names;
    /* Static parameter types, for argument conversions and overload checks by the checker;
     * NULL = accept anything (the native checks tags itself and throws
     * ArgumentException/InvalidCastException). */
    const expr_type_t *params;
    expr_native_fn fn;
};

/* Enumeration of an object (foreach, Enumerable methods). Returns 0 with an array of values
 * in *items (arena memory) or EXPR_THROWN. */
typedef int (*expr_enumerate_fn)(expr_rt_t *rt, const expr_value_t *self, expr_value_t **items,
                                 uint32_t *count);

/* Explicit conversion of `self` to class `to` ((string)jtoken, (int)jvalue, (JObject)x):
 * 0 with *out, 1 when this class has no such conversion (the interpreter then throws
 * InvalidCastException), or EXPR_THROWN. */
typedef int (*expr_convert_fn)(expr_rt_t *rt, const expr_value_t *self, const expr_class_t *to,
                               expr_value_t *out);

/* ToString() of an object: 0 with *out an EXPR_V_STRING, or EXPR_THROWN. */
typedef int (*expr_to_string_fn)(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out);

struct expr_class {
    const char *name;      /* C# name as written in code: "string", "DateTime", "JObject",
                              "IUrl" (an interface users only see through members) */
    const char *full_name; /* "System.String", "Newtonsoft.Json.Linq.JObject" (typeof, errors,
                              qualified names in code); may be NULL */
    uint8_t tag;           /* expr_vtag_t of its values: EXPR_V_OBJECT for objects */
    bool is_static_only;   /* Math, Convert, Encoding...: no instances */
    bool is_nameable;      /* may be written in code (casts, statics, new, generic args) */
    const expr_class_t *base; /* looked up after this class (JObject → JToken → object) */
    const expr_member_t *members;
    size_t member_count;
    const expr_class_t *elem;     /* element class when enumerable (JArray → JToken); else NULL */
    expr_enumerate_fn enumerate;  /* NULL: not enumerable (arrays are, through the core) */
    expr_convert_fn convert;      /* NULL: only the core conversions */
    expr_to_string_fn to_string;  /* NULL: the class's full name, as .NET's object.ToString */
    /* Value equality for == on objects of this class; NULL = reference equality. */
    bool (*equals)(const expr_value_t *a, const expr_value_t *b);
    /* An extension class (C#'s static class of extension methods): its EXPR_M_METHOD members
     * apply to instances of `extends` (AsJwt and AsBasic extend string). NULL otherwise. */
    const expr_class_t *extends;
};

/* ---- the classes every layer may name ----
 * Primitive classes (their members are the libraries': lib_string.c, lib_number.c...). */
extern const expr_class_t expr_class_object; /* base of everything: ToString, Equals, GetType */
extern const expr_class_t expr_class_void;   /* the return "type" of void methods */
extern const expr_class_t expr_class_bool;
extern const expr_class_t expr_class_int;
extern const expr_class_t expr_class_long;
extern const expr_class_t expr_class_double;
extern const expr_class_t expr_class_char;
extern const expr_class_t expr_class_string;
extern const expr_class_t expr_class_bytes; /* byte[] */
extern const expr_class_t expr_class_datetime;
extern const expr_class_t expr_class_timespan;
extern const expr_class_t expr_class_guid;
extern const expr_class_t expr_class_array;      /* T[]: Length, indexer; elem in expr_type_t */
extern const expr_class_t expr_class_enumerable; /* IEnumerable<T> results (Select, Where) and
                                                    the EXPR_M_EXTENSION members (Enumerable) */

/* The classes of each library, NULL-terminated (each lib_*.c defines its own list);
 * classes.c walks them all. A class users may write in code has is_nameable set; extension
 * classes are found through `extends`. */
extern const expr_class_t *const expr_lib_object_classes[];   /* lib_object.c: object, void,
                                                                  arrays, Enumerable */
extern const expr_class_t *const expr_lib_string_classes[];   /* lib_string.c: string, char,
                                                                  StringComparison, StringBuilder */
extern const expr_class_t *const expr_lib_number_classes[];   /* lib_number.c: bool, int, long,
                                                                  double, Math, Convert,
                                                                  BitConverter, Encoding, byte[] */
extern const expr_class_t *const expr_lib_net_classes[];      /* lib_net.c: Uri, WebUtility */
extern const expr_class_t *const expr_lib_datetime_classes[]; /* lib_datetime.c: DateTime,
                                                                  TimeSpan, DateTimeKind, Guid */
extern const expr_class_t *const expr_lib_regex_classes[];    /* lib_regex.c: Regex, Match,
                                                                  Group, RegexOptions... */
extern const expr_class_t *const expr_lib_crypto_classes[];   /* lib_crypto.c: SHA*, MD5, HMAC* */
extern const expr_class_t *const expr_lib_symmetric_classes[]; /* lib_symmetric.c: Aes, TripleDES, byte[] Encrypt/Decrypt */
extern const expr_class_t *const expr_lib_json_classes[];     /* lib_json.c: JToken, JObject,
                                                                  JArray, JValue, JsonConvert */
extern const expr_class_t *const expr_lib_auth_classes[];     /* lib_auth.c: Jwt,
                                                                  BasicAuthCredentials, their
                                                                  string extensions */
extern const expr_class_t *const expr_lib_xml_classes[];      /* lib_xml.c: XDocument, XElement,
                                                                  XAttribute, XName, XNamespace...,
                                                                  XmlReader, XmlNodeType */
extern const expr_class_t *const expr_lib_io_classes[];       /* lib_io.c: StringReader,
                                                                  StringWriter, TextReader,
                                                                  TextWriter */

/* The nameable class written `name` ("DateTime", "JObject", "string", "System.Text.Encoding":
 * a class's name or full_name), or NULL. Compile time only (it searches). */
const expr_class_t *expr_class_by_name(const char *name, size_t len);

/* The class of a value (the primitive classes for scalars, expr_class_array for arrays,
 * obj.cls for objects; NULL for null). */
const expr_class_t *expr_value_class(const expr_value_t *v);

/* The member `name` of kind `kind` in cls or its bases (then expr_class_object), or NULL. */
const expr_member_t *expr_class_find(const expr_class_t *cls, const char *name,
                                     expr_member_kind_t kind);
/* True when cls is `ancestor` or derives from it. */
bool expr_class_is(const expr_class_t *cls, const expr_class_t *ancestor);

/* ---- runtime ---- */

#define EXPR_THROWN (-1000)

typedef void (*expr_cleanup_fn)(void *ptr);

typedef struct expr_cleanup {
    expr_cleanup_fn fn;
    void *ptr;
    struct expr_cleanup *next;
} expr_cleanup_t;

struct expr_rt {
    arena_t *arena;       /* where values are allocated: the request's arena */
    void *host;           /* for host classes (policy/context.c reads its policy_exec here) */
    expr_value_t context; /* the value of the name `context` */
    int64_t now_ticks;    /* DateTime.UtcNow for this evaluation (0: read the clock) */
    uint64_t budget;      /* interpreter steps left; 0 at start = EXPR_DEFAULT_BUDGET. Loops
                             and lambdas spend it; exhausting it throws (no endless loop) */
    /* Bytes expr_rt_alloc has handed out, and the most it may (0 at start =
     * EXPR_DEFAULT_MEMORY): past it an allocation throws OutOfMemoryException, so an
     * expression that grows a string or a list without end fails its request instead of
     * the unit (`s += s` in a loop doubles per step: the step budget alone does not bound it). */
    uint64_t allocated, memory_limit;
    expr_cleanup_t *cleanups;
    /* The pending exception, after EXPR_THROWN. */
    bool has_exception;
    char exception_type[64];  /* "System.FormatException" */
    char exception_message[256];
};

#define EXPR_DEFAULT_BUDGET 1000000u
#define EXPR_DEFAULT_MEMORY (64u * 1024 * 1024)

/* Sets up a runtime over `arena` (the caller owns both). */
void expr_rt_init(expr_rt_t *rt, arena_t *arena, void *host);
/* Runs the registered cleanups (newest first) and forgets them. The arena is the caller's. */
void expr_rt_end(expr_rt_t *rt);

/* Records an exception (type without "System." is fine: "FormatException") and returns
 * EXPR_THROWN, so a native can `return expr_throw(rt, "FormatException", "...")`. */
int expr_throw(expr_rt_t *rt, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Arena allocation that throws OutOfMemoryException on failure: NULL then, and the caller
 * returns EXPR_THROWN. */
void *expr_rt_alloc(expr_rt_t *rt, size_t size);
/* Registers fn(ptr) to run at expr_rt_end. 0, or EXPR_THROWN (no memory: fn(ptr) has run). */
int expr_rt_defer(expr_rt_t *rt, expr_cleanup_fn fn, void *ptr);
/* DateTime.UtcNow in ticks (rt->now_ticks, or the clock once per evaluation). */
int64_t expr_rt_now_ticks(expr_rt_t *rt);

/* Calls a lambda argument with `argc` arguments; 0 with *out, or EXPR_THROWN. Implemented by
 * the interpreter. */
int expr_rt_invoke(expr_rt_t *rt, const expr_value_t *lambda, const expr_value_t *args,
                   unsigned argc, expr_value_t *out);
/* The items of any enumerable value (array, string → chars, class with `enumerate`):
 * 0 with *items and *count, or EXPR_THROWN (null → NullReferenceException; not enumerable →
 * InvalidCastException). */
int expr_rt_enumerate(expr_rt_t *rt, const expr_value_t *v, expr_value_t **items,
                      uint32_t *count);

/* ---- value constructors and conversions (value.c) ---- */

static inline expr_value_t expr_null(void)
{
    return (expr_value_t){.tag = EXPR_V_NULL};
}
static inline expr_value_t expr_bool(bool b)
{
    return (expr_value_t){.tag = EXPR_V_BOOL, .u.b = b};
}
static inline expr_value_t expr_int(int32_t i)
{
    return (expr_value_t){.tag = EXPR_V_INT, .u.i = i};
}
static inline expr_value_t expr_long(int64_t i)
{
    return (expr_value_t){.tag = EXPR_V_LONG, .u.i = i};
}
static inline expr_value_t expr_double(double d)
{
    return (expr_value_t){.tag = EXPR_V_DOUBLE, .u.d = d};
}
/* A string value over existing memory (not copied: it must outlive the evaluation). */
static inline expr_value_t expr_str_ref(const char *ptr, size_t len)
{
    return (expr_value_t){.tag = EXPR_V_STRING, .u.s = {ptr, (uint32_t)len}};
}
static inline expr_value_t expr_object(const expr_class_t *cls, void *ptr)
{
    return (expr_value_t){.tag = EXPR_V_OBJECT, .u.obj = {cls, ptr}};
}
/* A string copied into the arena: 0, or EXPR_THROWN (no memory). */
int expr_str_copy(expr_rt_t *rt, const char *ptr, size_t len, expr_value_t *out);
/* A string formatted into the arena. */
int expr_str_printf(expr_rt_t *rt, expr_value_t *out, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Anonymous objects (new { a = 1, b = x }): the checker makes one read-only class per
 * creation (its members are the properties, in order); expr_anonymous_fields gives a value's
 * property names and values (serializers: JObject.FromObject, JsonConvert.SerializeObject).
 * false when `v` is not an anonymous object. */
bool expr_anonymous_fields(const expr_value_t *v, uint32_t *count, const expr_member_t **names,
                           const expr_value_t **values);
/* lib_object.c: the getter and ToString every anonymous class uses */
int expr_anonymous_get(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self, expr_value_t *args,
                       unsigned argc, expr_value_t *out);
int expr_anonymous_to_string(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out);

/* C#'s ToString() of any value, with .NET's invariant formatting (what string concatenation,
 * interpolation and a policy attribute's string conversion use): null → "" (concatenation)
 * , true → "True", 1.5 → "1.5", DateTime → "M/d/yyyy h:mm:ss tt" (invariant "G"), Guid →
 * "d" format, objects through their class's to_string. 0 or EXPR_THROWN. */
int expr_value_to_string(expr_rt_t *rt, const expr_value_t *v, expr_value_t *out);
/* The value as bool for a policy condition: must be EXPR_V_BOOL, else InvalidCastException. */
int expr_value_to_bool(expr_rt_t *rt, const expr_value_t *v, bool *out);
/* The value as a 64-bit integer for an integer attribute: int, long, a double with no
 * fraction, or a string that parses as one (the policy attribute conversion, spec §3.1
 * "result conversion"); otherwise FormatException/InvalidCastException. */
int expr_value_to_long(expr_rt_t *rt, const expr_value_t *v, int64_t *out);
/* C#'s Equals / == on two values of any tags (numeric promotion, string ordinal, null). */
bool expr_value_equals(const expr_value_t *a, const expr_value_t *b);

#endif
