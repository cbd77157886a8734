/* `meridian policy run`: compiles one policy document and runs it against a described
 * request with the offline host (policy/exec_local.h), printing the backend request the
 * gateway would send and the response the client would get. */
#include "cli/policy_cmd.h"

#include "cli/args.h"
#include "cli/file_text.h"
#include "policy/exec_local.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char policy_run_help[] =
    "Usage: meridian policy run FILE --request 'METHOD URL' [options]\n"
    "\n"
    "Compiles FILE (a <policies> document) as an API-scope policy under the default global\n"
    "policy, runs it against the request described by the options with a backend that is\n"
    "simulated (nothing goes to the network), and prints the request the gateway would send\n"
    "to the backend and the response the client would receive.\n"
    "\n"
    "Request:\n"
    "  --request 'METHOD URL'     the client's request; URL absolute (http://host/path?q=1)\n"
    "  -H, --header 'Name: value' a request header (repeatable)\n"
    "  --body TEXT | @FILE        the request body\n"
    "  --region NAME              context.Deployment.Region (\"West US\")\n"
    "  --client-ip ADDRESS        context.Request.IpAddress (default 127.0.0.1)\n"
    "API:\n"
    "  --api-path PATH            the API's path prefix, removed before the backend URL is\n"
    "                             composed (default: none)\n"
    "  --service-url URL          the API's backend URL (default: the request's origin)\n"
    "  --global                   compile FILE as the global policy instead\n"
    "  --named-value NAME=VALUE   the value of {{NAME}} (repeatable)\n"
    "Simulated backend:\n"
    "  --backend-response 'STATUS [REASON]'  what forward-request gets (default 200)\n"
    "  --backend-header 'Name: value'        a backend response header (repeatable)\n"
    "  --backend-body TEXT | @FILE           the backend response body\n"
    "  --backend-error timeout|connection    the backend fails instead of answering\n"
    "  --send-response STATUS                what send-request gets (default 200)\n"
    "  --send-body TEXT | @FILE              the body send-request gets\n"
    "\n"
    "Exit codes: 0 the document ran (whatever the response), 1 it does not compile (the\n"
    "error is printed as FILE:LINE:COL: message) or cannot be read, 2 bad command line.\n";

#define MAX_NAMED_VALUES 64

typedef struct {
    arena_t *arena;
    policy_local_t io;
    policy_named_value_t named[MAX_NAMED_VALUES];
    size_t named_count;
    bool is_global;
} run_args_t;

/* How much of a file (the document, @FILE bodies) is read: the document loader refuses
 * far less, and says so. */
#define MAX_FILE_BYTES (16u * 1024 * 1024)

/* TEXT or @FILE, copied into the arena. */
static const char *text_or_file(run_args_t *a, const char *value, size_t *len)
{
    if (value[0] != '@') {
        *len = strlen(value);
        return value;
    }
    size_t n = 0;
    char *data = cli_read_file(value + 1, MAX_FILE_BYTES, &n);
    if (!data) {
        fprintf(stderr, "meridian policy: %s: cannot read: %s\n", value + 1, strerror(errno));
        return NULL;
    }
    char *copy = arena_strndup(a->arena, data, n);
    free(data);
    *len = n;
    return copy;
}

/* "Name: value" into a field list. */
static bool add_header_arg(run_args_t *a, policy_fields_t *to, const char *arg)
{
    const char *colon = strchr(arg, ':');
    if (!colon || colon == arg) return false;
    const char *v = colon + 1;
    while (*v == ' ' || *v == '\t') v++;
    return policy_fields_add(to, a->arena, arg, (size_t)(colon - arg), v, strlen(v)) == 0;
}

