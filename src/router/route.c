/* Statuses and routing methods: see route.h. Section numbers are traffic-routing.md. */
#include "router/route.h"

#include "router/geoip.h"

#include <string.h>
#include <strings.h>

static const char *const status_names[] = {"CheckingEndpoint", "Online",   "Degraded",
                                           "Disabled",         "Stopped",  "Inactive",
                                           "Unmonitored"};

const char *router_status_name(router_status_t s)
{
    return (unsigned)s < sizeof status_names / sizeof status_names[0] ? status_names[s] : "?";
}

static bool is_eligible(router_status_t s)
{
    return s == ROUTER_ONLINE || s == ROUTER_CHECKING || s == ROUTER_UNMONITORED;
}

static bool is_candidate(router_status_t s)
{
    return s != ROUTER_STOPPED && s != ROUTER_DISABLED && s != ROUTER_INACTIVE;
}

static router_status_t status_at(const router_config_t *c, const router_endpoint_t *e,
                                 const router_status_t *probe, int depth);

/* Spec §3.7: the nested endpoint's status from its child's endpoints. */
static router_status_t nested_status(const router_config_t *c, const router_endpoint_t *e,
                                     const router_status_t *probe, int depth)
{
    const router_profile_t *child = &c->profiles[e->child];
    if (!child->is_enabled || depth >= ROUTER_MAX_NESTING) return ROUTER_STOPPED;
    unsigned online = 0, checking = 0, candidates = 0;
    for (size_t i = 0; i < child->endpoint_count; i++) {
        router_status_t s = status_at(c, child->endpoints[i], probe, depth + 1);
        if (!is_candidate(s)) continue;
        candidates++;
        if (s == ROUTER_ONLINE || s == ROUTER_UNMONITORED) online++;
        else if (s == ROUTER_CHECKING) checking++;
    }
    if (candidates == 0) return ROUTER_STOPPED; /* child Inactive */
    if (online >= e->min_child) return ROUTER_ONLINE;
    if (online + checking >= e->min_child) return ROUTER_CHECKING;
    return ROUTER_DEGRADED;
}

static router_status_t status_at(const router_config_t *c, const router_endpoint_t *e,
                                 const router_status_t *probe, int depth)
{
    if (!c->profiles[e->profile].is_enabled) return ROUTER_INACTIVE;
    if (!e->is_enabled) return ROUTER_DISABLED;
    if (e->child >= 0) return nested_status(c, e, probe, depth);
    if (e->always_serve) return ROUTER_UNMONITORED;
    return probe[e->index];
}

router_status_t router_endpoint_status(const router_config_t *c, const router_endpoint_t *e,
                                       const router_status_t *probe)
{
    return status_at(c, e, probe, 0);
}

const char *router_profile_status(const router_config_t *c, const router_profile_t *p,
                                  const router_status_t *probe)
{
    if (!p->is_enabled) return "Disabled";
    bool degraded = false, online = false, checking = false;
    for (size_t i = 0; i < p->endpoint_count; i++) {
        router_status_t s = router_endpoint_status(c, p->endpoints[i], probe);
        degraded |= s == ROUTER_DEGRADED;
        online |= s == ROUTER_ONLINE || s == ROUTER_UNMONITORED;
        checking |= s == ROUTER_CHECKING;
    }
    if (degraded) return "Degraded";
    if (online) return "Online";
    if (checking) return "CheckingEndpoints";
    return "Inactive";
}

/* splitmix64: a cheap, well-mixed sequence from the caller's entropy. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static unsigned family_bits(const router_range_t *r)
{
    if (r->prefix < 0) return router_addr_is_v4(&r->first) ? 32 : 128;
    return router_addr_is_v4(&r->first) ? (unsigned)(r->prefix - 96) : (unsigned)r->prefix;
}

typedef struct {
    const router_endpoint_t *e;
    router_status_t status;
} entry_t;

/* Insertion sort by key (lists are short: the endpoints of one profile). */
static void sort_by(entry_t *v, unsigned *key, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && key[j] < key[j - 1]; j--) {
            entry_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
            unsigned k = key[j];
            key[j] = key[j - 1];
            key[j - 1] = k;
        }
}

typedef struct {
    const router_config_t *c;
    const router_status_t *probe;
    const router_addr_t *client;
    uint64_t rng;
} ctx_t;

static void route_profile(ctx_t *x, const router_profile_t *p, int depth, router_choice_t *out);

/* Appends a chosen endpoint, expanding a nested one into its child's choice. */
static void append(ctx_t *x, const router_endpoint_t *e, int depth, router_choice_t *out)
{
    if (e->child < 0) {
        if (out->count < ROUTER_MAX_CHOICES) out->endpoints[out->count++] = e;
        return;
    }
    if (depth + 1 >= ROUTER_MAX_NESTING) return; /* loops are rejected at load; guard anyway */
    router_choice_t sub;
    route_profile(x, &x->c->profiles[e->child], depth + 1, &sub);
    if (sub.scope > out->scope) out->scope = sub.scope;
    for (size_t i = 0; i < sub.count && out->count < ROUTER_MAX_CHOICES; i++)
        out->endpoints[out->count++] = sub.endpoints[i];
}

