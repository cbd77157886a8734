/* Unit tests for the chunked transfer coding (RFC 9112 §7.1): http_chunked_decode() and
 * http_chunk_size_line(). */
#include "http/parser.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *out;          /* decoded body bytes */
    size_t out_len;
    int result;         /* HTTP_CHUNK_DONE, HTTP_CHUNK_NEED_MORE or an error */
    size_t consumed;    /* input bytes consumed in total when the result was reached */
} decoded_t;

/* Decodes `in` handing the decoder at most `piece` bytes per call (each piece an exact-size
 * copy, so that reads past it are caught by ASan). */
static decoded_t decode_in_pieces(const char *in, size_t len, size_t piece)
{
    decoded_t r = {.out = malloc(len + 1), .result = HTTP_CHUNK_NEED_MORE};
    cr_assert_not_null(r.out);
    http_chunked_decoder_t d;
    http_chunked_decoder_init(&d);
    size_t pos = 0;
    while (pos < len) {
        size_t n = len - pos < piece ? len - pos : piece;
        char *copy = malloc(n);
        cr_assert_not_null(copy);
        memcpy(copy, in + pos, n);
        size_t off = 0;
        for (;;) {
            size_t used = 0;
            const char *data = NULL;
            size_t data_len = 0;
            int rc = http_chunked_decode(&d, copy + off, n - off, &used, &data, &data_len);
            cr_assert_leq(used, n - off);
            off += used;
            if (rc == HTTP_CHUNK_DATA) {
                cr_assert(data >= copy && data + data_len <= copy + n && data_len > 0);
                memcpy(r.out + r.out_len, data, data_len);
                r.out_len += data_len;
                continue;
            }
            if (rc == HTTP_CHUNK_NEED_MORE) {
                cr_assert_eq(off, n);
                break;
            }
            r.result = rc;
            r.consumed = pos + off;
            free(copy);
            return r;
        }
        free(copy);
        pos += n;
    }
    r.consumed = pos;
    return r;
}

static decoded_t decode_all(const char *in)
{
    return decode_in_pieces(in, strlen(in), SIZE_MAX);
}

static void assert_bad(const char *in)
{
    decoded_t r = decode_all(in);
    cr_assert_eq(r.result, HTTP_ERR_BAD_CHUNK, "accepted: \"%s\"", in);
    free(r.out);
}

static void assert_body(const char *in, const char *body)
{
    decoded_t r = decode_all(in);
    cr_assert_eq(r.result, HTTP_CHUNK_DONE, "result %d for \"%s\"", r.result, in);
    cr_assert_eq(r.consumed, strlen(in));
    cr_assert_eq(r.out_len, strlen(body));
    cr_assert(memcmp(r.out, body, r.out_len) == 0);
    free(r.out);
}

Test(chunked, normal)
{
    assert_body("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world");
    assert_body("0\r\n\r\n", "");
    assert_body("A\r\n0123456789\r\n000\r\n\r\n", "0123456789");
    assert_body("1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n", "abcdefghijklmnopqrstuvwxyz");
}

Test(chunked, split_at_every_byte)
{
    const char *in = "5;a=b\r\nhello\r\n1\r\n \r\n6\r\nworld!\r\n0\r\nX-T: v\r\n\r\n";
    decoded_t whole = decode_all(in);
    cr_assert_eq(whole.result, HTTP_CHUNK_DONE);
    for (size_t split = 1; split <= strlen(in); split++) {
        /* Two pieces: [0, split) and the rest, via a first call that sees only split bytes. */
        decoded_t r = decode_in_pieces(in, strlen(in), split);
        cr_assert_eq(r.result, whole.result, "piece size %zu", split);
        cr_assert_eq(r.consumed, whole.consumed);
        cr_assert_eq(r.out_len, whole.out_len);
        cr_assert(memcmp(r.out, whole.out, r.out_len) == 0);
        free(r.out);
    }
    decoded_t bytewise = decode_in_pieces(in, strlen(in), 1);
    cr_assert_eq(bytewise.result, HTTP_CHUNK_DONE);
    cr_assert_eq(bytewise.out_len, 12);
    cr_assert(memcmp(bytewise.out, "hello world!", 12) == 0);
    free(bytewise.out);
    free(whole.out);
}

Test(chunked, data_span_points_into_input)
{
    const char in[] = "3\r\nabc\r\n0\r\n\r\n";
    http_chunked_decoder_t d;
    http_chunked_decoder_init(&d);
    size_t used;
    const char *data;
    size_t data_len;
    int rc = http_chunked_decode(&d, in, sizeof in - 1, &used, &data, &data_len);
    cr_assert_eq(rc, HTTP_CHUNK_DATA);
    cr_assert_eq(data, in + 3);
    cr_assert_eq(data_len, 3);
    cr_assert_eq(used, 6);
    rc = http_chunked_decode(&d, in + used, sizeof in - 1 - used, &used, &data, &data_len);
    cr_assert_eq(rc, HTTP_CHUNK_DONE);
    cr_assert_eq(used, 7);
}

