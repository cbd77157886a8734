/* Unit tests for src/base: arena, buf, slice, clock. */
#include "base/arena.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/slice.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

Test(arena, small_allocations_are_aligned_and_distinct)
{
    arena_t a;
    arena_init(&a, 1024);
    char *prev = NULL;
    for (int i = 0; i < 1000; i++) {
        char *p = arena_alloc(&a, (size_t)(i % 37) + 1);
        cr_assert_not_null(p);
        cr_assert_eq((uintptr_t)p % 16, 0, "allocation %d not 16-byte aligned", i);
        cr_assert_neq(p, prev);
        memset(p, 0xab, (size_t)(i % 37) + 1);
        prev = p;
    }
    arena_free(&a);
}

Test(arena, large_allocation_gets_its_own_chunk)
{
    arena_t a;
    arena_init(&a, 256);
    char *big = arena_alloc(&a, 100000);
    cr_assert_not_null(big);
    memset(big, 1, 100000);
    char *s = arena_strndup(&a, "hello world", 5);
    cr_assert_str_eq(s, "hello");
    arena_reset(&a);
    cr_assert_not_null(arena_alloc(&a, 8));
    arena_free(&a);
}

Test(buf, append_printf_consume)
{
    buf_t b;
    buf_init(&b);
    cr_assert_eq(buf_append_cstr(&b, "abc"), 0);
    cr_assert_eq(buf_printf(&b, "-%d-%s", 42, "x"), 0);
    cr_assert_eq(b.len, strlen("abc-42-x"));
    cr_assert_eq(memcmp(b.data, "abc-42-x", b.len), 0);
    buf_consume(&b, 4);
    cr_assert_eq(memcmp(b.data, "42-x", 4), 0);
    buf_consume(&b, 100);
    cr_assert_eq(b.len, 0);
    buf_free(&b);
}

Test(buf, printf_grows_past_initial_capacity)
{
    buf_t b;
    buf_init(&b);
    char big[5000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cr_assert_eq(buf_printf(&b, "%s|%s", big, big), 0);
    cr_assert_eq(b.len, 2 * (sizeof big - 1) + 1);
    buf_free(&b);
}

Test(buf, append_text_keeps_a_nul_after_the_data)
{
    buf_t b;
    buf_init(&b);
    cr_assert_eq(buf_append_text(&b, "", 0), 0);
    cr_assert_not_null(b.data, "even nothing appended is an empty string");
    cr_assert_str_eq(b.data, "");
    char big[3000];
    memset(big, 'q', sizeof big);
    cr_assert_eq(buf_append_text(&b, "head\r\n", 6), 0);
    cr_assert_eq(buf_append_text(&b, big, sizeof big), 0); /* grows past the first capacity */
    cr_assert_eq(b.len, 6 + sizeof big, "the NUL is not counted");
    cr_assert_eq(b.data[b.len], '\0');
    cr_assert_eq(strncmp(b.data, "head\r\nqq", 8), 0);
    cr_assert_eq(strlen(b.data), b.len);
    buf_free(&b);
}

Test(buf, json_escaping_follows_rfc8259)
{
    buf_t b;
    buf_init(&b);
    const char in[] = "a\"b\\c\n\x01\x7f";
    buf_append_json_escaped(&b, in, sizeof in - 1);
    const char want[] = "a\\\"b\\\\c\\u000a\\u0001\\u007f";
    cr_assert_eq(b.len, sizeof want - 1);
    cr_assert_eq(memcmp(b.data, want, b.len), 0);
    buf_free(&b);
}

Test(slice, case_insensitive_compare_and_trim)
{
    cr_assert(slice_eq_nocase(SLICE_LIT("Content-Length"), SLICE_LIT("content-length")));
    cr_assert_not(slice_eq_nocase(SLICE_LIT("Content-Length"), SLICE_LIT("content-lengtx")));
    cr_assert(slice_starts_with_nocase(SLICE_LIT("Keep-Alive, close"), SLICE_LIT("keep-")));
    slice_t t = slice_trim_ows(SLICE_LIT(" \t value \t"));
    cr_assert(slice_eq(t, SLICE_LIT("value")));
}

Test(slice, decimal_parsing_rejects_overflow_and_junk)
{
    unsigned long long v;
    cr_assert(slice_to_u64(SLICE_LIT("18446744073709551615"), &v));
    cr_assert_eq(v, 18446744073709551615ULL);
    cr_assert_not(slice_to_u64(SLICE_LIT("18446744073709551616"), &v));
    cr_assert_not(slice_to_u64(SLICE_LIT(""), &v));
    cr_assert_not(slice_to_u64(SLICE_LIT("12a"), &v));
    cr_assert_not(slice_to_u64(SLICE_LIT("-1"), &v));
    cr_assert_not(slice_to_u64(SLICE_LIT("+1"), &v));
}

Test(clock, formats)
{
    char iso[40], http[40];
    clock_format_iso8601(0, iso, sizeof iso);
    cr_assert_str_eq(iso, "1970-01-01T00:00:00.000Z");
    clock_format_http_date(784111777000ULL, http, sizeof http); /* RFC 9110 §5.6.7 example */
    cr_assert_str_eq(http, "Sun, 06 Nov 1994 08:49:37 GMT");
    cr_assert(clock_mono_ns() > 0);
}

Test(buf, append_u64_digits)
{
    buf_t b;
    buf_init(&b);
    cr_assert_eq(buf_append_u64(&b, 0), 0);
    cr_assert_eq(buf_append(&b, ",", 1), 0);
    cr_assert_eq(buf_append_u64(&b, 4294967296ull), 0);
    cr_assert_eq(buf_append(&b, ",", 1), 0);
    cr_assert_eq(buf_append_u64(&b, 18446744073709551615ull), 0);
    cr_assert_eq(b.len, strlen("0,4294967296,18446744073709551615"));
    cr_assert(memcmp(b.data, "0,4294967296,18446744073709551615", b.len) == 0);
    buf_free(&b);
}

Test(arena, recycle_keeps_one_chunk_and_reuses_it)
{
    arena_t a;
    arena_init(&a, 1024);
    /* past the inline block, into chunks; one bigger than the chunk size */
    for (int i = 0; i < 200; i++) cr_assert_not_null(arena_alloc(&a, 24));
    cr_assert_not_null(arena_alloc(&a, 5000));
    cr_assert_not_null(a.head);
    arena_recycle(&a);
    cr_assert_null(a.head);
    cr_assert_not_null(a.spare);
    arena_chunk_t *kept = a.spare;
    /* the next user starts inline, then takes the kept chunk before any malloc */
    char *first = arena_alloc(&a, 16);
    cr_assert(first >= a.inline_first && first < a.inline_first + sizeof a.inline_first);
    for (int i = 0; i < 40; i++) arena_alloc(&a, 16);
    cr_assert_eq(a.head, kept);
    cr_assert_null(a.spare);
    char *p = arena_alloc(&a, 100);
    cr_assert_eq(((uintptr_t)p) % 16, 0u);
    memset(p, 1, 100);
    cr_assert_null(arena_alloc(&a, (size_t)-1), "a size that wraps when rounded is refused");
    arena_free(&a);
}
