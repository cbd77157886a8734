/* The `context` class and its small members (spec/apim-gateway.md §3.4; §1.5 for
 * LastError): IApi, Deployment, LastError, IOperation, and the subscription-side classes
 * (ISubscription, IProduct, IUser, IGroup), null for anonymous calls / outside a product
 * context. Messages, URLs and bodies are in context_message.c, dictionaries in
 * context_dict.c and context_vars.c. */
#include "policy/context_internal.h"

#include <errno.h>
#include <string.h>

/* A string the host put in exec->info (NULL: unknown → null): one native per field. */
#define INFO_STRING_PROP(fn_name, field)                                                           \
    static int fn_name(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,           \
                       expr_value_t *args, unsigned argc, expr_value_t *out)                       \
    {                                                                                              \
        CTX_UNUSED_ARGS;                                                                           \
        CTX_RETURN(ctx_cstr(CTX_SELF_EXEC->info.field));                                           \
    }

int ctx_null_native(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                    expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)self;
    CTX_UNUSED_ARGS;
    CTX_RETURN(expr_null());
}

/* ---- IApi ---- */

INFO_STRING_PROP(api_id, api_id)
INFO_STRING_PROP(api_name, api_name)
INFO_STRING_PROP(api_path, api_path)
INFO_STRING_PROP(api_revision, api_revision)
INFO_STRING_PROP(api_version, api_version)

/* The API's subscription key names (§4.3); the vendor's defaults when the host has none. */
static int api_key_header(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                          expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    const char *name = CTX_SELF_EXEC->info.api_key_header;
    CTX_RETURN(ctx_cstr(name ? name : "Ocp-Apim-Subscription-Key"));
}
static int api_key_query(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                         expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    const char *name = CTX_SELF_EXEC->info.api_key_query;
    CTX_RETURN(ctx_cstr(name ? name : "subscription-key"));
}

/* Protocols: the API's accepted schemes are not in the request info; the scheme the request
 * came in on is certainly one of them. */
static int api_protocols(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                         expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)call, (void)args, (void)argc;
    const char *scheme = CTX_SELF_EXEC->info.original_url.scheme;
    expr_value_t *items = expr_rt_alloc(rt, sizeof *items);
    if (!items) return EXPR_THROWN;
    items[0] = ctx_cstr(scheme ? scheme : "https");
    CTX_RETURN(((expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {items, 1, &expr_class_string}}));
}
/* ServiceUrl: the API's backend base URL, parsed when read (rarely read: no parse per
 * request otherwise); null when the API has none. */
static int api_service_url(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                           expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)call, (void)args, (void)argc;
    const char *text = CTX_SELF_EXEC->info.api_service_url;
    if (!text || !*text) CTX_RETURN(expr_null());
    policy_url_t *url = expr_rt_alloc(rt, sizeof *url);
    if (!url) return EXPR_THROWN;
    memset(url, 0, sizeof *url);
    int rc = policy_url_parse(rt->arena, text, strlen(text), true, url);
    if (rc == -ENOMEM) return expr_throw(rt, "OutOfMemoryException", "Insufficient memory.");
    CTX_RETURN(rc ? expr_null() : ctx_url_value(url));
}
static int api_key_names(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                         expr_value_t *args, unsigned argc, expr_value_t *out);
/* Revisions other than the current one are not served yet. */
static int api_is_current(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                          expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)self;
    CTX_UNUSED_ARGS;
    CTX_RETURN(expr_bool(true));
}

static const expr_member_t key_names_members[] = {
    CTX_PROP("Header", &expr_class_string, NULL, api_key_header),
    CTX_PROP("Query", &expr_class_string, NULL, api_key_query),
};

static const expr_class_t key_names_class = {
    .name = "SubscriptionKeyParameterNames",
    .tag = EXPR_V_OBJECT,
    .members = key_names_members,
    .member_count = CTX_COUNT(key_names_members),
};

