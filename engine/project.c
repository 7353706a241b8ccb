/* project.c - the projection, SPEC sections 4 and 5.
 *
 * One projection, computed for up to HNB_LANES parameter vectors at once:
 * every array of the work space has the lane as its innermost index, so the
 * year loop's arithmetic runs across lanes in SIMD registers. A single run
 * is a batch of one. Each lane's arithmetic is the same whatever the other
 * lanes hold or how many there are (no reassociation, no FMA contraction:
 * -ffp-contract=off), so a Monte Carlo draw gives the same bits in any batch.
 *
 * Two stages. prepare() turns the parameter vectors into per-year arrays
 * (shares normalised, paths grown, effects e_t computed). run_plans() then
 * steps the population year by year with the first N mitigations switched
 * on: the unmitigated run is N = 0, the mitigated run N = nmit, and the
 * attribution runs the prefixes in between (SPEC section 4, "Attribution").
 * No allocation, no strings.
 *
 * Primary need (SPEC section 10) is a second dimension of the plans: the
 * projection steps cohorts, c = n * ns + s for need n and setting s, each
 * with its ages. Without needs there is one need, a cohort is a setting,
 * and every sum and product is the one v1 computed, in the same order. */
#include "hnb/project.h"
#include "hnb/mem.h"

#include "hnb/mem.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hnb/mem.h"

#define L HNB_LANES
#define A HNB_AGES

struct hnb_work {
    int ns, nn, nc, years, nmit; /* settings, need groups of this run (below), cohorts */
    /* Needs that no need-specific rule tells apart (no need cost, own mix,
     * need-filtered rule or mitigation of their own) move alike: a run
     * without detail steps them as one group, their shares added, so that
     * thirteen needs cost what one does when the scenario treats them alike.
     * Runs with detail step every need (per-need tables). nn is the groups
     * of the current mode: ngroups, or nneeds with detail. */
    int nneeds_all, ngroups, by_need;
    int *group;   /* need -> its group */
    int *rep;     /* group (or need, by_need) -> a need of it, for its rules */
    /* prepared from the parameters, lane innermost */
    double keep[A][L];   /* 1 - cease[a] */
    double cease[A][L];  /* cease[a] */
    double np_age[A][L]; /* new-plan age shares */
    double *pop0;        /* N_0: [(c * A + a) * L + l] */
    double *np_mix;      /* need n's setting mix for new plans: [c * L + l] */
    double *need_share;  /* new_plans.need_mix: [n * L + l] (1 without needs) */
    double *baseline;    /* B_t: [t * L + l] */
    double *unit_base;   /* place_funding + topup: [c * L + l] */
    double *inflation;   /* I_t[s]: [(t * ns + s) * L + l] */
    double *capacity;    /* [(t * ns + s) * L + l] */
    double *effect;      /* e_t: [(i * years + t) * L + l] */
    double *mit_value;   /* reduction, share or places of mitigation i: [i * L + l] */
    double *mit_apply;   /* what tables_apply() does with mitigation i in year t, worked out
                          * with e_t (so not again every batch when neither varies):
                          * 1 - value * e_t for a factor (demand, unit_cost, requests),
                          * value * e_t for a sum or a move (mix, capacity, assessment,
                          * cessation), e_t for a transition: [(i * years + t) * L + l] */
    int *uc_on;          /* tables_apply_upto()'s list of mitigations */
    double *trans_rate;  /* [rule * L + l] */
    double *trans_eff;   /* a rule's rate at one age for one need, scaled so that the rates
                          * out of a setting there sum to at most 1:
                          * [(CSR position * nn + n) * L + l] */
    int lanes_alike;     /* every lane has the same keep and np_age (run_plans) */
    double *grant, *income, *other, *savings; /* [t * L + l] */
    double *amount;      /* a saving's amount_t * e_t: [(i * years + t) * L + l] */
    double *paths;       /* money paths: grant, then incomes, then others, then with `dsg`
                          * the other blocks' gap: [(k * years + t) * L + l] */
    int *ramp_slot;      /* e_t's ramp slot: [i * years + t]; -1 ramp 1, -2 before the start */
    /* fixed by the model: the ages transitions act at, rule by rule. The
     * rules are the scenario's transitions, then its transition mitigations
     * (SPEC section 12), which act only in the runs that switch them on */
    int ntrans_ages, *trans_age, *trans_first, *trans_rules; /* CSR over ages */
    int nrules, ntm;     /* rules, of which transition mitigations */
    struct rule {
        int from, to;
        const unsigned char *needs; /* NULL: every need */
        int rate;                   /* slot */
        int tm;                     /* -1, or the transition mitigation's ordinal */
    } *rules;
    int *tm_mit;         /* transition mitigation ordinal -> mitigation index */
    double *run_ton;     /* a transition mitigation's e_t when on, else 0: [(t * ntm + j) * L + l] */
    /* cessation mitigations (section 12): per run, year, cohort and age,
     * when a run switches one on (cess_on); else keep[] serves every cohort */
    int has_cess, cess_on;
    double *run_cease;   /* cessation rate: [((t * nc + c) * A + a) * L + l] */
    double *run_keep;    /* 1 - min(1, run_cease), the same layout, made as a run starts */
    /* per run: the tables of the mitigations switched on */
    double *run_demand;  /* demand factor of every need: [t * L + l] */
    double *run_need;    /* need share times the need's own demand factor: [(t * nn + n) * L + l] */
    double *run_mix, *run_unit; /* [(t * nc + c) * L + l] */
    double *run_cap;     /* [(t * ns + s) * L + l] */
    /* scratch */
    double *plans, *next; /* the years, built in turn in one and the other (N_0 is read
                           * from pop0): [(c * A + a) * L + l] */
    double *tot;          /* per cohort: plans in it this year, [c * L + l] */
    double *lane_tmp;     /* prepare's scratch: a money path for every lane, or one lane's shares */
    /* hnb_work_vary(): which parts of the preparation depend on a slot that
     * varies between calls; the others were computed once, in every lane */
    int fixed_ready;
    unsigned char *redo; /* per prepared table instance (prep_list), in its order */
    double *plac_unmit, *plac_mit, *ehcps_unmit, *ehcps_mit, *np_unmit, *np_mit, *prev;
    double *sh_ehcps, *sh_np; /* the Shapley subsets' runs (scratch) */
    /* the pipeline (section 11): prepared per lane, [t * L + l] (sy, w0: [l]) */
    double *pl_req, *pl_cap, *pl_rate, pl_sy[L], pl_w0[L];
    double *run_q, *run_extra; /* per run: requests factor Q_t, extra capacity */
    double *pl_S;              /* the plans that start, S_t, of the run */
};

/* The money paths of w->paths, in order: the grant, the other incomes, the
 * other expenditure lines and, with `dsg`, the other blocks' annual gap. */
static int money_paths(const hnb_model *m)
{
    return 1 + m->nincome + m->nother + (m->dsg.given ? 1 : 0);
}

static const hnb_path *money_path(const hnb_model *m, int k)
{
    return k == 0                       ? &m->grant
           : k <= m->nincome            ? &m->income[k - 1].path
           : k <= m->nincome + m->nother ? &m->other[k - 1 - m->nincome].path
                                        : &m->dsg.in_year;
}


static void *zalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) hnb_oom();
    return p;
}

/* Whether needs A and B are told apart by any need-specific rule (SPEC
 * section 10): a need cost, a setting mix of their own, a need-filtered
 * transition, or a mitigation that names one of them. */
static int needs_differ(const hnb_model *m, int a, int b)
{
    for (int s = 0; s < m->nsettings; s++)
        if (m->need_cost[s * m->nneeds + a] != m->need_cost[s * m->nneeds + b]) return 1;
    if (m->mix_by_need[a].n || m->mix_by_need[b].n) return 1;
    for (int i = 0; i < m->ntrans; i++)
        if (m->trans[i].needs && m->trans[i].needs[a] != m->trans[i].needs[b]) return 1;
    for (int i = 0; i < m->nmit; i++)
        if (m->mits[i].need == a || m->mits[i].need == b) return 1;
    return 0;
}

static void need_groups(const hnb_model *m, hnb_work *w)
{
    w->ngroups = 0;
    for (int n = 0; n < w->nneeds_all; n++) {
        int g = -1;
        for (int k = 0; k < w->ngroups && g < 0 && m->nneeds; k++)
            if (!needs_differ(m, n, w->rep[k])) g = k;
        if (g < 0) {
            g = w->ngroups++;
            w->rep[g] = n;
        }
        w->group[n] = g;
    }
}

/* Lay the tables out by need (detail) or by group; a change of mode
 * discards what hnb_work_vary() prepared once. */
static void need_mode(const hnb_model *m, hnb_work *w, int by_need)
{
    by_need = by_need && w->ngroups < w->nneeds_all;
    if (by_need == w->by_need) return;
    w->by_need = by_need;
    w->nn = by_need ? w->nneeds_all : w->ngroups;
    w->nc = m->nsettings * w->nn;
    if (!by_need) need_groups(m, w); /* rep[] back to the groups' */
    else
        for (int n = 0; n < w->nneeds_all; n++) w->rep[n] = n;
    w->fixed_ready = 0;
}

/* The group (or need) of need N in the current mode. */
static inline int grp(const hnb_work *w, int n)
{
    return w->by_need ? n : w->group[n];
}

