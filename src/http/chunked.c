/* http chunked: the chunked transfer coding (RFC 9112 §7.1), an incremental decoder and the
 * chunk-size line writer. Contract in parser.h.
 *
 * The decoder is a byte state machine for the chunk-size lines and the trailer section and
 * hands out body bytes as spans of the input, so input split at any byte decodes the same.
 * Choices the contract leaves open:
 * - BWS (RFC 9112 §7.1.1) is accepted where the chunk-ext grammar has it: before ';',
 *   around '=' ("5 ; a = b"); whitespace anywhere else in the line ("5 \r\n", " 5") is
 *   refused. An extension without a value ("5;a") is accepted.
 * - The 4096-byte limit counts the chunk-size line without its CRLF; the 16 KiB trailer
 *   limit counts every byte after the last-chunk line, the final CRLF included.
 * - After HTTP_CHUNK_DONE or an error the decoder stays there: later calls consume nothing
 *   and return the same result.
 */
#include "http/parser.h"

#include "http/chars.h"

#include <string.h>

#define CHUNK_LINE_MAX 4096          /* chunk-size line bytes, CRLF excluded */
#define CHUNK_SIZE_DIGITS_MAX 16     /* 16 hex digits fill a uint64_t: no overflow */
#define CHUNK_TRAILER_MAX (16 * 1024) /* trailer section bytes, CRLFs included */

enum {
    /* chunk-size line; every state up to CS_EXT_QUOTED_END counts against CHUNK_LINE_MAX */
    CS_SIZE_START = 0,
    CS_SIZE,
    CS_EXT_BWS, /* BWS after the size or an extension: only ';' may follow */
    CS_EXT_NAME_START,
    CS_EXT_NAME,
    CS_EXT_NAME_BWS, /* BWS after an extension name: '=' or ';' */
    CS_EXT_VALUE_START,
    CS_EXT_TOKEN,
    CS_EXT_QUOTED,
    CS_EXT_QUOTED_ESCAPE,
    CS_EXT_QUOTED_END,
    CS_SIZE_LF,
    /* chunk-data CRLF */
    CS_DATA,
    CS_DATA_CR,
    CS_DATA_LF,
    /* trailer section; every state from here to CS_FINAL_LF counts against the limit */
    CS_TRAILER_START,
    CS_TRAILER_NAME,
    CS_TRAILER_VALUE,
    CS_TRAILER_LF,
    CS_FINAL_LF,
    CS_DONE,
    CS_ERROR,
};

void http_chunked_decoder_init(http_chunked_decoder_t *d)
{
    memset(d, 0, sizeof *d);
    d->state = CS_SIZE_START;
}

static unsigned hex_value(char c)
{
    if (c >= '0' && c <= '9') return (unsigned)(c - '0');
    return (unsigned)((c | 0x20) - 'a' + 10);
}

/* The state after the chunk size or a complete extension (name, token value or quoted
 * value) when `c` does not continue it: ';' starts another extension, BWS goes to
 * `bws_state` (RFC 9112 §7.1.1), CR ends the line; anything else is CS_ERROR. */
static int chunk_ext_next(char c, int bws_state)
{
    if (c == ';') return CS_EXT_NAME_START;
    if (http__is_ows(c)) return bws_state;
    if (c == '\r') return CS_SIZE_LF;
    return CS_ERROR;
}

