/* project.c - the deterministic projection, SPEC sections 4 and 5.
 *
 * Two stages. prepare() turns the parameter vector into per-year arrays
 * (shares normalised, paths grown, effects e_t computed); it is linear in
 * the scenario's size. run_plans() then steps the population year by year
 * with the first N mitigations switched on: the unmitigated run is N = 0,
 * the mitigated run N = nmit, and the attribution runs the prefixes in
 * between (SPEC section 4, "Attribution"). No allocation, no strings. */
#include "hnb/project.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct hnb_work {
    int ns, years, nmit;
    /* prepared from the parameters */
    double keep[HNB_AGES]; /* 1 - cease[a] */
    double *pop0;        /* N_0, setting-major: [s * HNB_AGES + a] */
    double np_age[HNB_AGES];
    double *np_mix;      /* [s] */
    double *baseline;    /* B_t */
    double *unit_base;   /* place_funding + topup, [s] */
    double *inflation;   /* I_t[s], [t * ns + s] */
    double *capacity;    /* [t * ns + s], < 0 = unlimited */
    double *effect;      /* e_t, [i * years + t] */
    double *amount;      /* saving amount_t, [i * years + t] */
    double *trans_rate;  /* [rule] */
    /* fixed by the model: the ages transitions act at, rule by rule */
    int ntrans_ages, *trans_age, *trans_first, *trans_rules; /* CSR over ages */
    int nnew_ages, new_ages[HNB_AGES]; /* ages new plans start at (share > 0) */
    /* per run (first n_on mitigations on) */
    double *run_demand; /* [t] */
    double *run_mix;    /* [t * ns + s] */
    double *run_cap;    /* [t * ns + s] */
    double *run_unit;   /* [t * ns + s] */
    /* scratch */
    double *plans, *next; /* N and the year being built, [s * HNB_AGES + a] */
    double *out;         /* rates out of each setting at one age */
    double *pre;         /* one age's counts before its transitions */
    double *tmp_years[3];
};

static void *zalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) abort();
    return p;
}

hnb_work *hnb_work_create(const hnb_model *m)
{
    hnb_work *w = zalloc(1, sizeof *w);
    size_t ns = (size_t)(m->nsettings ? m->nsettings : 1), ys = (size_t)m->years;
    w->ns = m->nsettings;
    w->years = m->years;
    w->nmit = m->nmit;
    w->pop0 = zalloc(HNB_AGES * ns, sizeof(double));
    w->np_mix = zalloc(ns, sizeof(double));
    w->baseline = zalloc(ys, sizeof(double));
    w->unit_base = zalloc(ns, sizeof(double));
    w->inflation = zalloc(ys * ns, sizeof(double));
    w->capacity = zalloc(ys * ns, sizeof(double));
    w->effect = zalloc(ys * (size_t)(m->nmit + 1), sizeof(double));
    w->amount = zalloc(ys * (size_t)(m->nmit + 1), sizeof(double));
    w->trans_rate = zalloc((size_t)m->ntrans + 1, sizeof(double));
    w->run_demand = zalloc(ys, sizeof(double));
    w->run_mix = zalloc(ys * ns, sizeof(double));
    w->run_cap = zalloc(ys * ns, sizeof(double));
    w->run_unit = zalloc(ys * ns, sizeof(double));
    w->plans = zalloc(HNB_AGES * ns, sizeof(double));
    w->next = zalloc(HNB_AGES * ns, sizeof(double));
    w->out = zalloc(ns, sizeof(double));
    w->pre = zalloc(ns, sizeof(double));
    for (int i = 0; i < 3; i++) w->tmp_years[i] = zalloc(ys, sizeof(double));
    /* transitions grouped by age, in listed order within an age */
    w->trans_age = zalloc(HNB_AGES, sizeof(int));
    w->trans_first = zalloc(HNB_AGES + 1, sizeof(int));
    w->trans_rules = zalloc((size_t)m->ntrans * HNB_AGES + 1, sizeof(int));
    int k = 0;
    for (int a = 0; a < HNB_AGES; a++) {
        int start = k;
        for (int i = 0; i < m->ntrans; i++)
            if (m->trans[i].ages[a]) w->trans_rules[k++] = i;
        if (k > start) {
            w->trans_age[w->ntrans_ages] = a;
            w->trans_first[w->ntrans_ages++] = start;
        }
    }
    w->trans_first[w->ntrans_ages] = k;
    return w;
}