hnb_work *hnb_work_create(const hnb_model *m)
{
    hnb_work *w = zalloc(1, sizeof *w);
    size_t ns = (size_t)(m->nsettings ? m->nsettings : 1), ys = (size_t)m->years;
    size_t nn = (size_t)hnb_model_needs(m), nc = ns * nn;
    size_t nm = (size_t)m->nmit + 1;
    w->ns = m->nsettings;
    w->nneeds_all = (int)nn;
    w->group = zalloc(nn, sizeof(int));
    w->rep = zalloc(nn, sizeof(int));
    need_groups(m, w);
    w->by_need = 0;
    w->nn = w->ngroups;
    w->nc = m->nsettings * w->nn;
    w->years = m->years;
    w->nmit = m->nmit;
    w->pop0 = zalloc(A * nc * L, sizeof(double));
    w->np_mix = zalloc(nc * L, sizeof(double));
    w->need_share = zalloc(nn * L, sizeof(double));
    w->baseline = zalloc(ys * L, sizeof(double));
    w->unit_base = zalloc(nc * L, sizeof(double));
    w->inflation = zalloc(ys * ns * L, sizeof(double));
    w->capacity = zalloc(ys * ns * L, sizeof(double));
    w->effect = zalloc(nm * ys * L, sizeof(double));
    w->mit_value = zalloc(nm * L, sizeof(double));
    w->mit_apply = zalloc(nm * ys * L, sizeof(double));
    w->uc_on = zalloc(nm, sizeof(int));
    w->ntm = 0;
    for (int i = 0; i < m->nmit; i++) {
        w->ntm += m->mits[i].type == HNB_MIT_TRANSITION;
        w->has_cess |= m->mits[i].type == HNB_MIT_CESSATION;
    }
    w->nrules = m->ntrans + w->ntm;
    w->rules = zalloc((size_t)w->nrules + 1, sizeof *w->rules);
    w->tm_mit = zalloc((size_t)w->ntm + 1, sizeof(int));
    for (int i = 0; i < m->ntrans; i++)
        w->rules[i] = (struct rule){m->trans[i].from, m->trans[i].to, m->trans[i].needs, m->trans[i].rate, -1};
    for (int i = 0, j = 0; i < m->nmit; i++)
        if (m->mits[i].type == HNB_MIT_TRANSITION) {
            const hnb_mitigation *mt = &m->mits[i];
            w->rules[m->ntrans + j] = (struct rule){mt->from, mt->to, mt->needs, mt->rate, j};
            w->tm_mit[j++] = i;
        }
    w->run_ton = zalloc(ys * ((size_t)w->ntm + 1) * L, sizeof(double));
    if (w->has_cess) {
        w->run_cease = zalloc(ys * nc * A * L, sizeof(double));
        w->run_keep = zalloc(ys * nc * A * L, sizeof(double));
    }
    w->trans_rate = zalloc(((size_t)w->nrules + 1) * L, sizeof(double));
    w->trans_eff = zalloc(((size_t)w->nrules * A * nn + 1) * L, sizeof(double));
    w->grant = zalloc(ys * L, sizeof(double));
    w->income = zalloc(ys * L, sizeof(double));
    w->other = zalloc(ys * L, sizeof(double));
    w->savings = zalloc(ys * L, sizeof(double));
    w->amount = zalloc(nm * ys * L, sizeof(double));
    size_t npaths = (size_t)money_paths(m);
    w->paths = zalloc(npaths * ys * L, sizeof(double));

    w->ramp_slot = zalloc(nm * ys, sizeof(int));
    for (int i = 0; i < m->nmit; i++) {
        const hnb_mitigation *mt = &m->mits[i];
        for (int t = 0; t < m->years; t++) {
            int y = m->start_year + t, k = y - mt->start;
            w->ramp_slot[i * m->years + t] =
                y < mt->start ? -2 : mt->nramp > 0 ? mt->ramp[k < mt->nramp ? k : mt->nramp - 1] : -1;
        }
    }
    w->run_demand = zalloc(ys * L, sizeof(double));
    w->run_need = zalloc(ys * nn * L, sizeof(double));
    w->run_mix = zalloc(ys * nc * L, sizeof(double));
    w->run_cap = zalloc(ys * ns * L, sizeof(double));
    w->run_unit = zalloc(ys * nc * L, sizeof(double));
    w->plans = zalloc(A * nc * L, sizeof(double));
    w->next = zalloc(A * nc * L, sizeof(double));
    w->tot = zalloc(nc * L, sizeof(double));
    size_t tmp = ys * L + ns + A + 64 + nn;
    for (int s = 0; s < m->nsettings; s++)
        if ((size_t)m->settings[s].nbands > tmp) tmp = (size_t)m->settings[s].nbands;
    w->lane_tmp = zalloc(tmp, sizeof(double));
    w->redo = zalloc(nm + 3 * ns + 16, 1); /* prep_list's instances */
    double **series[] = {&w->plac_unmit, &w->plac_mit, &w->ehcps_unmit, &w->ehcps_mit,
                         &w->np_unmit,   &w->np_mit,   &w->prev,        &w->sh_ehcps,
                         &w->sh_np,      &w->pl_req,   &w->pl_cap,      &w->pl_rate,
                         &w->run_q,      &w->run_extra, &w->pl_S};
    for (size_t i = 0; i < sizeof series / sizeof *series; i++) *series[i] = zalloc(ys * L, sizeof(double));
    /* transitions grouped by age, in listed order within an age */
    w->trans_age = zalloc(A, sizeof(int));
    w->trans_first = zalloc(A + 1, sizeof(int));
    w->trans_rules = zalloc((size_t)w->nrules * A + 1, sizeof(int));
    int k = 0;
    for (int a = 0; a < A; a++) {
        int start = k;
        for (int i = 0; i < m->ntrans; i++)
            if (m->trans[i].ages[a]) w->trans_rules[k++] = i;
        for (int j = 0; j < w->ntm; j++)
            if (m->mits[w->tm_mit[j]].ages[a]) w->trans_rules[k++] = m->ntrans + j;
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
    double *all[] = {w->pop0,       w->np_mix,     w->baseline,   w->unit_base,  w->inflation,
                     w->capacity,   w->effect,     w->mit_value,  w->mit_apply,  w->trans_rate, w->trans_eff, w->grant,
                     w->income,     w->other,      w->savings,    w->amount,     w->run_demand,
                     w->run_mix,    w->run_cap,    w->run_unit,   w->plans,      w->next,
                     w->tot,        w->lane_tmp,   w->plac_unmit, w->plac_mit,
                     w->ehcps_unmit, w->ehcps_mit, w->np_unmit,   w->np_mit,     w->prev,
                     w->need_share, w->run_need, w->sh_ehcps, w->sh_np, w->pl_req, w->pl_cap,
                     w->pl_rate, w->run_q, w->run_extra, w->pl_S};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) free(all[i]);
    free(w->group);
    free(w->rep);
    free(w->rules);
    free(w->tm_mit);
    free(w->run_ton);
    free(w->run_cease);
    free(w->run_keep);
    free(w->redo);
    free(w->uc_on);
    free(w->paths);
    free(w->ramp_slot);
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
                         &r->savings, &r->stability_grant,
                         &r->central_funding, &r->other_blocks,
                         &r->dsg_deficit, &r->new_plans_unmitigated,
                         &r->requests, &r->concluded, &r->backlog, &r->decided};
    for (size_t i = 0; i < sizeof series / sizeof *series; i++) *series[i] = zalloc(ys, sizeof(double));
    r->plans_age = zalloc(ys * ns * A, sizeof(double));
    size_t nc = (size_t)hnb_model_cohorts(m);
    r->nneeds = m->nneeds;
    r->plans_need = zalloc(ys * nc, sizeof(double));
    r->unit_need = zalloc(ys * nc, sizeof(double));
    r->cost_need = zalloc(ys * nc, sizeof(double));
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
                     r->cost,        r->contribution,      r->stability_grant,
                     r->central_funding, r->other_blocks,  r->dsg_deficit,
                     r->plans_age,   r->plans_need,        r->unit_need,
                     r->cost_need,   r->new_plans_unmitigated, r->requests,
                     r->concluded,   r->backlog,           r->decided};
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

/* amount_t of a money path (SPEC section 2) for every lane: OUT[t * L + l]. */
static void path_values(const hnb_path *path, const double *const *p, int years, double *out)
{
    double v[L]; /* last year's, in registers rather than reloaded from OUT */
    for (int t = 0; t < years; t++) {
        const int named = path->named[t], growth = path->growth[t];
        for (int l = 0; l < L; l++) {
            if (named >= 0)
                v[l] = p[l][named];
            else
                v[l] = t == 0 ? 0 : v[l] * (1 + slot(p[l], growth, 0));
            out[t * L + l] = v[l];
        }
    }
}

/* The L parameter vectors P[0..L) into the work space. The lane is the
 * innermost loop, as in the year loop: the lanes' chains through the years
 * (growth, inflation) then run side by side instead of one after another.
 * After hnb_work_vary(), the parts that depend on no varying slot are
 * skipped: every lane already holds them. */
/* The prepared tables, one maker each (instance K of its kind: a
 * mitigation, a setting; 0 for the others). prepare() runs them all, or
 * after hnb_work_vary() only those whose output a varying slot can change;
 * hnb_work_vary() finds which by running the same list (prep_list), so the
 * two cannot disagree about what a table depends on. */

