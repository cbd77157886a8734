/* http chars: character classes shared by the head parser (parser.c) and the chunked codec
 * (chunked.c). Private to src/http: not part of the parser contract. */
#ifndef MERIDIAN_HTTP_CHARS_H
#define MERIDIAN_HTTP_CHARS_H

#include <stdbool.h>
#include <stdint.h>

enum {
    HTTP_CC_TCHAR = 0x01,  /* RFC 9110 §5.6.2 tchar */
    HTTP_CC_VALUE = 0x02,  /* RFC 9110 §5.5 field-vchar, SP, HTAB (obs-text included) */
    HTTP_CC_TARGET = 0x04, /* request-target byte: VCHAR except '#' (RFC 9112 §3.2) */
    HTTP_CC_HOST = 0x08,   /* RFC 3986 §3.2.2 reg-name: unreserved / pct-encoded / sub-delims */
    HTTP_CC_HEX = 0x10,    /* HEXDIG */
    HTTP_CC_QDTEXT = 0x20, /* RFC 9110 §5.6.4 qdtext */
};

/* Defined in parser.c. */
extern const uint8_t http__char_class[256];

static inline bool http__is(char c, unsigned cls)
{
    return (http__char_class[(unsigned char)c] & cls) != 0;
}

static inline bool http__is_ows(char c)
{
    return c == ' ' || c == '\t';
}

#endif
