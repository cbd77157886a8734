#include "gateway/metrics.h"

#include <stdlib.h>
#include <string.h>

/* Latency buckets in seconds (upper bounds), Prometheus histogram convention. */
static const double bucket_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                       0.1,    0.25,  0.5,    1,     2.5,  5,     10, 30, 60};
#define BUCKETS (sizeof bucket_bounds / sizeof bucket_bounds[0])

#define REFUSED_REASON_COUNT 4

typedef struct {
    char *api;   /* NULL = empty slot */
    int status;
    uint64_t count;
} request_counter_t;

typedef struct {
    char *labels; /* rendered, escaped: metric="x",namespace="y",dim="v" */
    double sum;
    uint64_t count;
} custom_series_t;

struct gateway_metrics {
    custom_series_t *custom;
    size_t custom_count;
    uint64_t custom_dropped;
    char *region;
    int unit_index;
    request_counter_t *counters; /* open addressing */
    size_t counter_cap;
    size_t counter_count;
    uint64_t buckets[BUCKETS];
    uint64_t latency_count;
    double latency_sum;
    bool config_loaded;
    uint64_t config_revision;
    uint64_t reloads_ok;
    uint64_t reloads_failed;
    const char *source; /* NULL in file mode: meridian_config_source is then not exported */
    uint64_t refused[REFUSED_REASON_COUNT];
};

static const char *const refused_reasons[] = GATEWAY_METRICS_REFUSED_REASONS;
static const char *const source_names[] = {"none", "feed", "last-known-good", "peer"};

gateway_metrics_t *gateway_metrics_new(const char *region, int unit_index)
{
    gateway_metrics_t *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->region = strdup(region ? region : "");
    m->unit_index = unit_index;
    m->counter_cap = 64;
    m->counters = calloc(m->counter_cap, sizeof *m->counters);
    if (!m->region || !m->counters) {
        gateway_metrics_free(m);
        return NULL;
    }
    return m;
}

void gateway_metrics_free(gateway_metrics_t *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->counter_cap && m->counters; i++) free(m->counters[i].api);
    for (size_t i = 0; i < m->custom_count; i++) free(m->custom[i].labels);
    free(m->custom);
    free(m->counters);
    free(m->region);
    free(m);
}

static uint32_t counter_hash(const char *api, int status)
{
    uint32_t h = 2166136261u ^ (uint32_t)status;
    while (*api) h = (h ^ (unsigned char)*api++) * 16777619u;
    return h;
}

static request_counter_t *counter_slot(request_counter_t *table, size_t cap, const char *api, int status)
{
    size_t i = counter_hash(api, status) & (cap - 1);
    while (table[i].api && (table[i].status != status || strcmp(table[i].api, api) != 0))
        i = (i + 1) & (cap - 1);
    return &table[i];
}

static int counters_grow(gateway_metrics_t *m)
{
    size_t cap = m->counter_cap * 2;
    request_counter_t *t = calloc(cap, sizeof *t);
    if (!t) return -1;
    for (size_t i = 0; i < m->counter_cap; i++)
        if (m->counters[i].api)
            *counter_slot(t, cap, m->counters[i].api, m->counters[i].status) = m->counters[i];
    free(m->counters);
    m->counters = t;
    m->counter_cap = cap;
    return 0;
}

void gateway_metrics_request(gateway_metrics_t *m, const char *api, int status, double seconds)
{
    request_counter_t *slot = counter_slot(m->counters, m->counter_cap, api, status);
    if (!slot->api) {
        if ((m->counter_count + 1) * 2 > m->counter_cap) {
            if (counters_grow(m) < 0) return;
            slot = counter_slot(m->counters, m->counter_cap, api, status);
        }
        slot->api = strdup(api);
        if (!slot->api) return;
        slot->status = status;
        m->counter_count++;
    }
    slot->count++;
    for (size_t i = 0; i < BUCKETS; i++)
        if (seconds <= bucket_bounds[i]) {
            m->buckets[i]++;
            break;
        }
    m->latency_count++;
    m->latency_sum += seconds;
}

void gateway_metrics_set_config(gateway_metrics_t *m, bool loaded, uint64_t revision)
{
    m->config_loaded = loaded;
    m->config_revision = revision;
}

void gateway_metrics_reload(gateway_metrics_t *m, bool ok)
{
    if (ok) m->reloads_ok++;
    else m->reloads_failed++;
}

void gateway_metrics_set_source(gateway_metrics_t *m, const char *source)
{
    m->source = source;
}

void gateway_metrics_refused(gateway_metrics_t *m, const char *reason)
{
    for (size_t i = 0; i < REFUSED_REASON_COUNT; i++)
        if (strcmp(refused_reasons[i], reason) == 0) m->refused[i]++;
}