static void make_mitigation(const hnb_model *m, const double *const *p, hnb_work *w, int i)
{
    const int ys = m->years;
    const hnb_mitigation *mt = &m->mits[i];
    /* e_t of SPEC section 5: delivery times the ramp's value for year t
     * (w->ramp_slot, worked out once from the start year and the ramp) */
    double delivery[L];
    for (int l = 0; l < L; l++) delivery[l] = slot(p[l], mt->delivery, 1);
    for (int t = 0; t < ys; t++) {
        const int r = w->ramp_slot[i * ys + t];
        double *e = &w->effect[(i * ys + t) * L];
        if (r == -2)
            for (int l = 0; l < L; l++) e[l] = 0;
        else if (r >= 0)
            for (int l = 0; l < L; l++) e[l] = delivery[l] * p[l][r];
        else
            for (int l = 0; l < L; l++) e[l] = delivery[l] * 1;
    }
    int v = mt->type == HNB_MIT_MIX        ? mt->share
            : mt->type == HNB_MIT_CAPACITY || mt->type == HNB_MIT_ASSESSMENT ? mt->places
            : mt->type == HNB_MIT_CESSATION || mt->type == HNB_MIT_TRANSITION ? mt->rate
                                           : mt->reduction;
    for (int l = 0; l < L; l++) w->mit_value[i * L + l] = slot(p[l], v, 0);
    /* the same operations tables_apply() did on value and e_t, done here */
    const int factor = mt->type == HNB_MIT_DEMAND || mt->type == HNB_MIT_UNIT_COST || mt->type == HNB_MIT_REQUESTS;
    for (int t = 0; t < ys; t++) {
        const double *e = &w->effect[(i * ys + t) * L], *value = &w->mit_value[i * L];
        double *out = &w->mit_apply[(i * ys + t) * L];
        for (int l = 0; l < L; l++)
            out[l] = mt->type == HNB_MIT_TRANSITION ? e[l] : factor ? 1 - value[l] * e[l] : value[l] * e[l];
    }
    if (mt->type == HNB_MIT_SAVING) {
        double *tmp = w->lane_tmp;
        path_values(&mt->amount, p, ys, tmp);
        for (int k = 0; k < ys * L; k++) w->amount[i * ys * L + k] = tmp[k] * w->effect[i * ys * L + k];
    }
}

/* money that does not depend on plans: the paths, then their sums in the
 * same order every time */
static void make_money(const hnb_model *m, const double *const *p, hnb_work *w, int k)
{
    (void)k;
    const int ys = m->years, np = money_paths(m);
    for (int q = 0; q < np; q++) path_values(money_path(m, q), p, ys, &w->paths[(size_t)q * ys * L]);
    for (int t = 0; t < ys; t++)
        for (int l = 0; l < L; l++) {
            const size_t at = (size_t)t * L + l;
            double grant = w->paths[at], income = grant + slot(p[l], m->transfers[t], 0), other = 0;
            for (int i = 0; i < m->nincome; i++) income += w->paths[(size_t)(1 + i) * ys * L + at];
            for (int i = 0; i < m->nother; i++) other += w->paths[(size_t)(1 + m->nincome + i) * ys * L + at];
            w->grant[at] = grant;
            w->income[at] = income;
            w->other[at] = other;
        }
}

static void make_keep(const hnb_model *m, const double *const *p, hnb_work *w, int k)
{
    (void)k;
    for (int a = 0; a < A; a++)
        for (int l = 0; l < L; l++) {
            w->cease[a][l] = slot(p[l], m->cease[a], 0);
            w->keep[a][l] = 1 - w->cease[a][l];
        }
}

/* N_0 by cohort: from the CSV, or total x age share x mix x need mix; a
 * group's cohort the sum over its needs in list order */
static void make_population(const hnb_model *m, const double *const *p, hnb_work *w, int k)
{
    (void)k;
    const int ns = m->nsettings, nn = w->nn, nc = w->nc, nall = w->nneeds_all, ncall = ns * nall;
    double *tmp = w->lane_tmp;
    if (m->pop_csv) {
        for (int q = 0; q < nc * A * L; q++) w->pop0[q] = 0;
        for (int n = 0; n < nall; n++)
            for (int s = 0; s < ns; s++) {
                const int c = grp(w, n) * ns + s;
                for (int a = 0; a < A; a++)
                    for (int l = 0; l < L; l++) w->pop0[(c * A + a) * L + l] += m->pop_csv[a * ncall + n * ns + s];
            }
        return;
    }
    for (int l = 0; l < L; l++) {
        double *age = tmp, *mix = tmp + A, *need = tmp + A + ns;
        spread(&m->pop_age, p[l], age, A);
        spread(&m->pop_mix, p[l], mix, ns);
        double total = p[l][m->pop_total];
        if (!m->nneeds)
            for (int s = 0; s < ns; s++)
                for (int a = 0; a < A; a++) w->pop0[(s * A + a) * L + l] = total * age[a] * mix[s];
        else
            for (int s = 0; s < ns; s++) {
                spread(&m->pop_need[m->pop_need_each ? s : 0], p[l], need, nall);
                for (int q = 0; q < nn; q++)
                    for (int a = 0; a < A; a++) w->pop0[((q * ns + s) * A + a) * L + l] = 0;
                for (int n = 0; n < nall; n++)
                    for (int a = 0; a < A; a++)
                        w->pop0[((grp(w, n) * ns + s) * A + a) * L + l] += total * age[a] * mix[s] * need[n];
            }
    }
}

static void make_np_ages(const hnb_model *m, const double *const *p, hnb_work *w, int k)
{
    (void)k;
    for (int l = 0; l < L; l++) {
        spread(&m->np_age, p[l], w->lane_tmp, A);
        for (int a = 0; a < A; a++) w->np_age[a][l] = w->lane_tmp[a];
    }
}

/* need n's own setting mix where given, else new_plans.mix (a group's
 * needs share theirs) */
static void make_np_mix(const hnb_model *m, const double *const *p, hnb_work *w, int k)
{
    (void)k;
    const int ns = m->nsettings;
    for (int l = 0; l < L; l++)
        for (int n = 0; n < w->nn; n++) {
            const int r = w->rep[n];
            const hnb_shares *mx = m->nneeds && m->mix_by_need[r].n ? &m->mix_by_need[r] : &m->np_mix;
            spread(mx, p[l], w->lane_tmp, ns);
            for (int s = 0; s < ns; s++) w->np_mix[(n * ns + s) * L + l] = w->lane_tmp[s];
        }
}

static void make_need_share(const hnb_model *m, const double *const *p, hnb_work *w, int k)
{
    (void)k;
    for (int l = 0; l < L; l++) {
        if (!m->nneeds) {
            w->need_share[l] = 1;
            continue;
        }
        spread(&m->np_need, p[l], w->lane_tmp, w->nneeds_all);
        for (int q = 0; q < w->nn; q++) w->need_share[q * L + l] = 0;
        for (int n = 0; n < w->nneeds_all; n++) w->need_share[grp(w, n) * L + l] += w->lane_tmp[n];
    }
}

/* B_t, or with a pipeline (section 11) what does not depend on
 * mitigations: the requests' baseline, the capacity (-1 unlimited),
 * assess_rate x issue_rate */
static void make_new_plans(const hnb_model *m, const double *const *p, hnb_work *w, int k)
{
    (void)k;
    const int ys = m->years;
    if (m->pipeline.given) {
        const hnb_pipeline *pl = &m->pipeline;
        double rq[L];
        for (int l = 0; l < L; l++) {
            rq[l] = p[l][pl->requests];
            w->pl_sy[l] = slot(p[l], pl->same_year, 1);
            w->pl_w0[l] = slot(p[l], pl->backlog, 0);
        }
        for (int t = 0; t < ys; t++)
            for (int l = 0; l < L; l++) {
                if (t > 0) rq[l] *= 1 + slot(p[l], pl->growth[t], 0);
                w->pl_req[t * L + l] = rq[l];
                w->pl_cap[t * L + l] = pl->capacity ? p[l][pl->capacity[t]] : -1;
                w->pl_rate[t * L + l] = slot(p[l], pl->assess_rate[t], 1) * slot(p[l], pl->issue_rate[t], 1);
            }
        return;
    }
    double b[L];
    for (int l = 0; l < L; l++) w->baseline[l] = b[l] = p[l][m->np_count];
    for (int t = 1; t < ys; t++) {
        const int g = m->np_growth[t];
        for (int l = 0; l < L; l++) {
            b[l] *= 1 + slot(p[l], g, 0);
            w->baseline[t * L + l] = b[l];
        }
    }
}

/* setting S's place funding plus top-up, by need where need_cost says */
static void make_unit(const hnb_model *m, const double *const *p, hnb_work *w, int s)
{
    const int ns = m->nsettings;
    const hnb_setting *st = &m->settings[s];
    double *tmp = w->lane_tmp;
    for (int l = 0; l < L; l++) {
        double topup = 0;
        if (st->cost >= 0) {
            topup = p[l][st->cost];
        } else {
            spread(&st->band_shares, p[l], tmp, st->nbands);
            for (int k = 0; k < st->nbands; k++) topup += tmp[k] * p[l][st->tariff[k]];
        }
        for (int n = 0; n < w->nn; n++) {
            const int nc_slot = m->nneeds ? m->need_cost[s * m->nneeds + w->rep[n]] : -1;
            w->unit_base[(n * ns + s) * L + l] = slot(p[l], st->place_funding, 0) + (nc_slot >= 0 ? p[l][nc_slot] : topup);
        }
    }
}

static void make_inflation(const hnb_model *m, const double *const *p, hnb_work *w, int s)
{
    const int ns = m->nsettings, ys = m->years;
    const hnb_setting *st = &m->settings[s];
    double index[L];
    for (int l = 0; l < L; l++) index[l] = 1;
    for (int t = 0; t < ys; t++) {
        const int g = st->inflation[t];
        for (int l = 0; l < L; l++) {
            if (t > 0) index[l] *= 1 + slot(p[l], g, 0);
            w->inflation[(t * ns + s) * L + l] = index[l];
        }
    }
}

static void make_capacity(const hnb_model *m, const double *const *p, hnb_work *w, int s)
{
    const int ns = m->nsettings, ys = m->years;
    const hnb_setting *st = &m->settings[s];
    for (int t = 0; t < ys; t++)
        for (int l = 0; l < L; l++) w->capacity[(t * ns + s) * L + l] = st->capacity ? p[l][st->capacity[t]] : -1;
}