void hnb_work_free(hnb_work *w)
{
    if (!w) return;
    double *all[] = {w->pop0,     w->np_mix,     w->baseline,   w->unit_base, w->inflation,
                     w->capacity, w->effect,     w->amount,     w->trans_rate, w->run_demand,
                     w->run_mix,  w->run_cap,    w->run_unit,   w->plans,      w->next,       w->out,        w->pre,
                     w->tmp_years[0], w->tmp_years[1], w->tmp_years[2]};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) free(all[i]);
    free(w->trans_age);
    free(w->trans_first);
    free(w->trans_rules);
    free(w);
}

hnb_result *hnb_result_create(const hnb_model *m)
{
    hnb_result *r = zalloc(1, sizeof *r);
    size_t ys = (size_t)m->years, ns = (size_t)m->nsettings, nm = (size_t)m->nmit;
    r->years = m->years;
    r->nsettings = m->nsettings;
    r->nmit = m->nmit;
    double **series[] = {&r->ehcps,       &r->ehcps_unmitigated,
                         &r->new_plans,   &r->expenditure,
                         &r->mitigations, &r->income,
                         &r->grant,       &r->annual_gap,
                         &r->cumulative_deficit, &r->placements_unmitigated,
                         &r->placements_mitigated, &r->other,
                         &r->savings};
    for (size_t i = 0; i < sizeof series / sizeof *series; i++) *series[i] = zalloc(ys, sizeof(double));
    r->plans = zalloc(ys * ns, sizeof(double));
    r->unit_cost = zalloc(ys * ns, sizeof(double));
    r->cost = zalloc(ys * ns, sizeof(double));
    r->contribution = zalloc(ys * nm, sizeof(double));
    return r;
}

void hnb_result_free(hnb_result *r)
{
    if (!r) return;
    double *all[] = {r->ehcps,       r->ehcps_unmitigated, r->new_plans,
                     r->expenditure, r->mitigations,       r->income,
                     r->grant,       r->annual_gap,        r->cumulative_deficit,
                     r->placements_unmitigated, r->placements_mitigated, r->other,
                     r->savings,     r->plans,             r->unit_cost,
                     r->cost,        r->contribution};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) free(all[i]);
    free(r);
}

void hnb_result_label(const hnb_model *m, int t, char buf[8])
{
    hnb_year_label(m->start_year + t, buf);
}

/* ---- prepare ---- */

static double slot(const double *p, int i, double dflt)
{
    return i < 0 ? dflt : p[i];
}

/* Spread a set of shares over OUT[0..n) (ages or settings), divided by the
 * sum of its entries (SPEC section 2; after sampling, shares are scaled to
 * sum to 1 again). */
static void spread(const hnb_shares *s, const double *p, double *out, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++) out[i] = 0;
    for (int i = 0; i < s->n; i++) sum += p[s->p[i]];
    if (!(sum > 0)) return;
    for (int i = 0; i < s->n; i++) {
        double each = p[s->p[i]] / sum / (s->hi[i] - s->lo[i] + 1);
        for (int k = s->lo[i]; k <= s->hi[i]; k++) out[k] += each;
    }
}

/* amount_t of a money path (SPEC section 2). */
static void path_values(const hnb_path *path, const double *p, int years, double *out)
{
    for (int t = 0; t < years; t++) {
        if (path->named[t] >= 0)
            out[t] = p[path->named[t]];
        else
            out[t] = t == 0 ? 0 : out[t - 1] * (1 + slot(p, path->growth[t], 0));
    }
}

/* e_t of SPEC section 5. */
static double effect(const hnb_model *m, const hnb_mitigation *mt, const double *p, int t)
{
    int y = m->start_year + t;
    if (y < mt->start) return 0;
    double ramp = 1;
    if (mt->nramp > 0) {
        int k = y - mt->start;
        if (k > mt->nramp - 1) k = mt->nramp - 1;
        ramp = p[mt->ramp[k]];
    }
    return slot(p, mt->delivery, 1) * ramp;
}