Test(chunked, empty_input_needs_more)
{
    http_chunked_decoder_t d;
    http_chunked_decoder_init(&d);
    size_t used = 99;
    const char *data;
    size_t data_len;
    cr_assert_eq(http_chunked_decode(&d, "", 0, &used, &data, &data_len), HTTP_CHUNK_NEED_MORE);
    cr_assert_eq(used, 0);
    cr_assert_eq(http_chunked_decode(&d, "5\r", 2, &used, &data, &data_len), HTTP_CHUNK_NEED_MORE);
    cr_assert_eq(used, 2);
}

Test(chunked, extensions)
{
    assert_body("5;name=value\r\nhello\r\n0\r\n\r\n", "hello");
    assert_body("5;a;b=c;d=\"q \\\" \\\\ x\"\r\nhello\r\n0;last\r\n\r\n", "hello");
    /* BWS where the chunk-ext grammar has it (RFC 9112 §7.1.1). */
    assert_body("5 ; a = b ;c\r\nhello\r\n0\r\n\r\n", "hello");
    assert_body("5;a=\"x\" ;b\r\nhello\r\n0\r\n\r\n", "hello");
    assert_body("5;a=\"caf\xc3\xa9\"\r\nhello\r\n0\r\n\r\n", "hello");
}

Test(chunked, bad_extensions)
{
    assert_bad("5;\r\nhello\r\n0\r\n\r\n");
    assert_bad("5;=x\r\nhello\r\n0\r\n\r\n");
    assert_bad("5;a=\r\nhello\r\n0\r\n\r\n");
    assert_bad("5;a b\r\nhello\r\n0\r\n\r\n");
    assert_bad("5;a \r\nhello\r\n0\r\n\r\n");
    assert_bad("5;a=b c\r\nhello\r\n0\r\n\r\n");
    assert_bad("5;a=\"x\r\nhello\r\n0\r\n\r\n");
    assert_bad("5;a=\"x\"y\r\nhello\r\n0\r\n\r\n");
    assert_bad("5;a=b\x01\r\nhello\r\n0\r\n\r\n");
    assert_bad("5;a=\"\x01\"\r\nhello\r\n0\r\n\r\n");
    assert_bad("5;a=\"\\\x01\"\r\nhello\r\n0\r\n\r\n");
    assert_bad("5;a@b\r\nhello\r\n0\r\n\r\n");
}

Test(chunked, trailers)
{
    assert_body("5\r\nhello\r\n0\r\nX-Sum: abc\r\nY:\r\nZ: a\tb \xff\r\n\r\n", "hello");
    assert_bad("5\r\nhello\r\n0\r\n X: a\r\n\r\n");      /* leading whitespace */
    assert_bad("5\r\nhello\r\n0\r\nX: a\r\n b\r\n\r\n"); /* obs-fold */
    assert_bad("5\r\nhello\r\n0\r\nX : a\r\n\r\n");      /* space before colon */
    assert_bad("5\r\nhello\r\n0\r\nX: a\nY: b\r\n\r\n"); /* bare LF */
    assert_bad("5\r\nhello\r\n0\r\nX: a\rY: b\r\n\r\n"); /* bare CR */
    assert_bad("5\r\nhello\r\n0\r\nX: \x01\r\n\r\n");    /* CTL */
    assert_bad("5\r\nhello\r\n0\r\nNoColon\r\n\r\n");
    assert_bad("5\r\nhello\r\n0\r\n\r\r\n");
    assert_bad("5\r\nhello\r\n0\r\n\n");
}

Test(chunked, trailer_too_large)
{
    /* 16 KiB counts every trailer byte, the final CRLF included. */
    size_t value_len = 16 * 1024 - 3 - 2 - 2; /* "X: " + value + CRLF + CRLF */
    char *in = malloc(value_len + 64);
    cr_assert_not_null(in);
    memcpy(in, "0\r\nX: ", 6);
    size_t n = 6;
    memset(in + n, 'v', value_len);
    strcpy(in + n + value_len, "\r\n\r\n");
    decoded_t r = decode_all(in);
    cr_assert_eq(r.result, HTTP_CHUNK_DONE);
    free(r.out);
    memset(in + n, 'v', value_len + 1);
    strcpy(in + n + value_len + 1, "\r\n\r\n");
    assert_bad(in);
    free(in);
}

Test(chunked, size_limits)
{
    /* 16 hex digits fit a uint64_t: accepted (waiting for data). */
    decoded_t r = decode_all("ffffffffffffffff\r\nabc");
    cr_assert_eq(r.result, HTTP_CHUNK_NEED_MORE);
    cr_assert_eq(r.out_len, 3);
    free(r.out);
    http_chunked_decoder_t d;
    http_chunked_decoder_init(&d);
    size_t used;
    const char *data;
    size_t data_len;
    cr_assert_eq(http_chunked_decode(&d, "FFFFFFFFFFFFFFFF\r\n", 18, &used, &data, &data_len),
                 HTTP_CHUNK_NEED_MORE);
    cr_assert_eq(d.remaining, UINT64_MAX);
    /* 17 digits, even with leading zeros, are refused (no overflow possible). */
    assert_bad("10000000000000000\r\n");
    assert_bad("00000000000000001\r\nx\r\n0\r\n\r\n");
    assert_bad("fffffffffffffffff\r\n");
}