static int api_key_names(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                         expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(expr_object(&key_names_class, self->u.obj.ptr));
}

static const expr_member_t api_members[] = {
    CTX_PROP("Id", &expr_class_string, NULL, api_id),
    CTX_PROP("Name", &expr_class_string, NULL, api_name),
    CTX_PROP("Path", &expr_class_string, NULL, api_path),
    CTX_PROP("Protocols", &expr_class_array, &expr_class_string, api_protocols),
    CTX_PROP("ServiceUrl", &ctx_class_url, NULL, api_service_url),
    CTX_PROP("SubscriptionKeyParameterNames", &key_names_class, NULL, api_key_names),
    CTX_PROP("IsCurrentRevision", &expr_class_bool, NULL, api_is_current),
    CTX_PROP("Revision", &expr_class_string, NULL, api_revision),
    CTX_PROP("Version", &expr_class_string, NULL, api_version),
};

static const expr_class_t api_class = {
    .name = "IApi",
    .full_name = "IApi",
    .tag = EXPR_V_OBJECT,
    .members = api_members,
    .member_count = CTX_COUNT(api_members),
};

/* ---- Deployment ---- */

INFO_STRING_PROP(dep_region, region)
INFO_STRING_PROP(dep_service_name, service_name)
INFO_STRING_PROP(dep_service_id, service_id)
INFO_STRING_PROP(dep_gateway_instance_id, gateway_instance_id)

static bool gateway_is_managed(const policy_exec_t *exec)
{
    const char *id = exec->info.gateway_id;
    return !id || !*id || strcmp(id, "managed") == 0;
}

/* GatewayId: "managed" for the cloud gateway, else the gateway's resource id [D]. */
static int dep_gateway_id(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                          expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    const policy_exec_t *exec = CTX_SELF_EXEC;
    CTX_RETURN(ctx_cstr(gateway_is_managed(exec) ? "managed" : exec->info.gateway_id));
}
static int gw_is_managed(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                         expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(expr_bool(gateway_is_managed(CTX_SELF_EXEC)));
}

static const expr_member_t gateway_members[] = {
    CTX_PROP("Id", &expr_class_string, NULL, dep_gateway_id),
    CTX_PROP("InstanceId", &expr_class_string, NULL, dep_gateway_instance_id),
    CTX_PROP("IsManaged", &expr_class_bool, NULL, gw_is_managed),
};

static const expr_class_t gateway_class = {
    .name = "Gateway",
    .tag = EXPR_V_OBJECT,
    .members = gateway_members,
    .member_count = CTX_COUNT(gateway_members),
};

static int dep_gateway(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                       expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(expr_object(&gateway_class, self->u.obj.ptr));
}

static const expr_member_t deployment_members[] = {
    CTX_PROP("Region", &expr_class_string, NULL, dep_region),
    CTX_PROP("ServiceName", &expr_class_string, NULL, dep_service_name),
    CTX_PROP("ServiceId", &expr_class_string, NULL, dep_service_id),
    CTX_PROP("GatewayId", &expr_class_string, NULL, dep_gateway_id),
    CTX_PROP("Gateway", &gateway_class, NULL, dep_gateway),
};

static const expr_class_t deployment_class = {
    .name = "Deployment",
    .full_name = "IDeployment",
    .tag = EXPR_V_OBJECT,
    .members = deployment_members,
    .member_count = CTX_COUNT(deployment_members),
};

/* ---- LastError (self: the executor's error record) ---- */

#define ERROR_STRING_PROP(fn_name, field)                                                          \
    static int fn_name(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,           \
                       expr_value_t *args, unsigned argc, expr_value_t *out)                       \
    {                                                                                              \
        CTX_UNUSED_ARGS;                                                                           \
        CTX_RETURN(ctx_cstr(((const policy_last_error_t *)self->u.obj.ptr)->field));               \
    }