int http_chunked_decode(http_chunked_decoder_t *d, const char *in, size_t len, size_t *consumed,
                        const char **data, size_t *data_len)
{
    *data = NULL;
    *data_len = 0;
    if (d->state == CS_DONE || d->state == CS_ERROR) {
        *consumed = 0;
        return d->state == CS_DONE ? HTTP_CHUNK_DONE : HTTP_ERR_BAD_CHUNK;
    }
    size_t i = 0;
    for (; i < len; i++) {
        char c = in[i];
        if (d->state <= CS_EXT_QUOTED_END && c != '\r' && ++d->line_len > CHUNK_LINE_MAX)
            goto bad;
        if (d->state >= CS_TRAILER_START && ++d->trailer_bytes > CHUNK_TRAILER_MAX) goto bad;
        switch (d->state) {
        case CS_SIZE_START:
            /* RFC 9112 §7.1: chunk-size = 1*HEXDIG, nothing before it. */
            if (!http__is(c, HTTP_CC_HEX)) goto bad;
            d->remaining = hex_value(c);
            d->size_digits = 1;
            d->state = CS_SIZE;
            break;
        case CS_SIZE:
            if (http__is(c, HTTP_CC_HEX)) {
                if (++d->size_digits > CHUNK_SIZE_DIGITS_MAX) goto bad;
                d->remaining = d->remaining << 4 | hex_value(c);
            } else if ((d->state = chunk_ext_next(c, CS_EXT_BWS)) == CS_ERROR) {
                goto bad;
            }
            break;
        case CS_EXT_BWS:
            /* RFC 9112 §7.1.1: chunk-ext = *( BWS ";" BWS chunk-ext-name
             * [ BWS "=" BWS chunk-ext-val ] ) */
            if (c == ';')
                d->state = CS_EXT_NAME_START;
            else if (!http__is_ows(c))
                goto bad;
            break;
        case CS_EXT_NAME_START:
            if (http__is(c, HTTP_CC_TCHAR))
                d->state = CS_EXT_NAME;
            else if (!http__is_ows(c))
                goto bad;
            break;
        case CS_EXT_NAME:
            if (http__is(c, HTTP_CC_TCHAR))
                break;
            if (c == '=')
                d->state = CS_EXT_VALUE_START;
            else if ((d->state = chunk_ext_next(c, CS_EXT_NAME_BWS)) == CS_ERROR)
                goto bad;
            break;
        case CS_EXT_NAME_BWS:
            if (c == '=')
                d->state = CS_EXT_VALUE_START;
            else if (c == ';')
                d->state = CS_EXT_NAME_START;
            else if (!http__is_ows(c))
                goto bad;
            break;
        case CS_EXT_VALUE_START:
            /* chunk-ext-val = token / quoted-string */
            if (c == '"')
                d->state = CS_EXT_QUOTED;
            else if (http__is(c, HTTP_CC_TCHAR))
                d->state = CS_EXT_TOKEN;
            else if (!http__is_ows(c))
                goto bad;
            break;
        case CS_EXT_TOKEN:
            if (http__is(c, HTTP_CC_TCHAR))
                break;
            if ((d->state = chunk_ext_next(c, CS_EXT_BWS)) == CS_ERROR) goto bad;
            break;
        case CS_EXT_QUOTED:
            /* RFC 9110 §5.6.4: qdtext / quoted-pair; no CTL but HTAB. */
            if (c == '"')
                d->state = CS_EXT_QUOTED_END;
            else if (c == '\\')
                d->state = CS_EXT_QUOTED_ESCAPE;
            else if (!http__is(c, HTTP_CC_QDTEXT))
                goto bad;
            break;
        case CS_EXT_QUOTED_ESCAPE:
            if (!http__is(c, HTTP_CC_VALUE)) goto bad;
            d->state = CS_EXT_QUOTED;
            break;
        case CS_EXT_QUOTED_END:
            if ((d->state = chunk_ext_next(c, CS_EXT_BWS)) == CS_ERROR) goto bad;
            break;
        case CS_SIZE_LF:
            /* RFC 9112 §7.1: CRLF strictly; a bare CR is refused. */
            if (c != '\n') goto bad;
            if (d->remaining == 0) {
                /* last-chunk: the trailer section follows (§7.1.2). */
                d->trailer_bytes = 0;
                d->state = CS_TRAILER_START;
            } else {
                d->state = CS_DATA;
            }
            break;
        case CS_DATA: {
            size_t n = len - i;
            if (n > d->remaining) n = (size_t)d->remaining;
            d->remaining -= n;
            if (d->remaining == 0) d->state = CS_DATA_CR;
            *data = in + i;
            *data_len = n;
            *consumed = i + n;
            return HTTP_CHUNK_DATA;
        }
        case CS_DATA_CR:
            /* RFC 9112 §7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF */
            if (c != '\r') goto bad;
            d->state = CS_DATA_LF;
            break;
        case CS_DATA_LF:
            if (c != '\n') goto bad;
            d->line_len = 0;
            d->state = CS_SIZE_START;
            break;
        case CS_TRAILER_START:
            /* RFC 9112 §7.1.2: trailer-section = *( field-line CRLF ); field lines follow
             * the header rules: no obs-fold or leading whitespace (§5.2). */
            if (c == '\r')
                d->state = CS_FINAL_LF;
            else if (http__is(c, HTTP_CC_TCHAR))
                d->state = CS_TRAILER_NAME;
            else
                goto bad;
            break;
        case CS_TRAILER_NAME:
            /* RFC 9112 §5.1: no whitespace between field-name and colon. */
            if (c == ':')
                d->state = CS_TRAILER_VALUE;
            else if (!http__is(c, HTTP_CC_TCHAR))
                goto bad;
            break;
        case CS_TRAILER_VALUE:
            if (c == '\r')
                d->state = CS_TRAILER_LF;
            else if (!http__is(c, HTTP_CC_VALUE))
                goto bad;
            break;
        case CS_TRAILER_LF:
            if (c != '\n') goto bad;
            d->state = CS_TRAILER_START;
            break;
        case CS_FINAL_LF:
            if (c != '\n') goto bad;
            d->state = CS_DONE;
            *consumed = i + 1;
            return HTTP_CHUNK_DONE;
        default:
            goto bad;
        }
    }
    *consumed = len;
    return HTTP_CHUNK_NEED_MORE;
bad:
    d->state = CS_ERROR;
    *consumed = i;
    return HTTP_ERR_BAD_CHUNK;
}

size_t http_chunk_size_line(char *out, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char rev[2 * sizeof n];
    size_t k = 0;
    do {
        rev[k++] = digits[n & 0xf];
        n >>= 4;
    } while (n);
    for (size_t i = 0; i < k; i++) out[i] = rev[k - 1 - i];
    out[k] = '\r';
    out[k + 1] = '\n';
    out[k + 2] = '\0';
    return k + 2;
}