static int parse_args(run_args_t *a, int argc, char **argv, const char **file)
{
    const char *request = NULL;
    policy_local_t *io = &a->io;
    for (int i = 0; i < argc; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "-h") == 0 || strcmp(opt, "--help") == 0) return 1;
        if (opt[0] != '-') {
            if (*file) return cli_usage_error("policy", "run takes one FILE ('%s' is a second)", opt);
            *file = opt;
            continue;
        }
        if (strcmp(opt, "--global") == 0) {
            a->is_global = true;
            continue;
        }
        /* every other option takes a value: "--name value" or "--name=value" */
        const char *value = NULL;
        char name[64];
        const char *eq = strchr(opt, '=');
        if (eq && strncmp(opt, "--", 2) == 0) {
            snprintf(name, sizeof name, "%.*s", (int)(eq - opt), opt);
            value = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", opt);
            if (i + 1 >= argc) return cli_usage_error("policy", "%s needs a value", opt);
            value = argv[++i];
        }
        size_t len = 0;
        if (strcmp(name, "--request") == 0) {
            request = value;
        } else if (strcmp(name, "-H") == 0 || strcmp(name, "--header") == 0) {
            if (!add_header_arg(a, &io->headers, value))
                return cli_usage_error("policy", "%s expects 'Name: value', not '%s'", name, value);
        } else if (strcmp(name, "--body") == 0) {
            if (!(io->body = text_or_file(a, value, &io->body_len))) return CLI_EXIT_FAILURE;
        } else if (strcmp(name, "--region") == 0) {
            io->region = value;
        } else if (strcmp(name, "--client-ip") == 0) {
            io->client_ip = value;
        } else if (strcmp(name, "--api-path") == 0) {
            io->api_path = value;
        } else if (strcmp(name, "--service-url") == 0) {
            io->service_url = value;
        } else if (strcmp(name, "--named-value") == 0) {
            const char *sep = strchr(value, '=');
            if (!sep || sep == value)
                return cli_usage_error("policy", "--named-value expects NAME=VALUE, not '%s'", value);
            if (a->named_count == MAX_NAMED_VALUES)
                return cli_usage_error("policy", "at most %d --named-value", MAX_NAMED_VALUES);
            a->named[a->named_count++] = (policy_named_value_t){
                arena_strndup(a->arena, value, (size_t)(sep - value)), sep + 1};
        } else if (strcmp(name, "--backend-response") == 0) {
            long status = 0;
            char digits[8] = {0};
            size_t n = strcspn(value, " ");
            if (n < sizeof digits) memcpy(digits, value, n);
            if (!cli_parse_int(digits, 100, 599, &status))
                return cli_usage_error("policy", "--backend-response expects 'STATUS [REASON]' with "
                                                 "STATUS from 100 to 599, not '%s'", value);
            io->backend_status = (int)status;
            if (value[n] == ' ' && value[n + 1]) io->backend_reason = value + n + 1;
        } else if (strcmp(name, "--backend-header") == 0) {
            if (!add_header_arg(a, &io->backend_headers, value))
                return cli_usage_error("policy", "--backend-header expects 'Name: value', not '%s'", value);
        } else if (strcmp(name, "--backend-body") == 0) {
            if (!(io->backend_body = text_or_file(a, value, &len))) return CLI_EXIT_FAILURE;
        } else if (strcmp(name, "--backend-error") == 0) {
            if (strcmp(value, "timeout") == 0) io->backend_error = POLICY_E_TIMEOUT;
            else if (strcmp(value, "connection") == 0) io->backend_error = POLICY_E_BACKEND_CONNECTION;
            else
                return cli_usage_error("policy", "--backend-error expects timeout or connection, not '%s'", value);
        } else if (strcmp(name, "--send-response") == 0) {
            long status = 0;
            if (!cli_parse_int(value, 100, 599, &status))
                return cli_usage_error("policy", "--send-response expects a status from 100 to 599");
            io->send_status = (int)status;
        } else if (strcmp(name, "--send-body") == 0) {
            if (!(io->send_body = text_or_file(a, value, &len))) return CLI_EXIT_FAILURE;
        } else {
            return cli_usage_error("policy", "unknown option '%s' for run", name);
        }
    }
    if (!*file) return cli_usage_error("policy", "run needs a FILE");
    if (!request) return cli_usage_error("policy", "run needs --request 'METHOD URL'");
    const char *space = strchr(request, ' ');
    if (!space || space == request || !space[1])
        return cli_usage_error("policy", "--request expects 'METHOD URL', not '%s'", request);
    io->method = arena_strndup(a->arena, request, (size_t)(space - request));
    io->url = space + 1;
    while (*io->url == ' ') io->url++;
    return 0;
}

static void print_fields(const policy_fields_t *f)
{
    for (uint32_t i = 0; i < f->count; i++)
        printf("  %.*s: %.*s\n", (int)f->items[i].name_len, f->items[i].name,
               (int)f->items[i].value_len, f->items[i].value);
}

