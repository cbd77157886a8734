/* value.c: ToString with .NET's invariant formatting, the policy attribute conversions
 * (to bool, to long) and Equals; classes.c: names, members, derivation. */
#include "expr/value.h"
#include "lib_rt.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

TestSuite(value, .init = lib_setup, .fini = lib_teardown);

static const char *str(expr_value_t v)
{
    static char buf[256];
    expr_value_t s;
    cr_assert_eq(expr_value_to_string(&rt, &v, &s), 0);
    cr_assert_eq(s.tag, EXPR_V_STRING);
    snprintf(buf, sizeof buf, "%.*s", (int)s.u.s.len, s.u.s.ptr);
    return buf;
}

#define DBL(d, want) cr_expect_str_eq(str(expr_double(d)), want, "%.17g", (double)(d))

Test(value, doubles_round_trip_like_dotnet_core)
{
    DBL(1.5, "1.5");
    DBL(0, "0");
    DBL(-0.0, "-0");
    DBL(1, "1");
    DBL(-2.25, "-2.25");
    DBL(0.1, "0.1");
    DBL(0.1 + 0.2, "0.30000000000000004");
    DBL(1.0 / 3, "0.3333333333333333");
    DBL(100, "100");
    DBL(123456789012345.0, "123456789012345");
    DBL(1e15, "1E+15");
    DBL(1.5e15, "1.5E+15");
    DBL(1e20, "1E+20");
    DBL(1.7976931348623157e308, "1.7976931348623157E+308");
    DBL(0.0001, "0.0001");
    DBL(0.00001, "1E-05");
    DBL(1.5e-7, "1.5E-07");
    DBL(5e-324, "5E-324");
    DBL(NAN, "NaN");
    DBL(INFINITY, "Infinity");
    DBL(-INFINITY, "-Infinity");
}

Test(value, scalars)
{
    cr_expect_str_eq(str(expr_bool(true)), "True");
    cr_expect_str_eq(str(expr_bool(false)), "False");
    cr_expect_str_eq(str(expr_int(-42)), "-42");
    cr_expect_str_eq(str(expr_long(INT64_MIN)), "-9223372036854775808");
    cr_expect_str_eq(str(expr_null()), "");
    cr_expect_str_eq(str((expr_value_t){.tag = EXPR_V_CHAR, .u.i = 0xE9}), "\xC3\xA9");
    cr_expect_str_eq(str(expr_str_ref("x", 1)), "x");
    expr_value_t g = {.tag = EXPR_V_GUID};
    for (int i = 0; i < 16; i++) g.u.guid[i] = (uint8_t)(i * 17);
    cr_expect_str_eq(str(g), "00112233-4455-6677-8899-aabbccddeeff");
    expr_value_t items[1] = {expr_int(1)};
    cr_expect_str_eq(str((expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {items, 1, &expr_class_string}}), "System.String[]");
    cr_expect_str_eq(str((expr_value_t){.tag = EXPR_V_BYTES, .u.s = {"ab", 2}}), "System.Byte[]");
}

Test(value, timespan_and_datetime)
{
    expr_value_t ts = {.tag = EXPR_V_TIMESPAN, .u.i = 90061LL * 10000000 + 5};
    cr_expect_str_eq(str(ts), "1.01:01:01.0000005");
    ts.u.i = -30LL * 10000000;
    cr_expect_str_eq(str(ts), "-00:00:30");
    /* 2024-01-02 15:04:05 (ticks) */
    expr_value_t dt = {.tag = EXPR_V_DATETIME, .u.i = 638398046450000000LL};
    cr_expect_str_eq(str(dt), "1/2/2024 3:04:05 PM");
}