static void make_transition_rates(const hnb_model *m, const double *const *p, hnb_work *w, int k)
{
    (void)m, (void)k;
    for (int i = 0; i < w->nrules; i++)
        for (int l = 0; l < L; l++) w->trans_rate[i * L + l] = p[l][w->rules[i].rate];
}

typedef void (*prep_maker)(const hnb_model *, const double *const *, hnb_work *, int);
static const struct prep_table {
    prep_maker make;
    int per;   /* its instances: PER_ONE, one a mitigation, one a setting */
    int plans; /* only with settings (bottom-up) */
} prep_list[] = {
    {make_mitigation, 1, 0}, {make_money, 0, 0},    {make_keep, 0, 1},    {make_population, 0, 1},
    {make_np_ages, 0, 1},    {make_np_mix, 0, 1},   {make_need_share, 0, 1}, {make_new_plans, 0, 1},
    {make_unit, 2, 1},       {make_inflation, 2, 1}, {make_capacity, 2, 1}, {make_transition_rates, 0, 1},
};
enum { NPREP = sizeof prep_list / sizeof *prep_list };

static int prep_count(const hnb_model *m, const struct prep_table *t)
{
    if (t->plans && !m->bottom_up) return 0;
    return t->per == 1 ? m->nmit : t->per == 2 ? m->nsettings : 1;
}

/* Where the instances of MAKE's table start in w->redo. */
static int prep_at(const hnb_model *m, prep_maker make)
{
    int at = 0;
    for (int q = 0; q < NPREP && prep_list[q].make != make; q++) at += prep_count(m, &prep_list[q]);
    return at;
}

/* The L parameter vectors P[0..L) into the work space, table by table
 * (after hnb_work_vary(), the tables no varying slot changes are skipped:
 * every lane already holds them). The lane is the innermost loop, as in the
 * year loop: the lanes' chains through the years run side by side. */
static void prepare(const hnb_model *m, const double *const *p, hnb_work *w)
{
    const int ys = m->years, all = !w->fixed_ready;
    for (int q = 0, at = 0; q < NPREP; q++)
        for (int k = 0, n = prep_count(m, &prep_list[q]); k < n; k++, at++)
            if (all || w->redo[at]) prep_list[q].make(m, p, w, k);
    /* savings: the sum of the saving mitigations' amounts, always (cheap) */
    for (int k = 0; k < ys * L; k++) w->savings[k] = 0;
    for (int i = 0; i < m->nmit; i++)
        if (m->mits[i].type == HNB_MIT_SAVING)
            for (int k = 0; k < ys * L; k++) w->savings[k] += w->amount[i * ys * L + k];
}

/* ---- which tables depend on varying slots ---- */

/* Every prepared array, as spans of doubles: what a table maker may write.
 * ROW: for the arrays with a row per mitigation (mitigation i's at
 * [i * row, (i + 1) * row)), the row's length; else 0. */
static int prepared_spans(const hnb_model *m, hnb_work *w, double **ptr, size_t *len, size_t *row)
{
    const size_t ys = (size_t)m->years, ns = (size_t)(m->nsettings ? m->nsettings : 1);
    const size_t nn = (size_t)w->nneeds_all, nc = ns * nn, nm = (size_t)m->nmit + 1;
    const size_t npaths = (size_t)money_paths(m);
    int n = 0;
#define SPAN(p, count) (ptr[n] = (p), len[n] = (count), row[n] = 0, n++)
#define ROWS(p, each) (ptr[n] = (p), len[n] = nm * (each), row[n] = (each), n++)
    SPAN(&w->keep[0][0], (size_t)A * L);
    SPAN(&w->cease[0][0], (size_t)A * L);
    SPAN(&w->np_age[0][0], (size_t)A * L);
    SPAN(w->pop0, A * nc * L);
    SPAN(w->np_mix, nc * L);
    SPAN(w->need_share, nn * L);
    SPAN(w->baseline, ys * L);
    SPAN(w->unit_base, nc * L);
    SPAN(w->inflation, ys * ns * L);
    SPAN(w->capacity, ys * ns * L);
    ROWS(w->effect, ys * L);
    ROWS(w->mit_value, (size_t)L);
    ROWS(w->mit_apply, ys * L);
    SPAN(w->trans_rate, ((size_t)w->nrules + 1) * L);
    SPAN(w->grant, ys * L);
    SPAN(w->income, ys * L);
    SPAN(w->other, ys * L);
    ROWS(w->amount, ys * L);
    SPAN(w->paths, npaths * ys * L);
    SPAN(w->pl_req, ys * L);
    SPAN(w->pl_cap, ys * L);
    SPAN(w->pl_rate, ys * L);
    SPAN(w->pl_sy, (size_t)L);
    SPAN(w->pl_w0, (size_t)L);
#undef SPAN
#undef ROWS
    return n;
}

/* A table depends on the varying slots if its maker, run on the central
 * values with every varying slot moved (each by its own amount, so that a
 * set of shares does not scale back to itself), writes anything different.
 * Measured, not declared: a maker that reads a slot is seen to. What is
 * compared is every prepared array, except that mitigation i's maker
 * (which indexes the per-mitigation arrays by i alone) is compared on its
 * own rows of those: the check is linear in the number of mitigations,
 * not quadratic (4,000 mitigations took seconds). */
void hnb_work_vary(hnb_work *w, const hnb_model *m, const double *central,
                   const unsigned char *varies)
{
    w->fixed_ready = 0;
    const double *lanes_p[L];
    for (int l = 0; l < L; l++) lanes_p[l] = central;
    prepare(m, lanes_p, w);
    double *moved = malloc(sizeof(double) * ((size_t)m->nparams + 1));
    if (!moved) hnb_oom();
    for (int i = 0; i < m->nparams; i++)
        moved[i] = varies[i] ? central[i] * (1.1 + 0.07 * (i % 11)) + 0.013 * (1 + i % 7) : central[i];
    const double *lanes_m[L];
    for (int l = 0; l < L; l++) lanes_m[l] = moved;
    double *ptr[32];
    size_t len[32], row[32], total = 0;
    const int nspans = prepared_spans(m, w, ptr, len, row);
    for (int k = 0; k < nspans; k++) total += len[k];
    double *before = malloc(sizeof(double) * (total + 1));
    if (!before) hnb_oom();
    for (size_t k = 0, at = 0; k < (size_t)nspans; at += len[k], k++) memcpy(before + at, ptr[k], len[k] * sizeof(double));
    for (int q = 0, at = 0; q < NPREP; q++)
        for (int k = 0, n = prep_count(m, &prep_list[q]); k < n; k++, at++) {
            prep_list[q].make(m, lanes_m, w, k);
            const int one_mit = prep_list[q].per == 1; /* instance k is mitigation k */
            int differs = 0;
            for (size_t s = 0, o = 0; s < (size_t)nspans; o += len[s], s++) {
                size_t from = 0, count = len[s];
                if (one_mit && row[s]) {
                    from = (size_t)k * row[s];
                    count = row[s];
                }
                differs |= memcmp(before + o + from, ptr[s] + from, count * sizeof(double)) != 0;
                memcpy(ptr[s] + from, before + o + from, count * sizeof(double)); /* back to the central values */
            }
            w->redo[at] = (unsigned char)differs;
        }
    free(before);
    free(moved);
    w->fixed_ready = 1;
}

/* ---- the population ---- */

/* What the lanes share, worked out once a batch: whether every lane has the
 * same cessation rates and new-plan ages (run_plans then loads each once),
 * and each transition's rate scaled so that the rates out of one setting at
 * one age sum to at most 1 (sampled rates can sum above it). */
static void lanes_prepare(const hnb_model *m, hnb_work *w)
{
    (void)m;
    /* after hnb_work_vary(), fixed cessation and ages are in every lane */
    int alike = 1, fixed = w->fixed_ready && !w->redo[prep_at(m, make_keep)] && !w->redo[prep_at(m, make_np_ages)];
    for (int a = 0; a < A && alike && !fixed; a++)
        for (int l = 1; l < L; l++)
            alike &= !memcmp(&w->keep[a][l], &w->keep[a][0], sizeof(double)) &&
                     !memcmp(&w->np_age[a][l], &w->np_age[a][0], sizeof(double));
    w->lanes_alike = alike;
    for (int g = 0; g < w->ntrans_ages; g++) {
        const int first = w->trans_first[g], nr = w->trans_first[g + 1] - first;
        const int *rule = &w->trans_rules[first];
        for (int k = 0; k < nr; k++) {
            const struct rule *tk = &w->rules[rule[k]];
            for (int n = 0; n < w->nn; n++)
                for (int l = 0; l < L; l++) {
                    /* the rates out of its setting at this age for this need, in listed order
                     * (transition mitigations' in full, on or not: section 12) */
                    double total = 0;
                    for (int q = 0; q < nr; q++) {
                        const struct rule *tq = &w->rules[rule[q]];
                        if (tq->from == tk->from && (!tq->needs || tq->needs[w->rep[n]]))
                            total += w->trans_rate[rule[q] * L + l];
                    }
                    w->trans_eff[((first + k) * w->nn + n) * L + l] =
                        w->trans_rate[rule[k] * L + l] / (total > 1 ? total : 1);
                }
        }
    }
}

/* The lanes in vectors of four doubles (one AVX2 register, two SSE2 ones),
 * GCC's and Clang's vector types: every lane loop of the year is vector
 * code by construction, with no run-time overlap checks and no scalar
 * fallbacks. Element-wise IEEE arithmetic, so each lane's numbers are those
 * of scalar loops. V(p, h) is the h-th four of the L doubles at p; FOR_H
 * runs a statement over the L / 4 fours. */
