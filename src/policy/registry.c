/* registry: collects the per-family descriptor tables, finds descriptors by name and checks
 * literal attribute values against their types (registry.h). */
#include "policy/registry.h"
#include "policy/registry_tables.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const policy_descriptor_t *const *const families[] = {
    policy_family_control,    policy_family_routing,  policy_family_transform,
    policy_family_access,     policy_family_limits,   policy_family_cache,
    policy_family_integration, policy_family_validation,
};

#define REGISTRY_MAX 128

static const policy_descriptor_t *sorted[REGISTRY_MAX];
static size_t sorted_count;
static pthread_once_t sorted_once = PTHREAD_ONCE_INIT;

static int by_name(const void *a, const void *b)
{
    const policy_descriptor_t *x = *(const policy_descriptor_t *const *)a;
    const policy_descriptor_t *y = *(const policy_descriptor_t *const *)b;
    return strcmp(x->name, y->name);
}

static void sort_registry(void)
{
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
        for (const policy_descriptor_t *const *d = families[f]; *d; d++) {
            if (sorted_count == REGISTRY_MAX) abort(); /* a table grew past the bound: a bug */
            sorted[sorted_count++] = *d;
        }
    qsort(sorted, sorted_count, sizeof sorted[0], by_name);
}

const policy_descriptor_t *const *policy_registry_all(size_t *count)
{
    pthread_once(&sorted_once, sort_registry);
    *count = sorted_count;
    return sorted;
}

const policy_descriptor_t *policy_registry_find(const char *name)
{
    if (!name) return NULL;
    size_t count;
    const policy_descriptor_t *const *all = policy_registry_all(&count);
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, all[mid]->name);
        if (c == 0) return all[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const char *policy_section_name(policy_section_t section)
{
    static const char *const names[] = {"inbound", "backend", "outbound", "on-error"};
    return (unsigned)section < POLICY_SECTION_COUNT ? names[section] : "?";
}

const char *policy_scope_name(policy_scope_t scope)
{
    static const char *const names[] = {"global", "product", "api", "operation"};
    return (unsigned)scope < POLICY_SCOPE_COUNT ? names[scope] : "?";
}

const policy_attr_spec_t *policy_element_attr(const policy_element_spec_t *spec, const char *name)
{
    for (size_t i = 0; spec && i < spec->attr_count; i++)
        if (strcmp(spec->attrs[i].name, name) == 0) return &spec->attrs[i];
    return NULL;
}

/* .NET parses numbers and booleans after trimming white space. */
static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s)) (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1])) (*n)--;
}

static bool parse_long(const char *s, size_t n, long *out)
{
    trim(&s, &n);
    if (n == 0 || n > 19) return false;
    size_t i = 0;
    bool negative = false;
    if (s[0] == '-' || s[0] == '+') negative = s[0] == '-', i = 1;
    if (i == n) return false;
    long v = 0;
    for (; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = negative ? -v : v;
    return true;
}

static bool parse_number(const char *s, size_t n)
{
    trim(&s, &n);
    if (n == 0 || n > 64) return false;
    char buf[65];
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    strtod(buf, &end);
    return *end == '\0' && !isspace((unsigned char)buf[0]);
}

static bool is_url(const char *s)
{
    size_t skip = strncasecmp(s, "http://", 7) == 0 ? 7 : strncasecmp(s, "https://", 8) == 0 ? 8 : 0;
    if (!skip || !s[skip] || s[skip] == '/') return false;
    for (const char *p = s; *p; p++)
        if (isspace((unsigned char)*p)) return false;
    return true;
}

int policy_attr_check_literal(const policy_attr_spec_t *spec, const char *value, char *why,
                              size_t why_size)
{
    size_t n = strlen(value);
    long v;
    switch (spec->type) {
    case POLICY_ATTR_STRING:
        return 0;
    case POLICY_ATTR_BOOL: {
        const char *s = value;
        trim(&s, &n);
        if ((n == 4 && strncasecmp(s, "true", 4) == 0) || (n == 5 && strncasecmp(s, "false", 5) == 0))
            return 0;
        snprintf(why, why_size, "expected true or false");
        return -EINVAL;
    }
    case POLICY_ATTR_INT:
    case POLICY_ATTR_DURATION: {
        long lo = spec->type == POLICY_ATTR_DURATION ? 0 : spec->min;
        long hi = spec->max;
        bool bounded = spec->type == POLICY_ATTR_DURATION ? hi > 0 : spec->min < spec->max;
        bool ok = parse_long(value, n, &v) &&
                  (bounded ? v >= lo && v <= hi : spec->type != POLICY_ATTR_DURATION || v >= 0);
        if (ok) return 0;
        if (spec->type == POLICY_ATTR_DURATION && bounded)
            snprintf(why, why_size, "expected a number of seconds from 0 to %ld", hi);
        else if (spec->type == POLICY_ATTR_DURATION)
            snprintf(why, why_size, "expected a whole number of seconds");
        else if (bounded)
            snprintf(why, why_size, "expected an integer from %ld to %ld", lo, hi);
        else
            snprintf(why, why_size, "expected an integer");
        return -EINVAL;
    }
    case POLICY_ATTR_NUMBER:
        if (parse_number(value, n)) return 0;
        snprintf(why, why_size, "expected a number");
        return -EINVAL;
    case POLICY_ATTR_ENUM: {
        for (const char *const *e = spec->enum_values; *e; e++)
            if (strcasecmp(*e, value) == 0) return 0;
        size_t used = (size_t)snprintf(why, why_size, "expected one of:");
        for (const char *const *e = spec->enum_values; *e && used < why_size; e++)
            used += (size_t)snprintf(why + used, why_size - used, "%s %s",
                                     e == spec->enum_values ? "" : ",", *e);
        return -EINVAL;
    }
    case POLICY_ATTR_URL:
        if (is_url(value)) return 0;
        snprintf(why, why_size, "expected an absolute http:// or https:// URL");
        return -EINVAL;
    }
    snprintf(why, why_size, "unknown attribute type");
    return -EINVAL;
}

/* ---- helpers for check functions ---- */

size_t policy_check_count_present(const policy_doc_node_t *element, const char *const *names)
{
    size_t n = 0;
    for (; *names; names++) n += policy_doc_attr(element, *names) != NULL;
    return n;
}

static void join_names(char *out, size_t size, const char *const *names)
{
    size_t used = 0;
    out[0] = '\0';
    for (const char *const *p = names; *p && used < size; p++)
        used += (size_t)snprintf(out + used, size - used, "%s'%s'",
                                 p == names ? "" : (p[1] ? ", " : " or "), *p);
}

static int report(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                  const char *rule, const char *const *names, policy_doc_error_t *err)
{
    char list[160];
    join_names(list, sizeof list, names);
    policy_doc_errorf(err, ctx->scope, element->pos, "<%s> needs %s of the attributes %s",
                      element->name, rule, list);
    return -EINVAL;
}

int policy_check_exactly_one(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                             const char *const *names, policy_doc_error_t *err)
{
    if (policy_check_count_present(element, names) == 1) return 0;
    return report(ctx, element, "exactly one", names, err);
}

int policy_check_at_least_one(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                              const char *const *names, policy_doc_error_t *err)
{
    if (policy_check_count_present(element, names) >= 1) return 0;
    return report(ctx, element, "at least one", names, err);
}

int policy_check_at_most_one(const policy_check_ctx_t *ctx, const policy_doc_node_t *element,
                             const char *const *names, policy_doc_error_t *err)
{
    if (policy_check_count_present(element, names) <= 1) return 0;
    return report(ctx, element, "at most one", names, err);
}
