/* The shared helpers of the expression libraries that carry logic of their own (lib_text.h:
 * the sticky-failure sink, the crypto (offset, count) checks; lib_datetime.h: CompareTo's
 * argument check), called directly. */
#include "expr/lib_datetime.h"
#include "lib_test_util.h"

#include <criterion/criterion.h>

TestSuite(lib_text, .init = lib_setup, .fini = lib_teardown);

static void assert_exception(const char *type, const char *message)
{
    cr_assert(rt.has_exception);
    cr_assert_str_eq(rt.exception_type, type);
    cr_assert_str_eq(rt.exception_message, message);
    rt.has_exception = false;
}

Test(lib_text, a_sink_appends_pieces_and_code_points)
{
    expr_text_sink_t s = {.text = {.rt = &rt}};
    expr_text_sink_put(&s, "ab", 2);
    expr_text_sink_put(&s, "", 0);
    expr_text_sink_put_cp(&s, 0xE9);    /* é: two bytes */
    expr_text_sink_put_cp(&s, 0x1F600); /* four bytes */
    for (int k = 0; k < 100; k++) expr_text_sink_put(&s, "x", 1); /* past the first block */
    expr_value_t out;
    cr_assert_eq(expr_text_sink_finish(&s, &out), 0);
    cr_assert_eq(out.tag, EXPR_V_STRING);
    cr_assert_eq(out.u.s.len, 2 + 2 + 4 + 100);
    cr_assert_eq(memcmp(out.u.s.ptr, "ab\xC3\xA9\xF0\x9F\x98\x80xx", 10), 0);
    cr_assert_eq(out.u.s.ptr[out.u.s.len], '\0');
}

Test(lib_text, an_empty_sink_is_the_empty_string_and_allocates_nothing)
{
    expr_text_sink_t s = {.text = {.rt = &rt}};
    expr_text_sink_put(&s, "", 0);
    cr_assert_null(s.text.ptr);
    expr_value_t out;
    cr_assert_eq(expr_text_sink_finish(&s, &out), 0);
    cr_assert_eq(out.tag, EXPR_V_STRING);
    cr_assert_eq(out.u.s.len, 0);
}

Test(lib_text, a_sink_remembers_its_first_failure)
{
    expr_text_sink_t s = {.text = {.rt = &rt}};
    expr_text_sink_put(&s, "ab", 2);
    rt.memory_limit = rt.allocated + 16; /* the next block (128 bytes) is refused */
    char big[100];
    memset(big, 'y', sizeof big);
    expr_text_sink_put(&s, big, sizeof big);
    cr_assert(s.failed);
    cr_assert_str_eq(rt.exception_type, "System.OutOfMemoryException");
    rt.memory_limit = 0;
    expr_text_sink_put(&s, "c", 1); /* ignored: the failure stays */
    cr_assert_eq(s.text.len, 2);
    expr_value_t out;
    cr_assert_eq(expr_text_sink_finish(&s, &out), EXPR_THROWN);
}

Test(lib_text, check_block_takes_dotnet_ranges)
{
    cr_assert_eq(expr_text_check_block(&rt, 0, 4, 4, "offset"), 0);
    cr_assert_eq(expr_text_check_block(&rt, 4, 0, 4, "offset"), 0);
    cr_assert_eq(expr_text_check_block(&rt, 2, 2, 4, "offset"), 0);
    cr_assert_not(rt.has_exception);
    cr_assert_eq(expr_text_check_block(&rt, -1, 1, 4, "inputOffset"), EXPR_THROWN);
    assert_exception("System.ArgumentOutOfRangeException", "Non-negative number required. (Parameter 'inputOffset')");
    cr_assert_eq(expr_text_check_block(&rt, 3, 2, 4, "offset"), EXPR_THROWN);
    assert_exception("System.ArgumentException",
                     "Offset and length were out of bounds for the array or count is greater than the number of "
                     "elements from index to the end of the source collection.");
    cr_assert_eq(expr_text_check_block(&rt, 0, -1, 4, "offset"), EXPR_THROWN);
    assert_exception("System.ArgumentException",
                     "Offset and length were out of bounds for the array or count is greater than the number of "
                     "elements from index to the end of the source collection.");
}

Test(lib_text, compare_arg_sorts_null_first_and_refuses_other_types)
{
    expr_value_t out = expr_null(), arg = expr_null();
    cr_assert_eq(expr_dt_compare_arg(&rt, &arg, EXPR_V_TIMESPAN, "TimeSpan", &out), 1);
    cr_assert_eq(out.tag, EXPR_V_INT);
    cr_assert_eq(out.u.i, 1);
    arg = (expr_value_t){.tag = EXPR_V_TIMESPAN, .u.i = 5};
    cr_assert_eq(expr_dt_compare_arg(&rt, &arg, EXPR_V_TIMESPAN, "TimeSpan", &out), 0);
    arg = expr_int(5);
    cr_assert_eq(expr_dt_compare_arg(&rt, &arg, EXPR_V_GUID, "Guid", &out), EXPR_THROWN);
    assert_exception("System.ArgumentException", "Object must be of type Guid.");
}

Test(lib_text, datetime_and_timespan_share_compare_equals_and_hash)
{
    EXPECT("@(TimeSpan.FromTicks(5).CompareTo(TimeSpan.FromTicks(7)))", "-1");
    EXPECT("@(new DateTime(7).CompareTo(new DateTime(5)))", "1");
    EXPECT("@(TimeSpan.FromTicks(5).Equals(TimeSpan.FromTicks(5)))", "True");
    EXPECT("@(TimeSpan.FromTicks(5).Equals(new DateTime(5)))", "False");
    EXPECT("@(new DateTime(5).Equals(TimeSpan.FromTicks(5)))", "False");
}
