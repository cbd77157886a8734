/* Private to policy/context*.c: the member-table helpers and the classes the files share.
 * The objects point into the executor's per-request state (policy/exec.h): `context`,
 * IRequest, Deployment... at the policy_exec_t, IResponse at a policy_response_t, Headers at
 * a policy_fields_t, IMessageBody at a policy_body_t, IUrl at a policy_url_t. */
#ifndef MERIDIAN_POLICY_CONTEXT_INTERNAL_H
#define MERIDIAN_POLICY_CONTEXT_INTERNAL_H

#include "policy/context.h"

#include "base/slice.h"
#include "expr/value.h"
#include "policy/exec.h"

#include <string.h>

/* ---- member-table shorthands ---- */

#define CTX_PROP(name_, cls_, elem_, fn_)                                                          \
    {.name = (name_), .kind = EXPR_M_PROPERTY, .ret = {(cls_), (elem_)}, .fn = (fn_)}
#define CTX_METHOD(name_, min_, max_, cls_, elem_, fn_)                                            \
    {.name = (name_), .kind = EXPR_M_METHOD, .min_args = (min_), .max_args = (max_),            \
     .ret = {(cls_), (elem_)}, .fn = (fn_)}
#define CTX_COUNT(table) (sizeof(table) / sizeof((table)[0]))
/* param_names lists end with NULL: the checker walks them to it (named arguments). */

/* In a native: the executor an object of IRequest, context, IApi... points at. */
#define CTX_SELF_EXEC ((policy_exec_t *)self->u.obj.ptr)
/* In a native that reads only self: the other parameters are unused. */
#define CTX_UNUSED_ARGS (void)rt, (void)call, (void)args, (void)argc

/* The value a native returns. */
#define CTX_RETURN(v)                                                                              \
    do {                                                                                           \
        *out = (v);                                                                                \
        return 0;                                                                                  \
    } while (0)

/* A string value over text that outlives the evaluation (the request's arena, the
 * configuration, static text); NULL → null. */
static inline expr_value_t ctx_cstr(const char *s)
{
    return s ? expr_str_ref(s, strlen(s)) : expr_null();
}

/* The string argument `i` as a slice; throws ArgumentNullException for null and
 * InvalidCastException for a non-string (natives check tags themselves: params NULL). */
int ctx_arg_string(expr_rt_t *rt, const expr_value_t *args, unsigned i, const char *param,
                   slice_t *out);

/* A member the gateway does not support or does not know (IGroup, IUserIdentity, client
 * certificates, private endpoints): always null. */
int ctx_null_native(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                    expr_value_t *args, unsigned argc, expr_value_t *out);

/* ---- classes shared between the files ---- */

extern const expr_class_t ctx_class_request;         /* IRequest */
extern const expr_class_t ctx_class_url;             /* IUrl */
extern const expr_class_t ctx_class_query;           /* IUrl.Query */
extern const expr_class_t ctx_class_headers;         /* Headers */
extern const expr_class_t ctx_class_matched;         /* MatchedParameters */
extern const expr_class_t ctx_class_variables;       /* Variables */
extern const expr_class_t ctx_class_kvp_strings;     /* KeyValuePair<string, string[]> */
extern const expr_class_t ctx_class_kvp_string;      /* KeyValuePair<string, string> */
extern const expr_class_t ctx_class_kvp_object;      /* KeyValuePair<string, object> */
extern const expr_class_t ctx_class_body;            /* IMessageBody */
extern const expr_class_t ctx_class_form;            /* AsFormUrlEncodedContent() result */

/* A KeyValuePair object: Key and Value. */
typedef struct {
    expr_value_t key;
    expr_value_t value;
} ctx_kvp_t;

int ctx_kvp_new(expr_rt_t *rt, const expr_class_t *cls, expr_value_t key, expr_value_t value,
                expr_value_t *out);

/* An IUrl value over a URL that lives as long as the request. */
static inline expr_value_t ctx_url_value(const policy_url_t *url)
{
    return url ? expr_object(&ctx_class_url, (void *)url) : expr_null();
}
/* An IMessageBody value, or null when the message has no body. */
expr_value_t ctx_body_value(policy_body_t *body);
/* A Headers value over a message's header list. */
static inline expr_value_t ctx_headers_value(policy_fields_t *headers)
{
    return expr_object(&ctx_class_headers, headers);
}

#endif
