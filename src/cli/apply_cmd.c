/* `meridian apply` and `meridian export`: the declarative service file
 * (docs/service-file.md) against the management server. */
#include "cli/args.h"
#include "cli/mgmt_cmd.h"
#include "cli/mgmt_commands.h"
#include "cli/service_file.h"
#include "cli/service_plan.h"
#include "cli/service_state.h"
#include "cli/yaml_out.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char apply_help[] =
    "Usage: meridian apply -f FILE [--dry-run]\n"
    "\n"
    "Makes the service match FILE, a service file in YAML or JSON (docs/service-file.md;\n"
    "FILE - reads stdin): reads what the server holds, prints the plan — what is created,\n"
    "updated and deleted, in dependency order — and carries it out, one request per step,\n"
    "updates and deletes with If-Match on the ETag the plan was made from.\n"
    "\n"
    "Only the sections FILE has are managed: resources of a section it leaves out are not\n"
    "deleted, properties it leaves out keep the server's value, and secret values it\n"
    "leaves out (secret named values, subscription keys) stay as they are.\n"
    "\n"
    "  -f, --file FILE   the service file (required)\n"
    "  --dry-run         print the plan only\n"
    "\n"
    "If a step fails, apply stops, prints the server's error and which steps were applied\n"
    "and which were not, and exits 1.\n"
    "\n" MGMT_CONNECTION_HELP;

const char export_help[] =
    "Usage: meridian export [-o FILE] [--format json|yaml] [--include-secrets]\n"
    "\n"
    "Writes the whole service as a service file (docs/service-file.md), so that\n"
    "'meridian apply -f FILE' plans no change. Secret named values and subscription keys\n"
    "are left out unless --include-secrets is given (then FILE is created with mode 0600).\n"
    "\n"
    "  -o, --output FILE   where to write (default: stdout); written to FILE.tmp, then\n"
    "                      renamed\n"
    "  --format json|yaml  default: yaml when FILE ends in .yaml or .yml, else json\n"
    "  --include-secrets   include secret values and subscription keys\n"
    "\n" MGMT_CONNECTION_HELP;

static const int ok_put[] = {200, 201, 0};
static const int ok_patch[] = {200, 201, 204, 0};
static const int ok_delete[] = {200, 204, 0};

/* argv with "-f X" / "-o X" spelled as the long options the parser knows. */
static char **expand_short(int argc, char **argv, const char *short_name, const char *long_name)
{
    char **out = calloc((size_t)argc + 1, sizeof *out);
    if (!out) return NULL;
    for (int i = 0; i < argc; i++)
        out[i] = strcmp(argv[i], short_name) == 0 ? (char *)long_name : argv[i];
    return out;
}

/* Properties without secret values: what a fresh GET can be compared with. */
static json_t *without_secrets(svc_kind_t kind, const json_t *props)
{
    json_t *copy = json_deep_copy(props);
    const char *key;
    void *tmp;
    json_t *v;
    json_object_foreach_safe(copy, tmp, key, v)
    {
        if (svc_is_secret_prop(kind, props, key)) json_object_del(copy, key);
    }
    return copy;
}

/* Carries out one step; prints the server's error on failure. *revision receives the
 * service revision the write produced (unchanged when the server did not say). */