static const router_endpoint_t *subnet_override(const router_profile_t *p, const entry_t *v,
                                                size_t n, const router_addr_t *client,
                                                unsigned *scope)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < v[i].e->subnet_count; k++)
            if (router_range_contains(&v[i].e->subnets[k], client)) {
                *scope = family_bits(&v[i].e->subnets[k]);
                return v[i].e;
            }
    (void)p;
    return NULL;
}

/* Spec §3.4: client codes most specific first, then WORLD; Disabled endpoints are skipped
 * by the candidate filter; a Stopped match answers NODATA; Degraded is still returned. */
static void route_geographic(ctx_t *x, const router_profile_t *p, entry_t *cand, size_t n,
                             router_choice_t *out, int depth)
{
    unsigned scope = 0;
    const router_endpoint_t *hit = subnet_override(p, cand, n, x->client, &scope);
    router_status_t hit_status = ROUTER_ONLINE;
    if (!hit) {
        /* The client's codes: the MaxMind DB when the router has one and knows the
         * address, else the location table; WORLD last either way. */
        const char *codes[ROUTER_GEO_CODES];
        const char *const *list = codes;
        size_t ncodes = 0;
        router_geo_location_t geo;
        if (x->c->geoip && router_geoip_locate(x->c->geoip, x->client, &geo)) {
            for (size_t k = 0; k < geo.code_count; k++) codes[k] = geo.codes[k];
            ncodes = geo.code_count;
            scope = geo.prefix;
        } else {
            const router_location_row_t *row = router_config_location(x->c, x->client);
            if (row) {
                scope = family_bits(&row->range);
                list = (const char *const *)row->codes;
                ncodes = row->code_count;
            }
        }
        for (size_t k = 0; k <= ncodes && !hit; k++) {
            const char *code = k < ncodes ? list[k] : "WORLD";
            for (size_t i = 0; i < n && !hit; i++)
                for (size_t g = 0; g < cand[i].e->geo_count; g++)
                    if (strcasecmp(cand[i].e->geo[g], code) == 0) {
                        hit = cand[i].e;
                        hit_status = cand[i].status;
                        break;
                    }
        }
    } else {
        for (size_t i = 0; i < n; i++)
            if (cand[i].e == hit) hit_status = cand[i].status;
    }
    out->scope = scope;
    if (!hit || hit_status == ROUTER_STOPPED) {
        out->result = ROUTER_NODATA;
        return;
    }
    if (!p->fail_open && !is_eligible(hit_status)) {
        out->result = ROUTER_NODATA;
        return;
    }
    append(x, hit, depth, out);
}

/* Spec §3.6: the endpoint whose ranges hold the client, else the one with no ranges. */
static void route_subnet(ctx_t *x, const router_profile_t *p, entry_t *cand, size_t n,
                         router_choice_t *out, int depth)
{
    unsigned scope = 0;
    const router_endpoint_t *hit = subnet_override(p, cand, n, x->client, &scope);
    for (size_t i = 0; i < n && !hit; i++)
        if (cand[i].e->subnet_count == 0) hit = cand[i].e;
    out->scope = scope;
    router_status_t s = ROUTER_ONLINE;
    for (size_t i = 0; i < n; i++)
        if (cand[i].e == hit) s = cand[i].status;
    if (!hit || s == ROUTER_STOPPED || (!p->fail_open && !is_eligible(s))) {
        out->result = ROUTER_NODATA;
        return;
    }
    append(x, hit, depth, out);
}

