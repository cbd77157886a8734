/* policy_context: the `context` object of policy expressions (spec/apim-gateway.md §3.4,
 * §3.5; §1.5 for LastError) as expression classes (expr/value.h).
 *
 * The value of the name `context` in every expression of a request is
 * expr_object(&policy_context_class, exec), exec being that request's policy_exec_t. The
 * checker resolves a chain such as `context.Request.Headers.GetValueOrDefault("X", "")`
 * through the member tables of these classes when the configuration is compiled; per
 * request the interpreter only calls the resolved natives. So the natives are cheap: a
 * sub-object (context.Request, .Headers, .Url...) is a pointer into the executor's state
 * with a class, never a copy, and nothing is allocated unless a result needs new memory
 * (a comma-joined header, a string[] of values, a decoded query value).
 *
 * All members are read-only (§3.4: mutation only through policies). Values returned point
 * into the request (its buffers, its arena) or into the configuration: they are valid for
 * the rest of the request.
 *
 * Classes as users see them in messages: context, IApi, Deployment, Gateway, LastError,
 * IOperation, IRequest, IResponse, IUrl, IMessageBody, Headers, Query, MatchedParameters,
 * Variables, KeyValuePair, ISubscription, IProduct, IUser, IGroup, IUserIdentity. Only
 * IResponse may be written in code (the cast `(IResponse)context.Variables["r"]`): see
 * policy_context_nameable_classes. */
#ifndef MERIDIAN_POLICY_CONTEXT_H
#define MERIDIAN_POLICY_CONTEXT_H

#include "expr/value.h"

typedef struct policy_exec policy_exec_t;

/* The class of `context`; instances point at a policy_exec_t. */
extern const expr_class_t policy_context_class;

/* IResponse: context.Response, and the result of send-request stored in a variable
 * (response-variable-name). Nameable: `(IResponse)x` casts to it. */
extern const expr_class_t policy_response_class;

/* The classes of this module users may write in code (IResponse), NULL-terminated, for the
 * checker's lookup of type names next to the expr_lib_*_classes lists. */
extern const expr_class_t *const policy_context_nameable_classes[];

#endif