#define VW 4
typedef double v4 __attribute__((vector_size(VW * sizeof(double)), aligned(sizeof(double)), may_alias));
typedef long long m4 __attribute__((vector_size(VW * sizeof(long long)), aligned(sizeof(double)), may_alias));
#define V(p, h) (*(v4 *)((p) + (h) * VW))
#define FOR_H for (int h = 0; h < L / VW; h++)
/* M ? A : B, lane by lane (M from a comparison: all ones or all zeros). */
#define PICK(m, a, b) ((v4)(((m4)(a) & (m)) | ((m4)(b) & ~(m))))

/* The year tables of a run: what the mitigations switched on do to new
 * plans (demand factor, mix), capacities and unit costs (SPEC section 5),
 * worked out before the run so the year loop touches only arrays.
 * tables_reset() gives the unmitigated tables; tables_apply() switches one
 * more mitigation on, so the runs of the attribution cost one mitigation's
 * work each, not the whole prefix again. */
HNB_CLONES static void tables_reset(const hnb_model *m, hnb_work *w)
{
    const int ns = m->nsettings, ys = m->years, nn = w->nn, nc = w->nc;
    const v4 one = {1, 1, 1, 1};
    for (int k = 0; k < ys * w->ntm * L; k++) w->run_ton[k] = 0;
    for (int k = 0; k < ys * L; k++) {
        w->run_q[k] = 1;
        w->run_extra[k] = 0;
    }
    w->cess_on = 0;
    for (int t = 0; t < ys; t++) {
        FOR_H V(&w->run_demand[t * L], h) = one;
        for (int n = 0; n < nn; n++) FOR_H V(&w->run_need[(t * nn + n) * L], h) = V(&w->need_share[n * L], h);
        for (int s = 0; s < ns; s++) {
            const int k = (t * ns + s) * L;
            FOR_H V(&w->run_cap[k], h) = V(&w->capacity[k], h);
        }
        for (int c = 0; c < nc; c++) {
            const int k = (t * nc + c) * L, s = c % ns;
            FOR_H {
                V(&w->run_mix[k], h) = V(&w->np_mix[c * L], h);
                V(&w->run_unit[k], h) = V(&w->unit_base[c * L], h) * V(&w->inflation[(t * ns + s) * L], h);
            }
        }
    }
}

HNB_CLONES static void tables_apply(const hnb_model *m, hnb_work *w, int i)
{
    const int ns = m->nsettings, ys = m->years, nn = w->nn, nc = w->nc;
    const hnb_mitigation *mt = &m->mits[i];
    /* the needs it acts on (section 10: without `need`, every need) */
    const int n0 = mt->need >= 0 ? grp(w, mt->need) : 0, n1 = mt->need >= 0 ? n0 + 1 : nn;
    int tm = 0; /* a transition mitigation's ordinal among them */
    if (mt->type == HNB_MIT_TRANSITION)
        while (w->tm_mit[tm] != i) tm++;
    for (int t = 0; t < ys; t++) {
        const double *f = &w->mit_apply[(i * ys + t) * L]; /* value * e_t, or 1 minus it */
        switch (mt->type) {
        case HNB_MIT_DEMAND:
            if (mt->need < 0)
                FOR_H V(&w->run_demand[t * L], h) *= V(f, h);
            else
                FOR_H V(&w->run_need[(t * nn + n0) * L], h) *= V(f, h);
            break;
        case HNB_MIT_MIX: /* in listed order, each on the mix the earlier ones left */
            for (int n = n0; n < n1; n++) {
                double *from = &w->run_mix[(t * nc + n * ns + mt->from) * L];
                double *to = &w->run_mix[(t * nc + n * ns + mt->to) * L];
                FOR_H {
                    const v4 want = V(f, h), have = V(from, h);
                    const v4 move = PICK((m4)(want > have), have, want);
                    V(from, h) = have - move;
                    V(to, h) += move;
                }
            }
            break;
        case HNB_MIT_CAPACITY:
            FOR_H V(&w->run_cap[(t * ns + mt->setting) * L], h) += V(f, h);
            break;
        case HNB_MIT_UNIT_COST:
            for (int n = n0; n < n1; n++)
                FOR_H V(&w->run_unit[(t * nc + n * ns + mt->setting) * L], h) *= V(f, h);
            break;
        case HNB_MIT_REQUESTS: /* requests received times (1 - reduction * e_t) */
            FOR_H V(&w->run_q[t * L], h) *= V(f, h);
            break;
        case HNB_MIT_ASSESSMENT: /* concluded-request capacity plus capacity * e_t */
            FOR_H V(&w->run_extra[t * L], h) += V(f, h);
            break;
        case HNB_MIT_TRANSITION: /* its rule acts with rate * e_t (trans_eff holds the rate) */
            FOR_H V(&w->run_ton[(t * w->ntm + tm) * L], h) = V(f, h);
            break;
        case HNB_MIT_CESSATION:
            /* cease[a] + increase * e_t for its ages, settings and needs; e_t acts on the
             * move into year t, from the ages of year t - 1 (section 12) */
            if (!w->cess_on) {
                for (int tt = 0; tt < ys; tt++)
                    for (int c = 0; c < nc; c++)
                        for (int a = 0; a < A; a++)
                            FOR_H V(&w->run_cease[((tt * nc + c) * A + a) * L], h) = V(w->cease[a], h);
                w->cess_on = 1;
            }
            if (t == 0) break;
            for (int c = 0; c < nc; c++) {
                const int s = c % ns, n = c / ns;
                if (mt->settings && !mt->settings[s]) continue;
                if (mt->needs && !mt->needs[w->rep[n]]) continue;
                for (int a = 0; a < A; a++)
                    if (mt->ages[a]) FOR_H V(&w->run_cease[((t * nc + c) * A + a) * L], h) += V(f, h);
            }
            break;
        default:
            break;
        }
    }
}

/* tables_apply() for mitigations 0 .. LAST in listed order (the Monte
 * Carlo's runs). A unit cost is a product of the unit_cost mitigations'
 * factors on its cohort and nothing else: each one's chain is multiplied
 * out in registers, the factors in listed order (the same bits as one
 * mitigation at a time), instead of a load and a store of every unit cost
 * for every mitigation. */
HNB_CLONES static void tables_apply_upto(const hnb_model *m, hnb_work *w, int last)
{
    const int ns = m->nsettings, ys = m->years, nc = w->nc;
    int nuc = 0;
    for (int i = 0; i <= last; i++) {
        if (m->mits[i].type != HNB_MIT_UNIT_COST) tables_apply(m, w, i);
        else nuc++;
    }
    if (nuc == 0) return;
    int *on = w->uc_on; /* the unit_cost mitigations on cohort c */
    for (int c = 0; c < nc; c++) {
        const int s = c % ns, n = c / ns;
        int k = 0;
        for (int i = 0; i <= last; i++) {
            const hnb_mitigation *mt = &m->mits[i];
            if (mt->type == HNB_MIT_UNIT_COST && mt->setting == s && (mt->need < 0 || grp(w, mt->need) == n))
                on[k++] = i;
        }
        if (k == 0) continue;
        /* four years at once: eight independent chains of products, not
         * one waiting on each multiply */
        for (int t0 = 0; t0 < ys; t0 += 4) {
            const int nt = ys - t0 < 4 ? ys - t0 : 4;
            v4 x[4][L / VW];
            for (int u = 0; u < nt; u++) FOR_H x[u][h] = V(&w->run_unit[((t0 + u) * nc + c) * L], h);
            for (int j = 0; j < k; j++) {
                const double *f = &w->mit_apply[(on[j] * ys + t0) * L];
                if (nt == 4)
                    for (int u = 0; u < 4; u++) FOR_H x[u][h] *= V(f + u * L, h);
                else
                    for (int u = 0; u < nt; u++) FOR_H x[u][h] *= V(f + u * L, h);
            }
            for (int u = 0; u < nt; u++) FOR_H V(&w->run_unit[((t0 + u) * nc + c) * L], h) = x[u][h];
        }
    }
}

/* The H-th four lanes of P into *X; with INV, lane 0's value in all four.
 * (Through a pointer: a vector return value is an ABI question for the
 * default clone, though this is always inlined.) */
static inline __attribute__((always_inline)) void lanes(v4 *x, const double *p, int h, int inv)
{
    if (inv)
        *x = (v4){p[0], p[0], p[0], p[0]};
    else
        *x = V(p, h);
}

/* One year's pass of SPEC steps 1, 2 and 4 for G settings at once (G is
 * 1 or 2, a constant once inlined): cessation, ageing (age 25 ends, age 0
 * starts empty) and the new plans, each setting's total accumulated on the
 * way. FROM[j] is last year's plans of the j-th setting, ROW[j] this year's.
 * Two settings share the loop so that their totals are four chains of
 * additions instead of two (each lane still adds its ages in order, so the
 * bits are those of one setting at a time). With INV, every lane has the
 * same cessation rates and new-plan ages (they do not vary between draws):
 * each is loaded once, for all lanes, instead of once per four. */