static void route_profile(ctx_t *x, const router_profile_t *p, int depth, router_choice_t *out)
{
    memset(out, 0, sizeof *out);
    out->result = ROUTER_ANSWER;
    if (!p->is_enabled) {
        out->result = ROUTER_NXDOMAIN;
        return;
    }
    /* mapped: every endpoint not Disabled (Geographic and Subnet match Stopped ones too,
     * then answer NODATA: spec §3.4); cand: the candidates of spec §2.2. */
    entry_t mapped[256], cand[256], pool[256];
    size_t nm = 0, nc = 0, np = 0, ndegraded = 0;
    for (size_t i = 0; i < p->endpoint_count && nc < 256; i++) {
        router_status_t s = status_at(x->c, p->endpoints[i], x->probe, depth);
        if (s != ROUTER_DISABLED && s != ROUTER_INACTIVE) mapped[nm++] = (entry_t){p->endpoints[i], s};
        if (!is_candidate(s)) continue;
        cand[nc++] = (entry_t){p->endpoints[i], s};
        if (is_eligible(s)) pool[np++] = cand[nc - 1];
        else if (s == ROUTER_DEGRADED) ndegraded++;
    }
    if (nc == 0) {
        /* Every endpoint Disabled (or Stopped): the profile is Inactive (spec §2.4). */
        out->result = ROUTER_NXDOMAIN;
        return;
    }
    if (p->method == ROUTER_GEOGRAPHIC) {
        route_geographic(x, p, mapped, nm, out, depth);
        goto done;
    }
    if (p->method == ROUTER_SUBNET) {
        route_subnet(x, p, mapped, nm, out, depth);
        goto done;
    }
    /* Spec §2.3: no eligible candidate but some Degraded → treat the Degraded as Online. */
    if (np == 0 && ndegraded && p->fail_open)
        for (size_t i = 0; i < nc; i++)
            if (cand[i].status == ROUTER_DEGRADED) pool[np++] = cand[i];
    if (np == 0) {
        out->result = ROUTER_NODATA;
        return;
    }
    unsigned key[256];
    switch (p->method) {
    case ROUTER_PRIORITY:
        for (size_t i = 0; i < np; i++) key[i] = pool[i].e->priority;
        sort_by(pool, key, np);
        break;
    case ROUTER_WEIGHTED: {
        /* Weighted random order without replacement (spec §3.2: random, not round robin). */
        for (size_t i = 0; i < np; i++) {
            uint64_t total = 0;
            for (size_t k = i; k < np; k++) total += pool[k].e->weight;
            uint64_t r = next_random(&x->rng) % total;
            size_t k = i;
            while (r >= pool[k].e->weight) r -= pool[k++].e->weight;
            entry_t t = pool[i];
            pool[i] = pool[k];
            pool[k] = t;
        }
        break;
    }
    case ROUTER_PERFORMANCE: {
        const router_latency_row_t *row = router_config_latency(x->c, x->client);
        unsigned scope = 0;
        const router_endpoint_t *over = subnet_override(p, pool, np, x->client, &scope);
        /* A client the latency table does not know, placed by the MaxMind DB: regions by
         * great-circle distance (km), the ones of unknown place after them. */
        router_point_t where;
        unsigned geo_prefix = 0;
        bool by_distance = !row && x->c->geoip && x->c->region_points &&
                           router_geoip_locate_point(x->c->geoip, x->client, &where, &geo_prefix);
        if (row && family_bits(&row->range) > scope && !over) scope = family_bits(&row->range);
        if (by_distance && geo_prefix > scope && !over) scope = geo_prefix;
        out->scope = scope;
        /* Regions closest first; unknown clients keep the regions' table order. Several
         * endpoints in one region: spread by a hash of the client address, so one client
         * stays on one endpoint (spec §3.3 "deterministic for a given client"). */
        uint64_t spread = 1469598103934665603ULL;
        for (int b = 0; b < 16; b++) spread = (spread ^ x->client->b[b]) * 1099511628211ULL;
        spread = next_random(&spread); /* FNV's high bits barely move with the last byte */
        for (size_t i = 0; i < np; i++) {
            int r = pool[i].e->region;
            unsigned rtt = row && r >= 0 ? row->rtt_ms[r] : UINT32_MAX - 1;
            if (!row && r >= 0) rtt = (unsigned)r;
            if (by_distance && r >= 0)
                rtt = x->c->region_points[r].is_known
                          ? (unsigned)router_point_distance_km(&where, &x->c->region_points[r])
                          : 100000u + (unsigned)r; /* past any distance on Earth */
            key[i] = pool[i].e == over ? 0 : rtt == UINT32_MAX ? UINT32_MAX : rtt + 1;
        }
        sort_by(pool, key, np);
        for (size_t i = 0; i < np;) {
            size_t j = i;
            while (j < np && key[j] == key[i]) j++;
            size_t span = j - i;
            if (span > 1) {
                size_t rot = (size_t)(spread % span);
                entry_t tmp[256];
                for (size_t k = 0; k < span; k++) tmp[k] = pool[i + (k + rot) % span];
                memcpy(pool + i, tmp, span * sizeof *tmp);
            }
            i = j;
        }
        break;
    }
    case ROUTER_MULTIVALUE:
        /* Fisher–Yates (spec §3.5); the DNS layer filters by family and keeps maxReturn. */
        for (size_t i = np; i > 1; i--) {
            size_t k = (size_t)(next_random(&x->rng) % i);
            entry_t t = pool[i - 1];
            pool[i - 1] = pool[k];
            pool[k] = t;
        }
        break;
    default:
        break;
    }
    for (size_t i = 0; i < np; i++) append(x, pool[i].e, depth, out);
done:
    if (out->result == ROUTER_ANSWER && out->count == 0) out->result = ROUTER_NODATA;
}

void router_route(const router_config_t *c, const router_profile_t *p, const router_status_t *probe,
                  const router_addr_t *client, uint64_t entropy, router_choice_t *out)
{
    ctx_t x = {.c = c, .probe = probe, .client = client, .rng = entropy};
    route_profile(&x, p, 0, out);
}