ERROR_STRING_PROP(err_source, source)
ERROR_STRING_PROP(err_reason, reason)
ERROR_STRING_PROP(err_message, message)
ERROR_STRING_PROP(err_scope, scope)
ERROR_STRING_PROP(err_section, section)
ERROR_STRING_PROP(err_path, path)
ERROR_STRING_PROP(err_policy_id, policy_id)

static const expr_member_t last_error_members[] = {
    CTX_PROP("Source", &expr_class_string, NULL, err_source),
    CTX_PROP("Reason", &expr_class_string, NULL, err_reason),
    CTX_PROP("Message", &expr_class_string, NULL, err_message),
    CTX_PROP("Scope", &expr_class_string, NULL, err_scope),
    CTX_PROP("Section", &expr_class_string, NULL, err_section),
    CTX_PROP("Path", &expr_class_string, NULL, err_path),
    CTX_PROP("PolicyId", &expr_class_string, NULL, err_policy_id),
};

static const expr_class_t last_error_class = {
    .name = "LastError",
    .full_name = "ILastError",
    .tag = EXPR_V_OBJECT,
    .members = last_error_members,
    .member_count = CTX_COUNT(last_error_members),
};

/* ---- IOperation ---- */

INFO_STRING_PROP(op_id, operation_id)
INFO_STRING_PROP(op_method, operation_method)
INFO_STRING_PROP(op_name, operation_name)
INFO_STRING_PROP(op_template, operation_url_template)

static const expr_member_t operation_members[] = {
    CTX_PROP("Id", &expr_class_string, NULL, op_id),
    CTX_PROP("Method", &expr_class_string, NULL, op_method),
    CTX_PROP("Name", &expr_class_string, NULL, op_name),
    CTX_PROP("UrlTemplate", &expr_class_string, NULL, op_template),
};

static const expr_class_t operation_class = {
    .name = "IOperation",
    .full_name = "IOperation",
    .tag = EXPR_V_OBJECT,
    .members = operation_members,
    .member_count = CTX_COUNT(operation_members),
};

/* ---- subscription side ----
 * What the host knows (exec->info, filled from the snapshot's products, subscriptions and
 * users: docs/subscriptions.md) is returned; what it does not know is null, or an empty
 * collection (groups, identities). IGroup and IUserIdentity are never instantiated. The
 * objects point at the executor. */

INFO_STRING_PROP(product_id, product_id)
INFO_STRING_PROP(product_name, product_name)
INFO_STRING_PROP(subscription_id, subscription_id)
INFO_STRING_PROP(subscription_name, subscription_name)
INFO_STRING_PROP(subscription_key, subscription_key)
INFO_STRING_PROP(subscription_primary_key, subscription_primary_key)
INFO_STRING_PROP(subscription_secondary_key, subscription_secondary_key)
INFO_STRING_PROP(user_id, user_id)
INFO_STRING_PROP(user_email, user_email)
INFO_STRING_PROP(user_first_name, user_first_name)
INFO_STRING_PROP(user_last_name, user_last_name)
INFO_STRING_PROP(user_note, user_note)

/* A DateTime? the host put in exec->info as UTC ticks (0: unknown → null). */
#define INFO_DATE_PROP(fn_name, field)                                                             \
    static int fn_name(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,           \
                       expr_value_t *args, unsigned argc, expr_value_t *out)                       \
    {                                                                                              \
        CTX_UNUSED_ARGS;                                                                           \
        int64_t ticks = CTX_SELF_EXEC->info.field;                                                 \
        CTX_RETURN(                                                                                \
            ticks ? ((expr_value_t){.tag = EXPR_V_DATETIME, .aux = 1 /* Utc */, .u.i = ticks})     \
                  : expr_null());                                                                  \
    }

