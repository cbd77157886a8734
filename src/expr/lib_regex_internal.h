/* Shared by lib_regex.c and lib_regex_api.c only (the contract is lib_regex.h). */
#ifndef MERIDIAN_EXPR_LIB_REGEX_INTERNAL_H
#define MERIDIAN_EXPR_LIB_REGEX_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include "expr/lib_regex.h"
#include "expr/lib_text.h"
#include "expr/value.h"

#include <pcre2.h>
#include <stdbool.h>
#include <stdint.h>

/* RegexOptions bits (System.Text.RegularExpressions.RegexOptions). */
enum {
    RX_IGNORECASE = 1,
    RX_MULTILINE = 2,
    RX_EXPLICITCAPTURE = 4,
    RX_COMPILED = 8,
    RX_SINGLELINE = 16,
    RX_IGNOREPATTERNWHITESPACE = 32,
    RX_RIGHTTOLEFT = 64,
    RX_ECMASCRIPT = 256,
    RX_CULTUREINVARIANT = 512,
    RX_NONBACKTRACKING = 1024,
    RX_VALID_OPTIONS = 1 | 2 | 4 | 8 | 16 | 32 | 64 | 256 | 512 | 1024,
};

/* A compiled pattern, malloc'ed: owned by this thread's cache (one reference) and by every
 * runtime that uses it (one reference each, dropped by expr_rt_end). */
typedef struct rx_code {
    pcre2_code *code;
    char *pattern;
    size_t pattern_len;
    int options;
    unsigned refs;
    uint32_t pcre_count;   /* PCRE2 capture groups */
    uint32_t group_count;  /* .NET groups, group 0 included */
    uint32_t *net_of_pcre; /* [pcre number] → .NET number */
    char **names;          /* [.NET number] → name, NULL for numbered groups */
} rx_code_t;

typedef struct rx_match rx_match_t;

/* What a Group/Capture/Match object points to (a Match is its group 0). */
typedef struct {
    rx_match_t *m;
    uint32_t num; /* .NET group number; UINT32_MAX: a group that does not exist */
} rx_group_t;

struct rx_match {
    rx_code_t *code; /* NULL for Match.Empty */
    const char *subject;
    size_t subject_len;
    size_t end;       /* where matching stops (Match(input, beginning, length)) */
    bool ascii;       /* byte offsets are UTF-16 offsets */
    bool success;
    uint32_t group_count;
    int64_t *offsets; /* 2 per .NET group: byte start, end; -1 when unset */
    size_t next;      /* where NextMatch searches from */
    rx_group_t self;
};

typedef struct {
    expr_value_t *items;
    uint32_t count;
} rx_match_list_t;


extern const expr_class_t rx_class_capture, rx_class_group, rx_class_match,
    rx_class_capture_collection, rx_class_group_collection, rx_class_match_collection;

int rx_compile(expr_rt_t *rt, const char *pattern, size_t len, int options, rx_code_t **out);
int rx_code_retain(expr_rt_t *rt, rx_code_t *c);
void rx_code_release(void *ptr);
int rx_data_create(expr_rt_t *rt, const rx_code_t *c, pcre2_match_data **md);
/* One search from byte `start` up to `end`; offsets (2 per .NET group) filled when found. */
int rx_exec(expr_rt_t *rt, const rx_code_t *c, pcre2_match_data *md, const char *s, size_t end,
            size_t start, int64_t *offsets, bool *found);
/* Searches from byte `start` and returns a Match (Match.Empty-like failed match if none). */
int rx_find(expr_rt_t *rt, rx_code_t *c, const char *s, size_t n, size_t end, size_t start,
            bool ascii, expr_value_t *out);
int rx_match_new(expr_rt_t *rt, rx_code_t *c, const char *s, size_t n, size_t end, bool ascii,
                 const int64_t *offsets, bool success, size_t next, rx_match_t **out);
expr_value_t rx_match_value(rx_match_t *m);
expr_value_t rx_empty_match_value(void);
int64_t rx_group_number(const rx_match_t *m, const char *name, size_t len);
int rx_group_names(expr_rt_t *rt, const rx_code_t *c, expr_value_t *out);

bool rx_is_ascii(const char *s, size_t n);
int64_t rx_utf16_len(const char *s, size_t n);
int64_t rx_byte_offset(const char *s, size_t n, int64_t units);
/* The byte after the character at k (n + 1 at the end). */
size_t rx_next_char(const char *s, size_t n, size_t k);

/* Appends the .NET substitution `r` ($1, ${name}, $0, $&, $$, $`, $', $+, $_) for match m. */
void rx_substitute(expr_text_sink_t *b, const rx_match_t *m, const char *r, size_t rl);

#endif