static void print_body(const policy_body_t *b, const char *streamed_from)
{
    if (b->kind == POLICY_BODY_BYTES && b->len) printf("\n  %.*s\n", (int)b->len, b->bytes);
    else if (b->kind == POLICY_BODY_STREAM) printf("\n  (body streamed from %s)\n", streamed_from);
}

static void print_trace(void *ctx, const policy_trace_t *t)
{
    (void)ctx;
    static const char *const severities[] = {"verbose", "information", "error"};
    printf("trace [%s] %s: %s\n", severities[t->severity], t->source, t->message);
}

static void print_metric(void *ctx, const policy_metric_t *m)
{
    (void)ctx;
    printf("metric %s = %g", m->name, m->value);
    for (uint32_t i = 0; m->dimensions && i < m->dimensions->count; i++)
        printf("%s%.*s=%.*s", i ? ", " : " (", (int)m->dimensions->items[i].name_len,
               m->dimensions->items[i].name, (int)m->dimensions->items[i].value_len,
               m->dimensions->items[i].value);
    printf("%s\n", m->dimensions && m->dimensions->count ? ")" : "");
}

static void print_result(const policy_local_t *io)
{
    const policy_exec_t *exec = io->exec;
    for (size_t i = 0; i < io->sent_count; i++) {
        const policy_local_sent_t *s = &io->sent[i];
        printf("%s: %s %s\n", s->is_one_way ? "send-one-way-request" : "send-request", s->method,
               s->url);
        print_fields(&s->headers);
        print_body(&s->body, "the client");
    }
    if (io->is_forwarded) {
        printf("backend request: %s %s\n", io->forwarded.method, io->forwarded.url);
        print_fields(&io->forwarded.headers);
        print_body(&io->forwarded.body, "the client");
    } else {
        printf("backend request: none (the backend is not called)\n");
    }
    const policy_response_t *r = &exec->response;
    printf("response: %d %s\n", r->status, r->reason ? r->reason : policy_status_reason(r->status));
    print_fields(&r->headers);
    print_body(&r->body, "the backend");
    const policy_last_error_t *e = exec->last_error;
    if (e) {
        printf("last error: source %s, reason %s, section %s, scope %s, path %s: %s\n", e->source,
               e->reason ? e->reason : "-", e->section ? e->section : "-", e->scope ? e->scope : "-",
               e->path ? e->path : "-", e->message);
    }
}

int policy_run_command(int argc, char **argv)
{
    arena_t arena;
    arena_init(&arena, 16 * 1024);
    run_args_t a = {.arena = &arena};
    a.io.headers.is_case_insensitive = true;
    a.io.backend_headers.is_case_insensitive = true;
    const char *file = NULL;
    int rc = parse_args(&a, argc, argv, &file);
    if (rc == 1) {
        fputs(policy_run_help, stdout);
        arena_free(&arena);
        return CLI_EXIT_OK;
    }
    if (rc) {
        arena_free(&arena);
        return rc;
    }
    size_t len = 0;
    char *text = cli_read_file(file, MAX_FILE_BYTES, &len);
    if (!text) {
        fprintf(stderr, "%s: cannot read: %s\n", file, strerror(errno));
        arena_free(&arena);
        return CLI_EXIT_FAILURE;
    }
    policy_local_options_t opts = {
        .is_global = a.is_global,
        .named_values = a.named,
        .named_value_count = a.named_count,
    };
    policy_local_program_t *program = NULL;
    policy_doc_error_t err;
    rc = policy_local_compile(text, len, file, &opts, &program, &err);
    free(text);
    if (rc < 0) {
        fprintf(stderr, "%s\n", err.message);
        arena_free(&arena);
        return CLI_EXIT_FAILURE;
    }
    a.io.trace = print_trace;
    a.io.metric = print_metric;
    rc = policy_local_run(policy_local_program(program), &arena, &a.io);
    if (rc == -EINVAL) {
        policy_local_program_free(program);
        arena_free(&arena);
        return cli_usage_error("policy", "--request needs an absolute http:// or https:// URL");
    }
    if (rc < 0) {
        fprintf(stderr, "%s: out of memory\n", file);
    } else {
        print_result(&a.io);
    }
    policy_local_program_free(program);
    arena_free(&arena);
    return rc < 0 ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
}