static int run_step(mgmt_client_t *client, const plan_step_t *s, long long *revision)
{
    mgmt_response_t resp;
    char *etag = NULL;
    int rc;
    if (s->action != PLAN_CREATE && !svc_kind_is_link(s->kind)) {
        /* The plan was made from a read a moment ago: refuse to act on a resource that
         * someone changed since, and hold its ETag so the write itself is conditional too
         * (spec §6.2). */
        json_t *fresh;
        rc = svc_state_fetch(client, (int)s->kind, s->path, &fresh, &etag);
        if (rc) return rc;
        if (!fresh) {
            free(etag);
            if (s->action == PLAN_DELETE) return 0; /* already gone */
            fprintf(stderr, "meridian: %s was deleted on the server since the plan was made\n",
                    s->label);
            return CLI_EXIT_FAILURE;
        }
        json_t *a = without_secrets(s->kind, s->before), *b = without_secrets(s->kind, fresh);
        bool is_same = json_equal(a, b);
        json_decref(a);
        json_decref(b);
        json_decref(fresh);
        if (!is_same) {
            free(etag);
            fprintf(stderr,
                    "meridian: %s changed on the server since the plan was made; run "
                    "apply again\n",
                    s->label);
            return CLI_EXIT_FAILURE;
        }
    }
    const char *if_match = etag ? etag : (s->action == PLAN_CREATE ? NULL : "*");
    json_t *body = s->body ? json_pack("{s:O}", "properties", s->body) : NULL;
    switch (s->action) {
    case PLAN_CREATE:
        rc = mgmt_cmd_call(client, "PUT", s->path, body, NULL, ok_put, &resp);
        break;
    case PLAN_UPDATE:
        /* Policies are replaced whole (they have no PATCH); entities get the changed
         * properties merged (contract: PATCH merges). */
        if (svc_kind_is_policy(s->kind))
            rc = mgmt_cmd_call(client, "PUT", s->path, body, if_match, ok_put, &resp);
        else
            rc = mgmt_cmd_call(client, "PATCH", s->path, body, if_match, ok_patch, &resp);
        break;
    case PLAN_DELETE:
    default:
        rc = mgmt_cmd_call(client, "DELETE", s->path, NULL, if_match, ok_delete, &resp);
        break;
    }
    json_decref(body);
    free(etag);
    if (rc == 0) {
        if (resp.revision >= 0) *revision = resp.revision;
        mgmt_response_free(&resp);
    }
    return rc;
}

int command_apply(int argc, char **argv)
{
    const char *file = NULL;
    bool is_dry_run = false;
    const mgmt_opt_t opts[] = {{"--file", &file, NULL}, {"--dry-run", NULL, &is_dry_run}};
    char **args = expand_short(argc, argv, "-f", "--file");
    if (!args) return CLI_EXIT_FAILURE;
    mgmt_cmdline_t cl;
    int exit_code;
    bool is_parsed =
        mgmt_cmd_parse(&cl, "apply", apply_help, argc, args, opts, 2, 0, false, &exit_code);
    free(args);
    if (!is_parsed) return exit_code;
    if (!file) return cli_usage_error("apply", "-f FILE is required");

    /* The command line is checked whole (exit 2) before any file is read (exit 1). */
    mgmt_client_t client;
    int rc = mgmt_cmd_client(&cl, &client);
    if (rc) return rc;
    size_t len;
    char *text = mgmt_read_file(file, &len);
    json_t *desired = NULL;
    char *err = NULL;
    rc = text ? svc_file_parse(text, len, strcmp(file, "-") == 0 ? "<stdin>" : file, &desired, &err)
              : -1;
    free(text);
    if (rc < 0) {
        if (err) fprintf(stderr, "%s\n", err);
        free(err);
        mgmt_client_free(&client);
        return CLI_EXIT_FAILURE;
    }
    json_t *current;
    rc = svc_state_read(&client, true, &current);
    plan_t plan = {0};
    if (rc == 0 && plan_compute(desired, current, &plan) < 0) {
        fprintf(stderr, "meridian: out of memory\n");
        rc = CLI_EXIT_FAILURE;
    }
    if (rc == 0) {
        plan_print(&plan, stdout);
        fflush(stdout);
        size_t done = 0;
        long long revision = -1;
        for (; !is_dry_run && done < plan.count; done++) {
            const plan_step_t *s = &plan.steps[done];
            if (run_step(&client, s, &revision)) break;
            printf("%sd %s\n", plan_action_name(s->action), s->label);
            fflush(stdout);
        }
        if (!is_dry_run && done < plan.count) {
            rc = CLI_EXIT_FAILURE;
            fprintf(stderr, "meridian: apply stopped: %zu of %zu steps applied; not applied:\n",
                    done, plan.count);
            for (size_t i = done; i < plan.count; i++)
                fprintf(stderr, "  %s  %s%s\n", plan_action_name(plan.steps[i].action),
                        plan.steps[i].label, i == done ? "  (failed)" : "");
        } else if (!is_dry_run && plan.count) {
            /* The revision is what gateways must reach to serve the file. */
            printf("Applied %zu step%s", plan.count, plan.count == 1 ? "" : "s");
            if (revision >= 0) printf("; service revision %lld", revision);
            printf(".\n");
        }
    }
    plan_free(&plan);
    json_decref(current);
    json_decref(desired);
    mgmt_client_free(&client);
    return rc;
}