INFO_DATE_PROP(subscription_created, subscription_created_ticks)
INFO_DATE_PROP(subscription_start, subscription_start_ticks)
INFO_DATE_PROP(subscription_end, subscription_end_ticks)
INFO_DATE_PROP(user_registration, user_registration_ticks)

static int product_subscription_required(expr_rt_t *rt, const expr_call_t *call,
                                         const expr_value_t *self, expr_value_t *args,
                                         unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(expr_bool(!CTX_SELF_EXEC->info.is_product_open));
}
static int product_approval_required(expr_rt_t *rt, const expr_call_t *call,
                                     const expr_value_t *self, expr_value_t *args, unsigned argc,
                                     expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(expr_bool(CTX_SELF_EXEC->info.is_product_approval_required));
}
/* int?: null when the product sets no limit. */
static int product_subscription_limit(expr_rt_t *rt, const expr_call_t *call,
                                      const expr_value_t *self, expr_value_t *args, unsigned argc,
                                      expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    const policy_request_info_t *info = &CTX_SELF_EXEC->info;
    CTX_RETURN(info->has_product_subscriptions_limit
                   ? ((expr_value_t){.tag = EXPR_V_INT, .u.i = info->product_subscriptions_limit})
                   : expr_null());
}

static int empty_array(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                       expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)self;
    CTX_UNUSED_ARGS;
    CTX_RETURN(((expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {NULL, 0, call->member->ret.elem}}));
}
/* Product publication state does not affect key validity (§4.3): an unpublished product's
 * keys still work, so the state is reported as the snapshot says. */
static int product_state(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                         expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(ctx_cstr(CTX_SELF_EXEC->info.is_product_unpublished ? "NotPublished" : "Published"));
}
static int product_apis(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                        expr_value_t *args, unsigned argc, expr_value_t *out);

static const expr_member_t group_members[] = {
    CTX_PROP("Id", &expr_class_string, NULL, ctx_null_native),
    CTX_PROP("Name", &expr_class_string, NULL, ctx_null_native),
};
static const expr_class_t group_class = {
    .name = "IGroup",
    .full_name = "IGroup",
    .tag = EXPR_V_OBJECT,
    .members = group_members,
    .member_count = CTX_COUNT(group_members),
};

static const expr_member_t identity_members[] = {
    CTX_PROP("Id", &expr_class_string, NULL, ctx_null_native),
    CTX_PROP("Provider", &expr_class_string, NULL, ctx_null_native),
};
static const expr_class_t identity_class = {
    .name = "IUserIdentity",
    .full_name = "IUserIdentity",
    .tag = EXPR_V_OBJECT,
    .members = identity_members,
    .member_count = CTX_COUNT(identity_members),
};

static const expr_member_t subscription_members[] = {
    CTX_PROP("Id", &expr_class_string, NULL, subscription_id),
    CTX_PROP("Name", &expr_class_string, NULL, subscription_name),
    CTX_PROP("Key", &expr_class_string, NULL, subscription_key),
    CTX_PROP("PrimaryKey", &expr_class_string, NULL, subscription_primary_key),
    CTX_PROP("SecondaryKey", &expr_class_string, NULL, subscription_secondary_key),
    CTX_PROP("CreatedDate", &expr_class_datetime, NULL, subscription_created),
    CTX_PROP("CreatedTime", &expr_class_datetime, NULL, subscription_created), /* older name */
    CTX_PROP("StartDate", &expr_class_datetime, NULL, subscription_start),
    CTX_PROP("EndDate", &expr_class_datetime, NULL, subscription_end),
};
static const expr_class_t subscription_class = {
    .name = "ISubscription",
    .full_name = "ISubscription",
    .tag = EXPR_V_OBJECT,
    .members = subscription_members,
    .member_count = CTX_COUNT(subscription_members),
};