Test(value, conversions_for_policy_attributes)
{
    bool b;
    cr_expect_eq(expr_value_to_bool(&rt, &(expr_value_t){.tag = EXPR_V_BOOL, .u.b = true}, &b), 0);
    cr_expect(b);
    cr_expect_eq(expr_value_to_bool(&rt, &(expr_value_t){.tag = EXPR_V_STRING, .u.s = {"true", 4}}, &b), EXPR_THROWN);
    cr_expect_str_eq(rt.exception_type, "System.InvalidCastException");
    int64_t n;
    cr_expect_eq(expr_value_to_long(&rt, &(expr_value_t){.tag = EXPR_V_INT, .u.i = -5}, &n), 0);
    cr_expect_eq(n, -5);
    cr_expect_eq(expr_value_to_long(&rt, &(expr_value_t){.tag = EXPR_V_DOUBLE, .u.d = 3.0}, &n), 0);
    cr_expect_eq(n, 3);
    cr_expect_eq(expr_value_to_long(&rt, &(expr_value_t){.tag = EXPR_V_DOUBLE, .u.d = 3.5}, &n), EXPR_THROWN);
    cr_expect_eq(expr_value_to_long(&rt, &(expr_value_t){.tag = EXPR_V_STRING, .u.s = {" 120 ", 5}}, &n), 0);
    cr_expect_eq(n, 120);
    cr_expect_eq(expr_value_to_long(&rt, &(expr_value_t){.tag = EXPR_V_STRING, .u.s = {"12a", 3}}, &n), EXPR_THROWN);
    cr_expect_str_eq(rt.exception_type, "System.FormatException");
    cr_expect_eq(expr_value_to_long(&rt, &(expr_value_t){.tag = EXPR_V_STRING, .u.s = {"99999999999999999999", 20}}, &n),
                 EXPR_THROWN);
    cr_expect_str_eq(rt.exception_type, "System.OverflowException");
    cr_expect_eq(expr_value_to_long(&rt, &(expr_value_t){.tag = EXPR_V_BOOL}, &n), EXPR_THROWN);
    cr_expect_str_eq(rt.exception_type, "System.InvalidCastException");
}

Test(value, equality)
{
    expr_value_t a = expr_str_ref("abc", 3), b = expr_str_ref("abcd", 3), c = expr_str_ref("abd", 3);
    cr_expect(expr_value_equals(&a, &b));
    cr_expect(!expr_value_equals(&a, &c));
    cr_expect(expr_value_equals(&(expr_value_t){.tag = EXPR_V_INT, .u.i = 1}, &(expr_value_t){.tag = EXPR_V_DOUBLE, .u.d = 1.0}));
    cr_expect(expr_value_equals(&(expr_value_t){.tag = EXPR_V_LONG, .u.i = 7}, &(expr_value_t){.tag = EXPR_V_INT, .u.i = 7}));
    cr_expect(!expr_value_equals(&a, &(expr_value_t){.tag = EXPR_V_NULL}));
    cr_expect(expr_value_equals(&(expr_value_t){.tag = EXPR_V_NULL}, &(expr_value_t){.tag = EXPR_V_NULL}));
    cr_expect(!expr_value_equals(&(expr_value_t){.tag = EXPR_V_DOUBLE, .u.d = NAN}, &(expr_value_t){.tag = EXPR_V_DOUBLE, .u.d = NAN}));
    int x, y;
    expr_value_t o1 = expr_object(&expr_class_object, &x), o2 = expr_object(&expr_class_object, &y);
    cr_expect(expr_value_equals(&o1, &o1));
    cr_expect(!expr_value_equals(&o1, &o2));
}

Test(value, classes)
{
    cr_expect_eq(expr_class_by_name("string", 6), &expr_class_string);
    cr_expect_eq(expr_class_by_name("String", 6), &expr_class_string);
    cr_expect_eq(expr_class_by_name("System.String", 13), &expr_class_string);
    cr_expect_eq(expr_class_by_name("Int32", 5), &expr_class_int);
    cr_expect_eq(expr_class_by_name("Strin", 5), NULL);
    cr_expect_eq(expr_class_by_name("ring", 4), NULL);
    const expr_class_t *fe = expr_class_by_name("FormatException", 15);
    const expr_class_t *ex = expr_class_by_name("System.Exception", 16);
    cr_assert_not_null(fe);
    cr_assert_not_null(ex);
    cr_expect(expr_class_is(fe, ex));
    cr_expect(!expr_class_is(ex, fe));
    cr_expect(expr_class_is(fe, &expr_class_object));
    cr_expect_not_null(expr_class_find(fe, "Message", EXPR_M_PROPERTY));
    cr_expect_not_null(expr_class_find(fe, "ToString", EXPR_M_METHOD));
    cr_expect_not_null(expr_class_find(&expr_class_int, "ToString", EXPR_M_METHOD));
    cr_expect_null(expr_class_find(fe, "Message", EXPR_M_METHOD));
    cr_expect_eq(expr_value_class(&(expr_value_t){.tag = EXPR_V_INT}), &expr_class_int);
    cr_expect_eq(expr_value_class(&(expr_value_t){.tag = EXPR_V_NULL}), NULL);
}