/* Writes text to path through path.tmp and rename, so a reader never sees half a file. */
static int write_file_atomically(const char *path, const char *text, bool is_private)
{
    char *tmp = NULL;
    if (asprintf(&tmp, "%s.tmp", path) < 0) return -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, is_private ? 0600 : 0644);
    if (fd < 0) {
        fprintf(stderr, "meridian: %s: %m\n", tmp);
        free(tmp);
        return -1;
    }
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t n = write(fd, text + off, len - off);
        if (n <= 0) break;
        off += (size_t)n;
    }
    bool ok = off == len && fsync(fd) == 0;
    if (close(fd) != 0) ok = false;
    if (!ok || rename(tmp, path) != 0) {
        fprintf(stderr, "meridian: cannot write %s: %m\n", path);
        unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

static bool has_yaml_extension(const char *path)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    return dot && (strcmp(dot, ".yaml") == 0 || strcmp(dot, ".yml") == 0);
}

int command_export(int argc, char **argv)
{
    const char *output = NULL, *format = NULL;
    bool is_with_secrets = false;
    const mgmt_opt_t opts[] = {{"--output", &output, NULL},
                               {"--format", &format, NULL},
                               {"--include-secrets", NULL, &is_with_secrets}};
    char **args = expand_short(argc, argv, "-o", "--output");
    if (!args) return CLI_EXIT_FAILURE;
    mgmt_cmdline_t cl;
    int exit_code;
    bool is_parsed =
        mgmt_cmd_parse(&cl, "export", export_help, argc, args, opts, 3, 0, false, &exit_code);
    free(args);
    if (!is_parsed) return exit_code;
    if (format && strcmp(format, "json") && strcmp(format, "yaml"))
        return cli_usage_error("export", "--format must be json or yaml");
    bool is_yaml = format ? strcmp(format, "yaml") == 0 : has_yaml_extension(output);
    mgmt_client_t client;
    int rc = mgmt_cmd_client(&cl, &client);
    if (rc) return rc;
    json_t *doc;
    rc = svc_state_read(&client, is_with_secrets, &doc);
    mgmt_client_free(&client);
    if (rc) return rc;
    char *text = is_yaml ? yaml_out_dump(doc) : json_dumps(doc, JSON_INDENT(2));
    json_decref(doc);
    if (!text) {
        fprintf(stderr, "meridian: out of memory\n");
        return CLI_EXIT_FAILURE;
    }
    size_t len = strlen(text);
    char *with_newline = is_yaml ? text : realloc(text, len + 2);
    if (with_newline && !is_yaml) {
        text = with_newline;
        text[len] = '\n';
        text[len + 1] = '\0';
    }
    if (output && strcmp(output, "-") != 0) {
        rc = write_file_atomically(output, text, is_with_secrets) ? CLI_EXIT_FAILURE : 0;
    } else {
        fputs(text, stdout);
        rc = fflush(stdout) == 0 ? 0 : CLI_EXIT_FAILURE;
    }
    free(text);
    return rc;
}