static const expr_member_t product_members[] = {
    CTX_PROP("Id", &expr_class_string, NULL, product_id),
    CTX_PROP("Name", &expr_class_string, NULL, product_name),
    CTX_PROP("State", &expr_class_string, NULL, product_state),
    CTX_PROP("SubscriptionRequired", &expr_class_bool, NULL, product_subscription_required),
    CTX_PROP("ApprovalRequired", &expr_class_bool, NULL, product_approval_required),
    CTX_PROP("SubscriptionLimit", &expr_class_int, NULL, product_subscription_limit),
    CTX_PROP("Groups", &expr_class_array, &group_class, empty_array),
    CTX_PROP("Apis", &expr_class_array, &api_class, product_apis),
};
static const expr_class_t product_class = {
    .name = "IProduct",
    .full_name = "IProduct",
    .tag = EXPR_V_OBJECT,
    .members = product_members,
    .member_count = CTX_COUNT(product_members),
};

static const expr_member_t user_members[] = {
    CTX_PROP("Id", &expr_class_string, NULL, user_id),
    CTX_PROP("Email", &expr_class_string, NULL, user_email),
    CTX_PROP("FirstName", &expr_class_string, NULL, user_first_name),
    CTX_PROP("LastName", &expr_class_string, NULL, user_last_name),
    CTX_PROP("Note", &expr_class_string, NULL, user_note),
    CTX_PROP("RegistrationDate", &expr_class_datetime, NULL, user_registration),
    CTX_PROP("Groups", &expr_class_array, &group_class, empty_array),
    CTX_PROP("Identities", &expr_class_array, &identity_class, empty_array),
};
static const expr_class_t user_class = {
    .name = "IUser",
    .full_name = "IUser",
    .tag = EXPR_V_OBJECT,
    .members = user_members,
    .member_count = CTX_COUNT(user_members),
};

/* Apis: the product's APIs; the one being called is the only one known here. */
static int product_apis(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                        expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)call, (void)args, (void)argc;
    if (!CTX_SELF_EXEC->info.api_id)
        CTX_RETURN(((expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {NULL, 0, &api_class}}));
    expr_value_t *items = expr_rt_alloc(rt, sizeof *items);
    if (!items) return EXPR_THROWN;
    items[0] = expr_object(&api_class, self->u.obj.ptr);
    CTX_RETURN(((expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {items, 1, &api_class}}));
}

/* ---- context ---- */

/* Product, Subscription, User: null when the request has none (anonymous, no product). */
static int ctx_product(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                       expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(CTX_SELF_EXEC->info.product_id ? expr_object(&product_class, self->u.obj.ptr)
                                              : expr_null());
}
static int ctx_subscription(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                            expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(CTX_SELF_EXEC->info.subscription_id
                   ? expr_object(&subscription_class, self->u.obj.ptr)
                   : expr_null());
}
static int ctx_user(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                    expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(CTX_SELF_EXEC->info.user_id ? expr_object(&user_class, self->u.obj.ptr)
                                           : expr_null());
}