static inline __attribute__((always_inline)) void age_pass(const hnb_work *w, int G, int inv,
                                                           const double *const *from, double *const *row,
                                                           const v4 *np, const double *const *mix,
                                                           double *const *tot, const double *const *kp)
{
    if (kp) { /* a run with cessation mitigations: each cohort its own rates (section 12) */
        v4 to[2][L / VW], acc[2][L / VW];
        for (int j = 0; j < G; j++) FOR_H to[j][h] = np[h] * V(mix[j], h);
        for (int j = 0; j < G; j++) FOR_H acc[j][h] = V(row[j], h) = to[j][h] * V(w->np_age[0], h);
        for (int a = 1; a < A; a++)
            for (int j = 0; j < G; j++) FOR_H {
                    const v4 x = V(&from[j][(a - 1) * L], h) * V(&kp[j][(a - 1) * L], h) +
                                 to[j][h] * V(w->np_age[a], h);
                    V(&row[j][a * L], h) = x;
                    acc[j][h] += x;
                }
        for (int j = 0; j < G; j++) FOR_H V(tot[j], h) = acc[j][h];
        return;
    }
    v4 to[2][L / VW], acc[2][L / VW];
    for (int j = 0; j < G; j++) FOR_H to[j][h] = np[h] * V(mix[j], h);
    for (int j = 0; j < G; j++) FOR_H {
            v4 age;
            lanes(&age, w->np_age[0], h, inv);
            acc[j][h] = V(row[j], h) = to[j][h] * age;
        }
    for (int a = 1; a < A; a++) {
        v4 keep[L / VW], age[L / VW];
        FOR_H {
            lanes(&keep[h], w->keep[a - 1], h, inv);
            lanes(&age[h], w->np_age[a], h, inv);
        }
        for (int j = 0; j < G; j++) FOR_H {
                const v4 x = V(&from[j][(a - 1) * L], h) * keep[h] + to[j][h] * age[h];
                V(&row[j][a * L], h) = x;
                acc[j][h] += x;
            }
    }
    for (int j = 0; j < G; j++) FOR_H V(tot[j], h) = acc[j][h];
}

/* SPEC section 11 for the run the tables hold: requests, the backlog, the
 * requests concluded within capacity, the plans decided and, of those, the
 * plans that start (S_t, into w->pl_S). With DETAIL, the series of each lane. */
static void pipeline_run(const hnb_model *m, hnb_work *w, int nl, hnb_result *const *detail)
{
    const int ys = m->years;
    for (int l = 0; l < L; l++) {
        double backlog = w->pl_w0[l], before = 0;
        const double sy = w->pl_sy[l];
        for (int t = 0; t < ys; t++) {
            const int k = t * L + l;
            const double received = w->pl_req[k] * w->run_q[k], available = backlog + received;
            double concluded = available;
            if (w->pl_cap[k] >= 0) {
                const double cap = w->pl_cap[k] + w->run_extra[k];
                if (cap < concluded) concluded = cap;
            }
            backlog = available - concluded;
            const double decided = concluded * w->pl_rate[k];
            if (t == 0) before = decided; /* P_{-1} = P_0 */
            w->pl_S[k] = sy * decided + (1 - sy) * before;
            before = decided;
            if (detail && l < nl) {
                detail[l]->requests[t] = received;
                detail[l]->concluded[t] = concluded;
                detail[l]->backlog[t] = backlog;
                detail[l]->decided[t] = decided;
            }
        }
    }
}

/* Step the plans through the horizon with the mitigations the tables hold.
 * Writes placements_t, ehcps_t and NP_t ([t * L + l]); with DETAIL (non-NULL,
 * one result per lane), also the per-setting plans, unit costs and costs.
 *
 * The steps of SPEC section 4 are fused so that each year is one pass over
 * the plans: cessation, ageing and the new plans are written together, each
 * setting's total accumulated on the way; transitions (a few ages) and
 * capacity (only when exceeded) then correct the counts and the totals they
 * move. Transitions still act on the counts before new plans (recomputed
 * from last year's), so the arithmetic is SPEC's, in another order. */
HNB_CLONES static void run_plans(const hnb_model *m, hnb_work *w, int nl, double *placements,
                      double *ehcps, double *new_plans, hnb_result *const *detail)
{
    const int ns = m->nsettings, ys = m->years, inv = w->lanes_alike, nn = w->nn, nc = w->nc;
    const int cess = w->cess_on;
    const v4 zero = {0};
    const double *base = w->baseline;
    if (m->pipeline.given) {
        pipeline_run(m, w, nl, detail);
        base = w->pl_S;
    }
    if (cess) { /* keep = 1 - min(1, cease + the increases switched on) */
        const v4 one = {1, 1, 1, 1};
        for (int k = 0; k < ys * nc * A * L; k += VW) {
            const v4 c = *(v4 *)&w->run_cease[k];
            *(v4 *)&w->run_keep[k] = one - PICK((m4)(c > one), one, c);
        }
    }
    /* N_0 is read where it was prepared; the years are built in two buffers */
    const double *N = w->pop0, *next = NULL;
    double *built = NULL; /* N from year 1 on: w->plans or w->next */
    double *tot = w->tot;
    for (int t = 0; t < ys; t++) {
        if (t == 0) {
            /* NP_0 = new_plans.count, already in N_0 */
            FOR_H V(new_plans, h) = V(base, h);
            for (int c = 0; c < nc; c++) FOR_H {
                    v4 acc = zero;
                    for (int a = 0; a < A; a++) acc += V(&N[(c * A + a) * L], h);
                    V(&tot[c * L], h) = acc;
                }
        } else {
            /* 4. new plans: baseline times the demand factor; mix after mix
             * mitigations. With needs, NP_t[n] = B_t * D_t * need_share[n] * D_t[n]
             * (the demand mitigations of every need, then the need's own), and
             * new_plans_t their sum. */
            v4 np[L / VW];
            FOR_H np[h] = V(&base[t * L], h) * V(&w->run_demand[t * L], h);
            double *build = N == w->plans ? w->next : w->plans;
            v4 sum_np[L / VW];
            FOR_H sum_np[h] = zero;
            for (int n = 0; n < nn; n++) {
                v4 npn[L / VW];
                FOR_H {
                    npn[h] = np[h] * V(&w->run_need[(t * nn + n) * L], h);
                    sum_np[h] += npn[h];
                }
                const int c0 = n * ns;
                for (int s = 0; s < ns; s += 2) {
                    const int c = c0 + s;
                    const double *from[2] = {&N[c * A * L], &N[(c + 1) * A * L]};
                    double *row[2] = {&build[c * A * L], &build[(c + 1) * A * L]};
                    const double *mix[2] = {&w->run_mix[(t * nc + c) * L], &w->run_mix[(t * nc + c + 1) * L]};
                    double *to[2] = {&tot[c * L], &tot[(c + 1) * L]};
                    if (cess) {
                        const double *kp[2] = {&w->run_keep[((t * nc + c) * A) * L],
                                               &w->run_keep[((t * nc + c + (s + 1 < ns)) * A) * L]};
                        age_pass(w, s + 1 < ns ? 2 : 1, 0, from, row, npn, mix, to, kp);
                    } else if (s + 1 < ns) {
                        if (inv) age_pass(w, 2, 1, from, row, npn, mix, to, NULL);
                        else age_pass(w, 2, 0, from, row, npn, mix, to, NULL);
                    } else {
                        if (inv) age_pass(w, 1, 1, from, row, npn, mix, to, NULL);
                        else age_pass(w, 1, 0, from, row, npn, mix, to, NULL);
                    }
                }
            }
            /* one need: its share is 1, so the sum is NP_t itself */
            FOR_H V(&new_plans[t * L], h) = nn == 1 ? np[h] : sum_np[h];
            next = N; /* last year's plans, for the transitions */
            N = built = build;
        }
        if (t > 0) {
            double *const Nw = built; /* this year's, to correct */
            /* 3. transitions: all rules at one age act at once on A[a] before
             * any, and before the new plans: A[a] = last year's a-1 times keep.
             * (Sampled rates out of one setting that sum above 1 are scaled to 1.)
             * Need by need, the rules that act on that need. */
            for (int g = 0; g < w->ntrans_ages; g++) {
                const int a = w->trans_age[g];
                if (a == 0) continue; /* A[0] is empty until the new plans: nothing moves */
                const int first = w->trans_first[g], nr = w->trans_first[g + 1] - first;
                const int *rule = &w->trans_rules[first];
                for (int n = 0; n < nn; n++) {
                    const int c0 = n * ns;
                    FOR_H for (int k = 0; k < nr; k++) {
                            const struct rule *tr = &w->rules[rule[k]];
                            if (tr->needs && !tr->needs[w->rep[n]]) continue;
                            const int f = c0 + tr->from, to = c0 + tr->to;
                            const v4 keep = cess ? V(&w->run_keep[((t * nc + f) * A + a - 1) * L], h)
                                                 : V(w->keep[a - 1], h);
                            const v4 pre = V(&next[(f * A + a - 1) * L], h) * keep;
                            v4 moved = V(&w->trans_eff[((first + k) * nn + n) * L], h) * pre;
                            if (tr->tm >= 0) /* a transition mitigation: rate * e_t, 0 when off */
                                moved *= V(&w->run_ton[(t * w->ntm + tr->tm) * L], h);
                            V(&Nw[(f * A + a) * L], h) -= moved;
                            V(&Nw[(to * A + a) * L], h) += moved;
                            V(&tot[f * L], h) -= moved;
                            V(&tot[to * L], h) += moved;
                        }
                }
            }
            /* 5. capacity, in list order; overflow targets come later in the list.
             * All lanes in one pass over the ages (a lane under its capacity
             * moves 0), so that the sums of what moves are independent chains.
             * T counts every need of the setting; the same fraction of each
             * moves, need by need, to the overflow setting. */
            for (int s = 0; s < ns; s++) {
                if (!m->settings[s].capacity) continue;
                const int o = m->settings[s].overflow;
                v4 frac[L / VW];
                long long moves = 0;
                FOR_H {
                    v4 total = V(&tot[s * L], h);
                    for (int n = 1; n < nn; n++) total += V(&tot[(n * ns + s) * L], h);
                    const v4 cap = V(&w->run_cap[(t * ns + s) * L], h);
                    const m4 over = (m4)(total > cap);
                    for (int l = 0; l < VW; l++) moves |= over[l];
                    frac[h] = PICK(over, (total - cap) / total, zero);
                }
                if (!moves) continue; /* nothing moves in any lane */
                for (int n = 0; n < nn; n++) {
                    const int cs = n * ns + s, co = n * ns + o;
                    v4 sum[L / VW];
                    FOR_H sum[h] = zero;
                    for (int a = 0; a < A; a++) FOR_H {
                            const v4 moved = V(&Nw[(cs * A + a) * L], h) * frac[h];
                            V(&Nw[(cs * A + a) * L], h) -= moved;
                            V(&Nw[(co * A + a) * L], h) += moved;
                            sum[h] += moved;
                        }
                    FOR_H {
                        V(&tot[cs * L], h) -= sum[h];
                        V(&tot[co * L], h) += sum[h];
                    }
                }
            }
        }
        /* 6. N_t = A; cost it */
        FOR_H {
            v4 spend = zero, count = zero;
            for (int c = 0; c < nc; c++) {
                const v4 plans = V(&tot[c * L], h);
                spend += plans * V(&w->run_unit[(t * nc + c) * L], h);
                count += plans;
            }
            V(&placements[t * L], h) = spend;
            V(&ehcps[t * L], h) = count;
        }
        if (detail) {
            for (int c = 0; c < nc; c++)
                for (int l = 0; l < nl; l++) {
                    double plans = tot[c * L + l], unit = w->run_unit[(t * nc + c) * L + l];
                    detail[l]->plans_need[t * nc + c] = plans;
                    detail[l]->unit_need[t * nc + c] = unit;
                    detail[l]->cost_need[t * nc + c] = plans * unit;
                }
            for (int s = 0; s < ns; s++)
                for (int l = 0; l < nl; l++) {
                    hnb_result *r = detail[l];
                    double plans = tot[s * L + l], unit = w->run_unit[(t * nc + s) * L + l], cost;
                    if (nn == 1) {
                        cost = plans * unit;
                    } else {
                        /* summed over needs; the unit cost their average (section 10),
                         * weighted by new_plans.need_mix where the setting is empty */
                        cost = r->cost_need[t * nc + s];
                        for (int n = 1; n < nn; n++) {
                            plans += tot[(n * ns + s) * L + l];
                            cost += r->cost_need[t * nc + n * ns + s];
                        }
                        if (plans > 0) {
                            unit = cost / plans;
                        } else {
                            unit = 0;
                            for (int n = 0; n < nn; n++)
                                unit += w->need_share[n * L + l] * w->run_unit[(t * nc + n * ns + s) * L + l];
                        }
                    }
                    r->plans[t * ns + s] = plans;
                    r->unit_cost[t * ns + s] = unit;
                    r->cost[t * ns + s] = cost;
                    for (int a = 0; a < A; a++) {
                        double x = N[(s * A + a) * L + l];
                        for (int n = 1; n < nn; n++) x += N[((n * ns + s) * A + a) * L + l];
                        r->plans_age[(t * ns + s) * A + a] = x;
                    }
                }
        }
    }
}