void gateway_metrics_totals(const gateway_metrics_t *m, uint64_t *requests, uint64_t *errors)
{
    *requests = *errors = 0;
    for (size_t i = 0; i < m->counter_cap; i++) {
        if (!m->counters[i].api) continue;
        *requests += m->counters[i].count;
        if (m->counters[i].status >= 500) *errors += m->counters[i].count;
    }
}

static int label_value(buf_t *out, const char *v)
{
    /* Prometheus text format: escape backslash, double quote and newline. */
    for (; *v; v++) {
        int rc = 0;
        if (*v == '\\') rc = buf_append(out, "\\\\", 2);
        else if (*v == '"') rc = buf_append(out, "\\\"", 2);
        else if (*v == '\n') rc = buf_append(out, "\\n", 2);
        else rc = buf_append(out, v, 1);
        if (rc < 0) return rc;
    }
    return 0;
}

void gateway_metrics_custom(gateway_metrics_t *m, const char *ns, const char *name, double value,
                            const char *const *dims, size_t dim_count)
{
    buf_t labels;
    buf_init(&labels);
    int rc = buf_append_cstr(&labels, "metric=\"");
    rc |= label_value(&labels, name ? name : "");
    rc |= buf_append_cstr(&labels, "\",namespace=\"");
    rc |= label_value(&labels, ns ? ns : "API Management");
    rc |= buf_append_cstr(&labels, "\"");
    for (size_t i = 0; i < dim_count; i++) {
        /* Prometheus label names are [a-zA-Z_][a-zA-Z0-9_]*: other characters become '_'. */
        rc |= buf_append_cstr(&labels, ",dim_");
        for (const char *p = dims[2 * i]; *p; p++) {
            char ch = *p;
            bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
            rc |= buf_append(&labels, ok ? &ch : "_", 1);
        }
        rc |= buf_append_cstr(&labels, "=\"");
        rc |= label_value(&labels, dims[2 * i + 1] ? dims[2 * i + 1] : "");
        rc |= buf_append_cstr(&labels, "\"");
    }
    rc |= buf_append(&labels, "", 1);
    if (rc < 0) {
        buf_free(&labels);
        return;
    }
    for (size_t i = 0; i < m->custom_count; i++)
        if (strcmp(m->custom[i].labels, labels.data) == 0) {
            m->custom[i].sum += value;
            m->custom[i].count++;
            buf_free(&labels);
            return;
        }
    if (m->custom_count >= GATEWAY_METRICS_MAX_CUSTOM) {
        m->custom_dropped++;
        buf_free(&labels);
        return;
    }
    custom_series_t *grown = realloc(m->custom, (m->custom_count + 1) * sizeof *grown);
    char *copy = strdup(labels.data);
    buf_free(&labels);
    if (!grown || !copy) {
        if (grown) m->custom = grown;
        free(copy);
        m->custom_dropped++;
        return;
    }
    m->custom = grown;
    m->custom[m->custom_count++] = (custom_series_t){copy, value, 1};
}

typedef struct {
    buf_t *out;
    int rc;
} origin_render_t;

static void render_origin(const char *origin, size_t idle, size_t active, void *ud)
{
    origin_render_t *r = ud;
    r->rc |= buf_append_cstr(r->out, "meridian_upstream_connections{origin=\"");
    r->rc |= label_value(r->out, origin);
    r->rc |= buf_printf(r->out, "\",state=\"idle\"} %zu\n", idle);
    r->rc |= buf_append_cstr(r->out, "meridian_upstream_connections{origin=\"");
    r->rc |= label_value(r->out, origin);
    r->rc |= buf_printf(r->out, "\",state=\"active\"} %zu\n", active);
}

