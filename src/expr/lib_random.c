/* lib_random: System.Random (spec §3.2 "Primitives": Random), which policies use for
 * random load balancing (`new Random().Next(0, 3)`) and nonces.
 *
 * An instance holds a xoshiro256** state in the evaluation's arena. `new Random()` seeds it
 * from the OS; `new Random(seed)` gives a fixed sequence for that seed — not .NET's own
 * sequence (its seeded generator is a Knuth subtractive one users cannot rely on across
 * .NET versions either), which docs/expressions.md notes. */
#include "expr/lib_text.h"

#include <math.h>
#include <string.h>
#include <sys/random.h>

#define T_INT {&expr_class_int, NULL}
#define T_DOUBLE {&expr_class_double, NULL}
#define T_LONG {&expr_class_long, NULL}
#define T_RANDOM {&expr_class_random, NULL}
#define MEMBER(n, k, lo, hi, t, f) {.name = n, .kind = k, .min_args = lo, .max_args = hi, .ret = t, .fn = f}


typedef struct {
    uint64_t s[4];
} random_state_t;

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t next_u64(random_state_t *r)
{
    uint64_t result = rotl(r->s[1] * 5, 7) * 9, t = r->s[1] << 17;
    r->s[2] ^= r->s[0];
    r->s[3] ^= r->s[1];
    r->s[1] ^= r->s[2];
    r->s[0] ^= r->s[3];
    r->s[2] ^= t;
    r->s[3] = rotl(r->s[3], 45);
    return result;
}

/* splitmix64 expands one seed into the four state words (xoshiro's recommended seeding). */
static void seed_state(random_state_t *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) {
        uint64_t z = (seed += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        r->s[i] = z ^ (z >> 31);
    }
}

/* Uniform in [0, bound) without modulo bias (bound > 0). */
static uint64_t below(random_state_t *r, uint64_t bound)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t x;
    do x = next_u64(r);
    while (x >= limit);
    return x % bound;
}

/* Next and NextInt64: uniform in [lo, hi), lo itself when the range is empty (.NET's
 * Next(5, 5) is 5). The span is computed unsigned: hi - lo may pass INT64_MAX. */
static int64_t in_range(random_state_t *r, int64_t lo, int64_t hi)
{
    uint64_t span = (uint64_t)hi - (uint64_t)lo;
    return span == 0 ? lo : (int64_t)((uint64_t)lo + below(r, span));
}

static int random_new(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                      expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)call;
    (void)self;
    random_state_t *r = expr_rt_alloc(rt, sizeof *r);
    if (!r) return EXPR_THROWN;
    uint64_t seed;
    if (argc == 1) {
        int32_t s;
        if (expr_text_arg_int(rt, &args[0], "Seed", &s) < 0) return EXPR_THROWN;
        seed = (uint64_t)(int64_t)s;
    } else if (getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed) {
        seed = (uint64_t)expr_rt_now_ticks(rt) ^ (uint64_t)(uintptr_t)r;
    }
    seed_state(r, seed);
    *out = expr_object(&expr_class_random, r);
    return 0;
}

static int random_next(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                       expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)call;
    random_state_t *r = self->u.obj.ptr;
    int32_t lo = 0, hi = INT32_MAX;
    if (argc == 1 && expr_text_arg_int(rt, &args[0], "maxValue", &hi) < 0) return EXPR_THROWN;
    if (argc == 2 && (expr_text_arg_int(rt, &args[0], "minValue", &lo) < 0 ||
                      expr_text_arg_int(rt, &args[1], "maxValue", &hi) < 0))
        return EXPR_THROWN;
    if (argc == 1 && hi < 0)
        return expr_throw(rt, "ArgumentOutOfRangeException",
                          "'maxValue' must be greater than or equal to zero. (Parameter 'maxValue')");
    if (lo > hi)
        return expr_throw(rt, "ArgumentOutOfRangeException",
                          "'minValue' cannot be greater than maxValue. (Parameter 'minValue')");
    *out = expr_int((int32_t)in_range(r, lo, hi));
    return 0;
}

static int random_next_double(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                              expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)rt;
    (void)call;
    (void)args;
    (void)argc;
    random_state_t *r = self->u.obj.ptr;
    *out = expr_double((double)(next_u64(r) >> 11) * 0x1.0p-53); /* [0, 1) */
    return 0;
}

static int random_next_int64(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                             expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)call;
    random_state_t *r = self->u.obj.ptr;
    int64_t lo = 0, hi = INT64_MAX;
    for (unsigned i = 0; i < argc; i++) {
        if (args[i].tag != EXPR_V_INT && args[i].tag != EXPR_V_LONG)
            return expr_throw(rt, "ArgumentException", "NextInt64 takes long arguments");
    }
    if (argc == 1) hi = args[0].u.i;
    if (argc == 2) {
        lo = args[0].u.i;
        hi = args[1].u.i;
    }
    if (lo > hi || hi < 0)
        return expr_throw(rt, "ArgumentOutOfRangeException",
                          "'minValue' cannot be greater than maxValue. (Parameter 'minValue')");
    *out = expr_long(in_range(r, lo, hi));
    return 0;
}

static const expr_member_t random_members[] = {
    MEMBER(".ctor", EXPR_M_CONSTRUCTOR, 0, 1, T_RANDOM, random_new),
    MEMBER("Next", EXPR_M_METHOD, 0, 2, T_INT, random_next),
    MEMBER("NextDouble", EXPR_M_METHOD, 0, 0, T_DOUBLE, random_next_double),
    MEMBER("NextInt64", EXPR_M_METHOD, 0, 2, T_LONG, random_next_int64),
};

const expr_class_t expr_class_random = {
    .name = "Random",
    .full_name = "System.Random",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_object,
    .members = random_members,
    .member_count = sizeof random_members / sizeof random_members[0],
};