static void prepare(const hnb_model *m, const double *p, hnb_work *w)
{
    int ns = m->nsettings, ys = m->years;
    for (int i = 0; i < m->nmit; i++) {
        const hnb_mitigation *mt = &m->mits[i];
        for (int t = 0; t < ys; t++) w->effect[i * ys + t] = effect(m, mt, p, t);
        if (mt->type == HNB_MIT_SAVING) path_values(&mt->amount, p, ys, &w->amount[i * ys]);
    }
    if (!m->bottom_up) return;
    for (int a = 0; a < HNB_AGES; a++) w->keep[a] = 1 - slot(p, m->cease[a], 0);
    if (m->pop_csv) {
        for (int a = 0; a < HNB_AGES; a++)
            for (int s = 0; s < ns; s++) w->pop0[s * HNB_AGES + a] = m->pop_csv[a * ns + s];
    } else {
        double age[HNB_AGES];
        spread(&m->pop_age, p, age, HNB_AGES);
        spread(&m->pop_mix, p, w->out, ns);
        double total = p[m->pop_total];
        for (int s = 0; s < ns; s++)
            for (int a = 0; a < HNB_AGES; a++) w->pop0[s * HNB_AGES + a] = total * age[a] * w->out[s];
    }
    spread(&m->np_age, p, w->np_age, HNB_AGES);
    w->nnew_ages = 0;
    for (int a = 0; a < HNB_AGES; a++)
        if (w->np_age[a] != 0) w->new_ages[w->nnew_ages++] = a;
    spread(&m->np_mix, p, w->np_mix, ns);
    w->baseline[0] = p[m->np_count];
    for (int t = 1; t < ys; t++)
        w->baseline[t] = w->baseline[t - 1] * (1 + slot(p, m->np_growth[t], 0));
    for (int s = 0; s < ns; s++) {
        const hnb_setting *st = &m->settings[s];
        double topup = 0;
        if (st->cost >= 0) {
            topup = p[st->cost];
        } else {
            double share[64], *sh = st->nbands <= 64 ? share : zalloc((size_t)st->nbands, sizeof *sh);
            spread(&st->band_shares, p, sh, st->nbands);
            for (int b = 0; b < st->nbands; b++) topup += sh[b] * p[st->tariff[b]];
            if (sh != share) free(sh);
        }
        w->unit_base[s] = slot(p, st->place_funding, 0) + topup;
        double index = 1;
        for (int t = 0; t < ys; t++) {
            if (t > 0) index *= 1 + slot(p, st->inflation[t], 0);
            w->inflation[t * ns + s] = index;
            w->capacity[t * ns + s] = st->capacity ? p[st->capacity[t]] : -1;
        }
    }
    for (int i = 0; i < m->ntrans; i++) w->trans_rate[i] = p[m->trans[i].rate];
}

/* ---- the population ---- */

/* The plans of one setting over all ages. Four running sums instead of one:
 * a single chain of 26 dependent additions was the projection's hot spot. */
static inline double sum_ages(const double *x)
{
    double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (int a = 0; a < 24; a += 4) {
        a0 += x[a];
        a1 += x[a + 1];
        a2 += x[a + 2];
        a3 += x[a + 3];
    }
    a0 += x[24];
    a1 += x[25];
    return (a0 + a1) + (a2 + a3);
}

/* The year tables of one run: what the first N_ON mitigations do to new
 * plans (demand factor, mix), capacities and unit costs (SPEC section 5),
 * worked out once per run so the year loop touches only arrays. */
static void run_tables(const hnb_model *m, const double *p, hnb_work *w, int n_on)
{
    const int ns = m->nsettings, ys = m->years;
    for (int t = 0; t < ys; t++) {
        w->run_demand[t] = 1;
        double *mix = &w->run_mix[t * ns];
        memcpy(mix, w->np_mix, sizeof(double) * (size_t)ns);
        for (int s = 0; s < ns; s++) {
            w->run_cap[t * ns + s] = w->capacity[t * ns + s];
            w->run_unit[t * ns + s] = w->unit_base[s] * w->inflation[t * ns + s];
        }
    }
    for (int i = 0; i < n_on; i++) {
        const hnb_mitigation *mt = &m->mits[i];
        const double *e = &w->effect[i * ys];
        switch (mt->type) {
        case HNB_MIT_DEMAND:
            for (int t = 0; t < ys; t++) w->run_demand[t] *= 1 - p[mt->reduction] * e[t];
            break;
        case HNB_MIT_MIX: /* in listed order, each on the mix the earlier ones left */
            for (int t = 0; t < ys; t++) {
                double *mix = &w->run_mix[t * ns];
                double move = p[mt->share] * e[t];
                if (move > mix[mt->from]) move = mix[mt->from];
                mix[mt->from] -= move;
                mix[mt->to] += move;
            }
            break;
        case HNB_MIT_CAPACITY:
            for (int t = 0; t < ys; t++) w->run_cap[t * ns + mt->setting] += p[mt->places] * e[t];
            break;
        case HNB_MIT_UNIT_COST:
            for (int t = 0; t < ys; t++)
                w->run_unit[t * ns + mt->setting] *= 1 - p[mt->reduction] * e[t];
            break;
        default:
            break;
        }
    }
}