static int ctx_api(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                   expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(CTX_SELF_EXEC->info.api_id ? expr_object(&api_class, self->u.obj.ptr) : expr_null());
}
static int ctx_deployment(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                          expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(expr_object(&deployment_class, self->u.obj.ptr));
}
/* Elapsed: now − Timestamp, "now" being this evaluation's clock reading. */
static int ctx_elapsed(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                       expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)call, (void)args, (void)argc;
    int64_t ticks = expr_rt_now_ticks(rt) - CTX_SELF_EXEC->info.timestamp_ticks;
    CTX_RETURN(((expr_value_t){.tag = EXPR_V_TIMESPAN, .u.i = ticks}));
}
/* LastError: only while on-error runs (null elsewhere [I]). */
static int ctx_last_error(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                          expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    policy_last_error_t *err = CTX_SELF_EXEC->last_error;
    CTX_RETURN(err ? expr_object(&last_error_class, err) : expr_null());
}
static int ctx_operation(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                         expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(CTX_SELF_EXEC->info.operation_id ? expr_object(&operation_class, self->u.obj.ptr)
                                                : expr_null());
}
static int ctx_request(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                       expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(expr_object(&ctx_class_request, self->u.obj.ptr));
}
static int ctx_request_id(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                          expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    expr_value_t v = {.tag = EXPR_V_GUID};
    memcpy(v.u.guid, CTX_SELF_EXEC->info.request_id, sizeof v.u.guid);
    CTX_RETURN(v);
}
static int ctx_response(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                        expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(expr_object(&policy_response_class, &CTX_SELF_EXEC->response));
}
static int ctx_timestamp(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                         expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(((expr_value_t){
        .tag = EXPR_V_DATETIME, .aux = 1 /* Utc */, .u.i = CTX_SELF_EXEC->info.timestamp_ticks}));
}
static int ctx_tracing(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                       expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(expr_bool(CTX_SELF_EXEC->info.is_tracing));
}
static int ctx_variables(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                         expr_value_t *args, unsigned argc, expr_value_t *out)
{
    CTX_UNUSED_ARGS;
    CTX_RETURN(expr_object(&ctx_class_variables, self->u.obj.ptr));
}
/* Trace(message): a trace entry through the host (§4.7) when tracing is on; void. */
static int ctx_trace(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                     expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)call, (void)argc;
    policy_exec_t *exec = CTX_SELF_EXEC;
    *out = expr_null();
    if (!exec->info.is_tracing || !exec->host || !exec->host->trace) return 0;
    /* Trace(string message): the checker converted the argument to string. */
    expr_value_t text = args[0].tag == EXPR_V_STRING ? args[0] : expr_str_ref("", 0);
    char *message = expr_rt_alloc(rt, text.u.s.len + 1); /* the trace wants NUL-terminated */
    if (!message) return EXPR_THROWN;
    memcpy(message, text.u.s.ptr, text.u.s.len);
    message[text.u.s.len] = '\0';
    policy_trace_t trace = {.source = "context.Trace", .severity = POLICY_TRACE_INFORMATION,
                            .message = message};
    exec->host->trace(exec, &trace);
    return 0;
}

static const expr_type_t trace_params[] = {{&expr_class_string, NULL}};

static const expr_member_t context_members[] = {
    CTX_PROP("Api", &api_class, NULL, ctx_api),
    CTX_PROP("Deployment", &deployment_class, NULL, ctx_deployment),
    CTX_PROP("Elapsed", &expr_class_timespan, NULL, ctx_elapsed),
    CTX_PROP("LastError", &last_error_class, NULL, ctx_last_error),
    CTX_PROP("Operation", &operation_class, NULL, ctx_operation),
    CTX_PROP("Product", &product_class, NULL, ctx_product),
    CTX_PROP("Request", &ctx_class_request, NULL, ctx_request),
    CTX_PROP("RequestId", &expr_class_guid, NULL, ctx_request_id),
    CTX_PROP("Response", &policy_response_class, NULL, ctx_response),
    CTX_PROP("Subscription", &subscription_class, NULL, ctx_subscription),
    CTX_PROP("Timestamp", &expr_class_datetime, NULL, ctx_timestamp),
    CTX_PROP("Tracing", &expr_class_bool, NULL, ctx_tracing),
    CTX_PROP("User", &user_class, NULL, ctx_user),
    CTX_PROP("Variables", &ctx_class_variables, &ctx_class_kvp_object, ctx_variables),
    {.name = "Trace", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 1,
     .ret = {&expr_class_void, NULL}, .params = trace_params, .fn = ctx_trace},
};

const expr_class_t policy_context_class = {
    .name = "context",
    .full_name = "IProxyRequestContext",
    .tag = EXPR_V_OBJECT,
    .members = context_members,
    .member_count = CTX_COUNT(context_members),
};

const expr_class_t *const policy_context_nameable_classes[] = {&policy_response_class, NULL};