int gateway_metrics_render(const gateway_metrics_t *m, const gateway_metrics_live_t *live, buf_t *out)
{
    int rc = 0;
    rc |= buf_append_cstr(out, "# HELP meridian_unit_info The unit's region and index.\n"
                               "# TYPE meridian_unit_info gauge\nmeridian_unit_info{region=\"");
    rc |= label_value(out, m->region);
    rc |= buf_printf(out, "\",unit=\"%d\"} 1\n", m->unit_index);

    rc |= buf_append_cstr(out, "# HELP meridian_requests_total Requests answered, by API and status.\n"
                               "# TYPE meridian_requests_total counter\n");
    for (size_t i = 0; i < m->counter_cap; i++) {
        const request_counter_t *c = &m->counters[i];
        if (!c->api) continue;
        rc |= buf_append_cstr(out, "meridian_requests_total{api=\"");
        rc |= label_value(out, c->api);
        rc |= buf_printf(out, "\",status=\"%d\"} %llu\n", c->status, (unsigned long long)c->count);
    }

    rc |= buf_append_cstr(out, "# HELP meridian_request_duration_seconds Time from request head to response end.\n"
                               "# TYPE meridian_request_duration_seconds histogram\n");
    uint64_t cumulative = 0;
    for (size_t i = 0; i < BUCKETS; i++) {
        cumulative += m->buckets[i];
        rc |= buf_printf(out, "meridian_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
                         bucket_bounds[i], (unsigned long long)cumulative);
    }
    rc |= buf_printf(out, "meridian_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                     (unsigned long long)m->latency_count);
    rc |= buf_printf(out, "meridian_request_duration_seconds_sum %.6f\n", m->latency_sum);
    rc |= buf_printf(out, "meridian_request_duration_seconds_count %llu\n",
                     (unsigned long long)m->latency_count);

    rc |= buf_append_cstr(out, "# HELP meridian_policy_metric Values emitted by emit-metric policies.\n"
                               "# TYPE meridian_policy_metric summary\n");
    for (size_t i = 0; i < m->custom_count; i++)
        rc |= buf_printf(out, "meridian_policy_metric_sum{%s} %.17g\nmeridian_policy_metric_count{%s} %llu\n",
                         m->custom[i].labels, m->custom[i].sum, m->custom[i].labels,
                         (unsigned long long)m->custom[i].count);
    rc |= buf_printf(out, "# HELP meridian_policy_metric_dropped_total emit-metric values dropped: too many series.\n"
                          "# TYPE meridian_policy_metric_dropped_total counter\n"
                          "meridian_policy_metric_dropped_total %llu\n",
                     (unsigned long long)m->custom_dropped);
    rc |= buf_append_cstr(out, "# HELP meridian_upstream_connections Backend connections by origin and state.\n"
                               "# TYPE meridian_upstream_connections gauge\n");
    if (live->pool) {
        origin_render_t r = {out, 0};
        upstream_pool_foreach_origin(live->pool, render_origin, &r);
        rc |= r.rc;
    }
    rc |= buf_printf(out,
                     "# HELP meridian_config_revision Revision of the configuration in use.\n"
                     "# TYPE meridian_config_revision gauge\nmeridian_config_revision %llu\n"
                     "# HELP meridian_config_loaded 1 while the unit serves with a configuration.\n"
                     "# TYPE meridian_config_loaded gauge\nmeridian_config_loaded %d\n"
                     "# HELP meridian_config_reloads_total Configuration loads by result.\n"
                     "# TYPE meridian_config_reloads_total counter\n"
                     "meridian_config_reloads_total{result=\"ok\"} %llu\n"
                     "meridian_config_reloads_total{result=\"failed\"} %llu\n"
                     "# HELP meridian_connections_active Open client connections.\n"
                     "# TYPE meridian_connections_active gauge\nmeridian_connections_active %zu\n"
                     "# HELP meridian_requests_in_flight Requests being handled.\n"
                     "# TYPE meridian_requests_in_flight gauge\nmeridian_requests_in_flight %zu\n"
                     "# HELP meridian_draining 1 while the unit drains before exiting.\n"
                     "# TYPE meridian_draining gauge\nmeridian_draining %d\n"
                     "# HELP meridian_access_log_dropped_total Access-log lines dropped because the log could not keep up.\n"
                     "# TYPE meridian_access_log_dropped_total counter\nmeridian_access_log_dropped_total %llu\n",
                     (unsigned long long)m->config_revision, m->config_loaded ? 1 : 0,
                     (unsigned long long)m->reloads_ok, (unsigned long long)m->reloads_failed,
                     live->connections_active, live->exchanges_active, live->draining ? 1 : 0,
                     (unsigned long long)live->access_log_dropped);
    if (m->source) {
        rc |= buf_append_cstr(out, "# HELP meridian_config_source 1 for where the configuration in use came from.\n"
                                   "# TYPE meridian_config_source gauge\n");
        for (size_t i = 0; i < sizeof source_names / sizeof source_names[0]; i++)
            rc |= buf_printf(out, "meridian_config_source{source=\"%s\"} %d\n", source_names[i],
                             strcmp(source_names[i], m->source) == 0);
        rc |= buf_append_cstr(out, "# HELP meridian_config_refused_total Snapshots refused, by reason.\n"
                                   "# TYPE meridian_config_refused_total counter\n");
        for (size_t i = 0; i < REFUSED_REASON_COUNT; i++)
            rc |= buf_printf(out, "meridian_config_refused_total{reason=\"%s\"} %llu\n",
                             refused_reasons[i], (unsigned long long)m->refused[i]);
    }
    return rc < 0 ? -1 : 0;
}