/* Step the plans through the horizon with mitigations 0..n_on-1 switched on.
 * Writes placements_t, ehcps_t and NP_t; with DETAIL (non-NULL), also the
 * per-setting plans, unit costs and costs. */
static void run_plans(const hnb_model *m, const double *p, hnb_work *w, int n_on,
                      double *placements, double *ehcps, double *new_plans, hnb_result *detail)
{
    const int ns = m->nsettings, ys = m->years;
    double *N = w->plans, *next = w->next; /* N[s * HNB_AGES + a] */
    const double *restrict keep = w->keep;
    run_tables(m, p, w, n_on);
    memcpy(N, w->pop0, sizeof(double) * HNB_AGES * (size_t)ns);
    for (int t = 0; t < ys; t++) {
        if (t == 0) {
            new_plans[0] = w->baseline[0]; /* NP_0 = new_plans.count, already in N_0 */
        } else {
            /* 1-2. cessation, then ageing: age 25 ends, age 0 starts empty.
             * Built into the other buffer, so the loop has no carried dependence. */
            for (int s = 0; s < ns; s++) {
                const double *restrict from = &N[s * HNB_AGES];
                double *restrict row = &next[s * HNB_AGES];
                row[0] = 0;
                for (int a = 1; a < HNB_AGES; a++) row[a] = from[a - 1] * keep[a - 1];
            }
            double *swap = N;
            N = next;
            next = swap;
            /* 3. transitions: all rules at one age act at once on A[a] before any.
             * (Sampled rates out of one setting that sum above 1 are scaled to 1.) */
            for (int g = 0; g < w->ntrans_ages; g++) {
                int a = w->trans_age[g];
                const int *rule = &w->trans_rules[w->trans_first[g]];
                int nr = w->trans_first[g + 1] - w->trans_first[g];
                for (int k = 0; k < nr; k++) w->out[m->trans[rule[k]].from] = 0;
                for (int k = 0; k < nr; k++) w->out[m->trans[rule[k]].from] += w->trans_rate[rule[k]];
                double *pre = w->pre;
                for (int s = 0; s < ns; s++) pre[s] = N[s * HNB_AGES + a];
                for (int k = 0; k < nr; k++) {
                    const hnb_transition *tr = &m->trans[rule[k]];
                    double total = w->out[tr->from];
                    double rate = w->trans_rate[rule[k]] / (total > 1 ? total : 1);
                    double moved = rate * pre[tr->from];
                    N[tr->from * HNB_AGES + a] -= moved;
                    N[tr->to * HNB_AGES + a] += moved;
                }
            }
            /* 4. new plans: baseline times the demand factor; mix after mix mitigations */
            double np = w->baseline[t] * w->run_demand[t];
            new_plans[t] = np;
            const double *mix = &w->run_mix[t * ns];
            const double *restrict age_share = w->np_age;
            for (int s = 0; s < ns; s++) {
                double *restrict row = &N[s * HNB_AGES];
                double to_s = np * mix[s];
                if (to_s == 0) continue;
                for (int a = 0; a < HNB_AGES; a++) row[a] += to_s * age_share[a];
            }
            /* 5. capacity, in list order; overflow targets come later in the list */
            for (int s = 0; s < ns; s++) {
                double cap = w->run_cap[t * ns + s];
                if (cap < 0) continue;
                double *row = &N[s * HNB_AGES];
                double total = sum_ages(row);
                if (!(total > cap)) continue;
                double frac = (total - cap) / total;
                double *to = &N[m->settings[s].overflow * HNB_AGES];
                for (int a = 0; a < HNB_AGES; a++) {
                    double moved = row[a] * frac;
                    row[a] -= moved;
                    to[a] += moved;
                }
            }
        }
        /* 6. N_t = A; cost it */
        double spend = 0, count = 0;
        for (int s = 0; s < ns; s++) {
            double plans = sum_ages(&N[s * HNB_AGES]);
            double unit = w->run_unit[t * ns + s];
            spend += plans * unit;
            count += plans;
            if (detail) {
                detail->plans[t * ns + s] = plans;
                detail->unit_cost[t * ns + s] = unit;
                detail->cost[t * ns + s] = plans * unit;
            }
        }
        placements[t] = spend;
        ehcps[t] = count;
    }
}