/* SPEC section 12: each mitigation's contribution as its Shapley value
 * over the K that are not savings, exactly: placements_t with every subset
 * S of them on (in listed order, as mix mitigations need), then
 *   phi_i = sum over S without i of |S|! (K - |S| - 1)! / K! (f(S) - f(S + i)),
 * gathered subset by subset: f(S) adds with weight w(|S|) to each i outside
 * S and subtracts with weight w(|S| - 1) from each i inside it. Savings keep
 * amount_t * e_t. Overwrites the ordered contributions of the others. */
static void shapley(const hnb_model *m, hnb_work *w, int nl, hnb_result *const *r)
{
    const int ys = m->years, nm = m->nmit;
    int idx[HNB_SHAPLEY_MAX], k = 0;
    for (int i = 0; i < nm && k < HNB_SHAPLEY_MAX; i++)
        if (m->mits[i].type != HNB_MIT_SAVING) idx[k++] = i;
    if (k == 0) return;
    double wt[HNB_SHAPLEY_MAX]; /* s! (k - 1 - s)! / k! = 1 / (k * C(k - 1, s)) */
    for (int s = 0; s < k; s++) {
        double choose = 1;
        for (int j = 1; j <= s; j++) choose = choose * (k - j) / j;
        wt[s] = 1 / (k * choose);
    }
    for (int j = 0; j < k; j++)
        for (int t = 0; t < ys; t++)
            for (int l = 0; l < nl; l++) r[l]->contribution[t * nm + idx[j]] = 0;
    for (unsigned mask = 0; mask < 1u << k; mask++) {
        tables_reset(m, w);
        int size = 0;
        for (int j = 0; j < k; j++)
            if (mask >> j & 1) {
                tables_apply(m, w, idx[j]);
                size++;
            }
        run_plans(m, w, nl, w->prev, w->sh_ehcps, w->sh_np, NULL);
        for (int j = 0; j < k; j++) {
            const int in = mask >> j & 1;
            const double g = in ? -wt[size - 1] : wt[size];
            for (int t = 0; t < ys; t++)
                for (int l = 0; l < nl; l++) r[l]->contribution[t * nm + idx[j]] += g * w->prev[t * L + l];
        }
    }
}

/* Prepare the lanes and run the projections: the runs' series in w's
 * arrays (and with DETAIL, the per-setting detail and attribution in R). */
static void project_lanes(const hnb_model *m, const double *const *p, int nl, hnb_work *w,
                          hnb_result *const *r, int flags)
{
    const int ys = m->years, nm = m->nmit;
    /* Every lane is computed (fixed-length loops vectorise); unused lanes
     * repeat the first vector and are not reported. */
    const double *lanes_p[L];
    for (int l = 0; l < L; l++) lanes_p[l] = p[l < nl ? l : 0];
    int detail = flags & HNB_PROJECT_DETAIL;
    need_mode(m, w, detail != 0);
    prepare(m, lanes_p, w);
    if (m->bottom_up) lanes_prepare(m, w);

    if (m->bottom_up) {
        int last = -1; /* the last mitigation that changes plans or unit costs */
        for (int i = 0; i < nm; i++)
            if (m->mits[i].type != HNB_MIT_SAVING) last = i;
        tables_reset(m, w);
        run_plans(m, w, nl, w->plac_unmit, w->ehcps_unmit, w->np_unmit,
                  last < 0 && detail ? r : NULL);
        if (detail) {
            /* Attribution: switch mitigations on one at a time, in listed order. */
            memcpy(w->prev, w->plac_unmit, sizeof(double) * (size_t)ys * L);
            for (int i = 0; i < nm; i++) {
                if (m->mits[i].type == HNB_MIT_SAVING) {
                    for (int t = 0; t < ys; t++)
                        for (int l = 0; l < nl; l++)
                            r[l]->contribution[t * nm + i] = w->amount[(i * ys + t) * L + l];
                    continue;
                }
                tables_apply(m, w, i);
                run_plans(m, w, nl, w->plac_mit, w->ehcps_mit, w->np_mit, i == last ? r : NULL);
                for (int t = 0; t < ys; t++)
                    for (int l = 0; l < nl; l++) {
                        r[l]->contribution[t * nm + i] = w->prev[t * L + l] - w->plac_mit[t * L + l];
                        w->prev[t * L + l] = w->plac_mit[t * L + l];
                    }
            }
            if (flags & HNB_PROJECT_SHAPLEY) shapley(m, w, nl, r);
            for (int l = 0; l < nl; l++) r[l]->shapley = (flags & HNB_PROJECT_SHAPLEY) != 0;
        } else if (last >= 0) {
            tables_apply_upto(m, w, last);
            run_plans(m, w, nl, w->plac_mit, w->ehcps_mit, w->np_mit, NULL);
        }
        if (last < 0) {
            memcpy(w->plac_mit, w->plac_unmit, sizeof(double) * (size_t)ys * L);
            memcpy(w->ehcps_mit, w->ehcps_unmit, sizeof(double) * (size_t)ys * L);
            memcpy(w->np_mit, w->np_unmit, sizeof(double) * (size_t)ys * L);
        }
    } else {
        for (int k = 0; k < ys * L; k++)
            w->plac_unmit[k] = w->plac_mit[k] = w->ehcps_unmit[k] = w->ehcps_mit[k] =
                w->np_mit[k] = 0;
        if (detail)
            for (int i = 0; i < nm; i++)
                for (int t = 0; t < ys; t++)
                    for (int l = 0; l < nl; l++)
                        r[l]->contribution[t * nm + i] = w->amount[(i * ys + t) * L + l];
    }

}

/* ---- the deficit: SPEC section 4, and section 13's regime ---- */

int hnb_series_count(const hnb_model *m)
{
    return HNB_SERIES_STABILITY_GRANT + (m->regime.given ? 2 : 0) + (m->dsg.given ? 1 : 0);
}

int hnb_series_pos(const hnb_model *m, int id)
{
    if (id < HNB_SERIES_STABILITY_GRANT) return id;
    if (id == HNB_SERIES_DSG_DEFICIT)
        return m->dsg.given ? HNB_SERIES_STABILITY_GRANT + (m->regime.given ? 2 : 0) : -1;
    return m->regime.given ? id : -1;
}

/* One lane's cumulative deficit under SPEC section 13, from its annual
 * gaps GAP[t * GS] (P the lane's parameters, IN_YEAR[t * L] the other
 * blocks' gaps, read only with `dsg`): writes CUM, GRANT, CENTRAL, OTHER and
 * DSG at [t * GS] (any but CUM may be NULL). The grant is paid in year t_p
 * on the deficit at the end of t_c < t_p, so the eligible deficit is known
 * by the time it is paid; it is measured on the series as they stand
 * there, central funding of earlier years included. */