Test(chunked, bad_sizes)
{
    assert_bad("\r\n\r\n");         /* empty size */
    assert_bad(" 5\r\nhello\r\n0\r\n\r\n"); /* whitespace before the size */
    assert_bad("\t5\r\nhello\r\n0\r\n\r\n");
    assert_bad("5 \r\nhello\r\n0\r\n\r\n");  /* whitespace not followed by ';' */
    assert_bad("g\r\n");
    assert_bad("0x5\r\nhello\r\n0\r\n\r\n");
    assert_bad("-5\r\nhello\r\n0\r\n\r\n");
    assert_bad("+5\r\nhello\r\n0\r\n\r\n");
    assert_bad("5\nhello\r\n0\r\n\r\n");   /* bare LF */
    assert_bad("5\rhello\r\n0\r\n\r\n");   /* bare CR */
    assert_bad("5\r\r\nhello\r\n0\r\n\r\n");
}

Test(chunked, data_not_followed_by_crlf)
{
    assert_bad("5\r\nhelloX\r\n0\r\n\r\n");
    assert_bad("5\r\nhello\n0\r\n\r\n");
    assert_bad("5\r\nhello\r0\r\n\r\n");
    assert_bad("5\r\nhello0\r\n\r\n");
    assert_bad("5\r\nhello world\r\n0\r\n\r\n"); /* size smaller than the data */
}

Test(chunked, size_line_too_long)
{
    /* The chunk-size line without its CRLF may take 4096 bytes. */
    char in[8192];
    strcpy(in, "5;");
    memset(in + 2, 'a', 4094);
    strcpy(in + 2 + 4094, "\r\nhello\r\n0\r\n\r\n");
    decoded_t r = decode_all(in);
    cr_assert_eq(r.result, HTTP_CHUNK_DONE, "a 4096-byte line is accepted");
    free(r.out);
    memset(in + 2, 'a', 4095);
    strcpy(in + 2 + 4095, "\r\nhello\r\n0\r\n\r\n");
    assert_bad(in);
    /* Refused without waiting for the end of the line. */
    memset(in + 2, 'a', 5000);
    in[5002] = '\0';
    assert_bad(in);
}

Test(chunked, done_leaves_pipelined_bytes)
{
    const char *in = "3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n";
    decoded_t r = decode_all(in);
    cr_assert_eq(r.result, HTTP_CHUNK_DONE);
    cr_assert_eq(r.consumed, strlen("3\r\nabc\r\n0\r\n\r\n"));
    free(r.out);
    http_chunked_decoder_t d;
    http_chunked_decoder_init(&d);
    size_t used;
    const char *data;
    size_t data_len;
    cr_assert_eq(http_chunked_decode(&d, "0\r\n\r\nX", 6, &used, &data, &data_len),
                 HTTP_CHUNK_DONE);
    cr_assert_eq(used, 5);
    /* Done stays done and consumes nothing. */
    cr_assert_eq(http_chunked_decode(&d, "X", 1, &used, &data, &data_len), HTTP_CHUNK_DONE);
    cr_assert_eq(used, 0);
}

Test(chunked, error_is_sticky)
{
    http_chunked_decoder_t d;
    http_chunked_decoder_init(&d);
    size_t used;
    const char *data;
    size_t data_len;
    cr_assert_eq(http_chunked_decode(&d, "5x", 2, &used, &data, &data_len), HTTP_ERR_BAD_CHUNK);
    cr_assert_eq(used, 1, "consumed stops at the offending byte");
    cr_assert_eq(http_chunked_decode(&d, "5\r\n", 3, &used, &data, &data_len),
                 HTTP_ERR_BAD_CHUNK);
    cr_assert_eq(used, 0);
}

Test(chunked, size_line_writer)
{
    char out[19];
    cr_assert_eq(http_chunk_size_line(out, 0), 3);
    cr_assert_str_eq(out, "0\r\n");
    cr_assert_eq(http_chunk_size_line(out, 255), 4);
    cr_assert_str_eq(out, "ff\r\n");
    cr_assert_eq(http_chunk_size_line(out, 0x1a2b), 6);
    cr_assert_str_eq(out, "1a2b\r\n");
    cr_assert_eq(http_chunk_size_line(out, SIZE_MAX), 18);
    cr_assert_str_eq(out, "ffffffffffffffff\r\n");
}

Test(chunked, writer_round_trip)
{
    static const size_t sizes[] = {1, 9, 10, 15, 16, 255, 256, 4095, 4096, 65537};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        char *in = malloc(n + 64);
        cr_assert_not_null(in);
        size_t len = http_chunk_size_line(in, n);
        memset(in + len, 'x', n);
        len += n;
        memcpy(in + len, "\r\n0\r\n\r\n", 8);
        decoded_t r = decode_in_pieces(in, len + 7, 1000);
        cr_assert_eq(r.result, HTTP_CHUNK_DONE, "size %zu", n);
        cr_assert_eq(r.out_len, n);
        free(r.out);
        free(in);
    }
}
