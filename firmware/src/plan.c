/* Builds the fire plan at configure time, so the fire itself only waits and writes precomputed values. */
#include "plan.h"

#include "pins.h"

#define MAX_DELAY_US 1000000UL
#define MAX_LEAD_US 5000000UL
#define MAX_ASSERT_MS 5000u

static bool config_ok(const msg_configure_t *cfg)
{
    if (cfg->channel_mask & ~((1UL << CHANNELS) - 1))
        return false;
    if (cfg->max_assert_ms < 1 || cfg->max_assert_ms > MAX_ASSERT_MS)
        return false;
    uint32_t max_us = (uint32_t)cfg->max_assert_ms * 1000UL;
    if (cfg->pulse_us < 1 || cfg->pulse_us > max_us)
        return false;
    if (cfg->flash_pulse_us > max_us || cfg->flash_delay_us > MAX_DELAY_US)
        return false;
    if (cfg->focus_lead_us > MAX_LEAD_US)
        return false;
    for (uint8_t i = 0; i < CHANNELS; i++)
        if (cfg->delays_us[i] > MAX_DELAY_US)
            return false;
    return true;
}

static uint32_t stretch(uint32_t pulse)
{
    return pulse < PLAN_MIN_PULSE_TICKS ? PLAN_MIN_PULSE_TICKS : pulse;
}

struct edge {
    uint32_t at;
    uint32_t on, off; /* channel bits (FLASH_BIT for the flash) asserted / released at this time */
    int8_t group;     /* group asserted here, or -1 for a release */
};

/* Insertion sort, stable, so equal times keep the channel order (and the flash last). */
static void sort_edges(struct edge *e, uint8_t n)
{
    for (uint8_t i = 1; i < n; i++) {
        struct edge x = e[i];
        uint8_t j = i;
        while (j > 0 && e[j - 1].at > x.at) {
            e[j] = e[j - 1];
            j--;
        }
        e[j] = x;
    }
}

bool plan_configure(struct plan *p, const msg_configure_t *cfg)
{
    if (!config_ok(cfg))
        return false;

    uint32_t pulse = stretch(cfg->pulse_us * TICKS_PER_US);
    uint32_t group_at[MAX_GROUPS];
    uint32_t group_len[MAX_GROUPS];
    uint32_t group_mask[MAX_GROUPS];
    uint8_t n_groups = 0;

    for (uint8_t ch = 0; ch < CHANNELS; ch++) {
        if (!(cfg->channel_mask & (1UL << ch)))
            continue;
        uint32_t at = cfg->delays_us[ch] * TICKS_PER_US;
        uint8_t g = 0;
        while (g < n_groups && group_at[g] != at)
            g++;
        if (g == n_groups) {
            group_at[g] = at;
            group_len[g] = pulse;
            group_mask[g] = 0;
            n_groups++;
        }
        group_mask[g] |= 1UL << ch;
    }
    if (cfg->flash_pulse_us) {
        /* The flash is its own group even at a shutter group's time, so FIRED reports it apart. */
        group_at[n_groups] = cfg->flash_delay_us * TICKS_PER_US;
        group_len[n_groups] = stretch(cfg->flash_pulse_us * TICKS_PER_US);
        group_mask[n_groups] = FLASH_BIT;
        n_groups++;
    }

    /* Groups in time order (FIRED lists them so), then every assert and release in time order. */
    struct edge groups[MAX_GROUPS];
    for (uint8_t g = 0; g < n_groups; g++)
        groups[g] = (struct edge){group_at[g], group_mask[g], 0, (int8_t)g};
    sort_edges(groups, n_groups);

    struct edge edges[PLAN_MAX_EVENTS];
    uint8_t n_edges = 0;
    for (uint8_t g = 0; g < n_groups; g++) {
        uint8_t src = (uint8_t)groups[g].group;
        p->group_mask[g] = group_mask[src];
        edges[n_edges++] = (struct edge){group_at[src], group_mask[src], 0, (int8_t)g};
        edges[n_edges++] = (struct edge){group_at[src] + group_len[src], 0, group_mask[src], -1};
    }
    sort_edges(edges, n_edges);

    /* Edges close in time share one write. The fire needs about 2.4 us between two writes; an edge due
     * sooner than that after the previous write would be late, and a run of them later still. Joining
     * every edge due within PLAN_JOIN_TICKS of a write into it bounds the error to that window (early)
     * instead, and leaves writes at least 2.5 us apart. A release never joins the write that asserts the
     * same line (the pulse would vanish); PLAN_MIN_PULSE_TICKS makes sure it never has to. The fire keeps
     * writes closer than PLAN_BREAK_TICKS in one assembly run (see plan.h), so no write here is ever due
     * sooner after the previous one than the code that comes between them needs. */
    uint32_t state = 0;
    uint32_t asserted_here = 0;
    uint8_t n = 0;
    for (uint8_t i = 0; i < n_edges; i++) {
        if (n == 0 || edges[i].at - p->ev[n - 1].at > PLAN_JOIN_TICKS || (edges[i].off & asserted_here)) {
            p->ev[n].at = edges[i].at;
            n++;
            asserted_here = 0;
        }
        asserted_here |= edges[i].on;
        state = (state & ~edges[i].off) | edges[i].on;
        struct plan_event *ev = &p->ev[n - 1];
        ev->a = (uint8_t)state;
        ev->c = (uint8_t)(state >> 8);
        ev->l = (uint8_t)(state >> 16);
        ev->flash = (state & FLASH_BIT) ? (uint8_t)(1u << FLASH_PIN) : 0;
        if (edges[i].group >= 0)
            p->group_event[edges[i].group] = (uint8_t)(n - 1);
    }

    p->n_groups = n_groups;
    p->n_events = n;
    p->end = n ? p->ev[n - 1].at : 0;
    p->channel_mask = cfg->channel_mask;
    p->lead_ticks = cfg->focus_lead_us * TICKS_PER_US;
    p->max_assert_ticks = (uint32_t)cfg->max_assert_ms * 1000UL * TICKS_PER_US;
    for (uint8_t g = n_groups; g < MAX_GROUPS; g++)
        p->group_mask[g] = 0;
    return true;
}