static void ledger(const hnb_model *m, const double *p, const double *in_year, const double *gap,
                   size_t gs, double *cum, double *grant, double *central, double *other,
                   double *dsg, double *eligible_out)
{
    const hnb_regime *g = &m->regime;
    const int ys = m->years, tc = g->cutoff - m->start_year, tp = g->paid - m->start_year;
    double c = slot(p, m->opening_deficit, 0), o = slot(p, m->dsg.opening, 0), eligible = 0;
    int known = 0;
    if (g->grant && tc < 0) { /* measured before the horizon: the opening balances */
        eligible = c;
        if (m->dsg.given && c + o < eligible) eligible = c + o;
        if (eligible < 0) eligible = 0;
        known = 1;
    }
    for (int t = 0; t < ys; t++) {
        const size_t k = (size_t)t * gs;
        if (m->dsg.given) o += in_year[(size_t)t * L];
        double paid = 0, met = 0;
        if (known && t == tp) paid = p[g->share] * eligible * slot(p, g->received, 1);
        if (g->central_share && m->start_year + t >= m->override_end && gap[k] > 0)
            met = slot(p, g->central_share[t], 0) * gap[k];
        c = c + gap[k] - paid - met;
        cum[k] = c;
        if (grant) grant[k] = paid;
        if (central) central[k] = met;
        if (other) other[k] = o;
        if (dsg) dsg[k] = c + o;
        if (g->grant && t == tc) {
            eligible = m->dsg.given && c + o < c ? c + o : c;
            if (eligible < 0) eligible = 0;
            known = 1;
        }
    }
    if (eligible_out) *eligible_out = eligible;
}

/* The other blocks' annual gap of lane L: [t * L] (money_paths: the last). */
static const double *in_year_of(const hnb_model *m, const hnb_work *w, int l)
{
    return &w->paths[(size_t)(money_paths(m) - 1) * m->years * L + l];
}

void hnb_project_batch(const hnb_model *m, const double *const *p, int nl, hnb_work *w,
                       hnb_result *const *r, int flags)
{
    const int ys = m->years;
    if (nl > L) nl = L;
    if (nl < 1) return;
    project_lanes(m, p, nl, w, r, flags);
    /* SPEC section 4, "Mitigations are reported against the unmitigated plan". */
    for (int l = 0; l < nl; l++) {
        hnb_result *res = r[l];
        double cum = slot(p[l], m->opening_deficit, 0);
        for (int t = 0; t < ys; t++) {
            int k = t * L + l;
            res->placements_unmitigated[t] = w->plac_unmit[k];
            res->placements_mitigated[t] = w->plac_mit[k];
            res->ehcps[t] = w->ehcps_mit[k];
            res->ehcps_unmitigated[t] = w->ehcps_unmit[k];
            res->new_plans[t] = w->np_mit[k];
            res->new_plans_unmitigated[t] = w->np_unmit[k];
            res->grant[t] = w->grant[k];
            res->income[t] = w->income[k];
            res->other[t] = w->other[k];
            res->savings[t] = w->savings[k];
            res->expenditure[t] = w->plac_unmit[k] + w->other[k];
            res->mitigations[t] = w->plac_unmit[k] - w->plac_mit[k] + w->savings[k];
            res->annual_gap[t] = res->expenditure[t] - res->income[t] - res->mitigations[t];
            cum += res->annual_gap[t];
            res->cumulative_deficit[t] = cum;
        }
        if (m->regime.given || m->dsg.given)
            ledger(m, p[l], in_year_of(m, w, l), res->annual_gap, 1, res->cumulative_deficit,
                   res->stability_grant, res->central_funding, res->other_blocks,
                   res->dsg_deficit, &res->eligible_deficit);
    }
}

void hnb_project_series(const hnb_model *m, const double *const *p, int nl, hnb_work *w, double *x)
{
    const int ys = m->years;
    if (nl > L) nl = L;
    if (nl < 1) return;
    project_lanes(m, p, nl, w, NULL, 0);
    /* as hnb_project_batch(), lane innermost */
    double cum[L];
    for (int l = 0; l < L; l++) cum[l] = slot(p[l < nl ? l : 0], m->opening_deficit, 0);
    for (int t = 0; t < ys; t++)
        for (int l = 0; l < L; l++) {
            const int k = t * L + l;
            const double expenditure = w->plac_unmit[k] + w->other[k];
            const double mitigations = w->plac_unmit[k] - w->plac_mit[k] + w->savings[k];
            const double gap = expenditure - w->income[k] - mitigations;
            cum[l] += gap;
            x[(HNB_SERIES_EHCPS * ys + t) * L + l] = w->ehcps_mit[k];
            x[(HNB_SERIES_EXPENDITURE * ys + t) * L + l] = expenditure;
            x[(HNB_SERIES_MITIGATIONS * ys + t) * L + l] = mitigations;
            x[(HNB_SERIES_INCOME * ys + t) * L + l] = w->income[k];
            x[(HNB_SERIES_GAP * ys + t) * L + l] = gap;
            x[(HNB_SERIES_CUMULATIVE * ys + t) * L + l] = cum[l];
        }
    if (!m->regime.given && !m->dsg.given) return;
    const int pg = hnb_series_pos(m, HNB_SERIES_STABILITY_GRANT),
              pc = hnb_series_pos(m, HNB_SERIES_CENTRAL_FUNDING),
              pd = hnb_series_pos(m, HNB_SERIES_DSG_DEFICIT);
    for (int l = 0; l < L; l++) {
        double *at = x + l;
        ledger(m, p[l < nl ? l : 0], in_year_of(m, w, l), at + (size_t)HNB_SERIES_GAP * ys * L, L,
               at + (size_t)HNB_SERIES_CUMULATIVE * ys * L, pg < 0 ? NULL : at + (size_t)pg * ys * L,
               pc < 0 ? NULL : at + (size_t)pc * ys * L, NULL, pd < 0 ? NULL : at + (size_t)pd * ys * L,
               NULL);
    }
}

void hnb_project(const hnb_model *m, const double *p, hnb_work *w, hnb_result *r, int flags)
{
    hnb_project_batch(m, &p, 1, w, &r, flags);
}

#define COL(name, dec, when) {#name, dec, when, offsetof(hnb_result, name)}
const hnb_column hnb_columns[HNB_NCOLUMNS] = {
    COL(ehcps, 3, HNB_COL_ALWAYS),           COL(ehcps_unmitigated, 3, HNB_COL_ALWAYS),
    COL(new_plans, 3, HNB_COL_ALWAYS),       COL(expenditure, 2, HNB_COL_ALWAYS),
    COL(mitigations, 2, HNB_COL_ALWAYS),     COL(income, 2, HNB_COL_ALWAYS),
    COL(grant, 2, HNB_COL_ALWAYS),           COL(annual_gap, 2, HNB_COL_ALWAYS),
    COL(cumulative_deficit, 2, HNB_COL_ALWAYS), COL(stability_grant, 2, HNB_COL_REGIME),
    COL(central_funding, 2, HNB_COL_REGIME), COL(other_blocks, 2, HNB_COL_DSG),
    COL(dsg_deficit, 2, HNB_COL_DSG)};
#undef COL

int hnb_column_present(const hnb_model *m, int k)
{
    switch (hnb_columns[k].when) {
    case HNB_COL_REGIME: return m->regime.given;
    case HNB_COL_DSG: return m->dsg.given;
    default: return 1;
    }
}

const double *hnb_column_values(const hnb_result *r, int k)
{
    return *(const double *const *)((const char *)r + hnb_columns[k].offset);
}

int hnb_column_find(const hnb_model *m, const char *name)
{
    for (int k = 0; k < HNB_NCOLUMNS; k++)
        if (hnb_column_present(m, k) && !strcmp(name, hnb_columns[k].name)) return k;
    return -1;
}

int hnb_result_check(const hnb_model *m, const hnb_result *r, hnb_err *err)
{
    const int ys = r->years, ns = r->nsettings, nm = r->nmit;
    struct {
        const char *name;
        const double *x;
        int per_year;
    } series[HNB_NCOLUMNS + 4] = {{0}};
    for (int k = 0; k < HNB_NCOLUMNS; k++) {
        series[k].name = hnb_columns[k].name;
        series[k].x = hnb_column_values(r, k);
        series[k].per_year = 1;
    }
    const char *detail[4] = {"a setting's plans", "a setting's unit cost", "a setting's cost",
                             "a mitigation's contribution"};
    const double *dx[4] = {r->plans, r->unit_cost, r->cost, r->contribution};
    for (int k = 0; k < 4; k++) {
        series[HNB_NCOLUMNS + k].name = detail[k];
        series[HNB_NCOLUMNS + k].x = dx[k];
        series[HNB_NCOLUMNS + k].per_year = k < 3 ? ns : nm;
    }
    for (size_t k = 0; k < sizeof series / sizeof *series; k++)
        for (int t = 0; t < ys; t++)
            for (int j = 0; j < series[k].per_year; j++) {
                double x = series[k].x[t * series[k].per_year + j];
                if (fabs(x) < HNB_MAX_MAGNITUDE) continue;
                char label[8];
                hnb_result_label(m, t, label);
                return hnb_err_at(err, (hnb_mark){m->file, 1, 1},
                                  "the projection's %s in %s is %g, beyond the %.0e that hnb "
                                  "reports: check the scale of the scenario's counts, costs and "
                                  "growth rates",
                                  series[k].name, label, x, HNB_MAX_MAGNITUDE);
            }
    return HNB_OK;
}