void hnb_project(const hnb_model *m, const double *p, hnb_work *w, hnb_result *r, int flags)
{
    const int ys = m->years, nm = m->nmit;
    prepare(m, p, w);

    /* Money that does not depend on plans. */
    path_values(&m->grant, p, ys, r->grant);
    for (int t = 0; t < ys; t++) {
        r->income[t] = r->grant[t] + slot(p, m->transfers[t], 0);
        r->other[t] = 0;
        r->savings[t] = 0;
    }
    double *tmp = w->tmp_years[0];
    for (int i = 0; i < m->nincome; i++) {
        path_values(&m->income[i].path, p, ys, tmp);
        for (int t = 0; t < ys; t++) r->income[t] += tmp[t];
    }
    for (int i = 0; i < m->nother; i++) {
        path_values(&m->other[i].path, p, ys, tmp);
        for (int t = 0; t < ys; t++) r->other[t] += tmp[t];
    }
    for (int i = 0; i < nm; i++)
        if (m->mits[i].type == HNB_MIT_SAVING)
            for (int t = 0; t < ys; t++)
                r->savings[t] += w->amount[i * ys + t] * w->effect[i * ys + t];

    if (m->bottom_up) {
        int last = -1; /* the last mitigation that changes plans or unit costs */
        for (int i = 0; i < nm; i++)
            if (m->mits[i].type != HNB_MIT_SAVING) last = i;
        double *np_unmit = w->tmp_years[1];
        run_plans(m, p, w, 0, r->placements_unmitigated, r->ehcps_unmitigated, np_unmit,
                  last < 0 && (flags & HNB_PROJECT_DETAIL) ? r : NULL);
        if (flags & HNB_PROJECT_DETAIL) {
            /* Attribution: switch mitigations on one at a time, in listed order. */
            double *prev = w->tmp_years[2];
            memcpy(prev, r->placements_unmitigated, sizeof(double) * (size_t)ys);
            for (int i = 0; i < nm; i++) {
                if (m->mits[i].type == HNB_MIT_SAVING) {
                    for (int t = 0; t < ys; t++)
                        r->contribution[t * nm + i] = w->amount[i * ys + t] * w->effect[i * ys + t];
                    continue;
                }
                run_plans(m, p, w, i + 1, r->placements_mitigated, r->ehcps, r->new_plans,
                          i == last ? r : NULL);
                for (int t = 0; t < ys; t++) {
                    r->contribution[t * nm + i] = prev[t] - r->placements_mitigated[t];
                    prev[t] = r->placements_mitigated[t];
                }
            }
        } else if (last >= 0) {
            run_plans(m, p, w, last + 1, r->placements_mitigated, r->ehcps, r->new_plans, NULL);
        }
        if (last < 0) {
            memcpy(r->placements_mitigated, r->placements_unmitigated, sizeof(double) * (size_t)ys);
            memcpy(r->ehcps, r->ehcps_unmitigated, sizeof(double) * (size_t)ys);
            memcpy(r->new_plans, np_unmit, sizeof(double) * (size_t)ys);
        }
    } else {
        for (int t = 0; t < ys; t++) {
            r->placements_unmitigated[t] = r->placements_mitigated[t] = 0;
            r->ehcps[t] = r->ehcps_unmitigated[t] = r->new_plans[t] = 0;
        }
        if (flags & HNB_PROJECT_DETAIL)
            for (int i = 0; i < nm; i++)
                for (int t = 0; t < ys; t++)
                    r->contribution[t * nm + i] = w->amount[i * ys + t] * w->effect[i * ys + t];
    }

    /* SPEC section 4, "Mitigations are reported against the unmitigated plan". */
    double cum = slot(p, m->opening_deficit, 0);
    for (int t = 0; t < ys; t++) {
        r->expenditure[t] = r->placements_unmitigated[t] + r->other[t];
        r->mitigations[t] = r->placements_unmitigated[t] - r->placements_mitigated[t] + r->savings[t];
        r->annual_gap[t] = r->expenditure[t] - r->income[t] - r->mitigations[t];
        cum += r->annual_gap[t];
        r->cumulative_deficit[t] = cum;
    }
}
