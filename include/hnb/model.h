/* model.h - a checked, compiled scenario (SPEC sections 2-7).
 *
 * Loading turns a scenario file into an hnb_model: names resolved to
 * indices, ages and bands to arrays, rates over time to per-year tables.
 * Every number of the scenario is one slot of a flat parameter vector
 * (hnb_param: central value, distribution, name, source mark); the model's
 * structures hold slot indices, never numbers. The projection is a pure
 * function of (model, parameter values), so Monte Carlo, the tornado,
 * sweeps, solving and calibration all drive the one projection by filling
 * a vector. Consumers read the struct; only scenario.c writes it. */
#ifndef HNB_MODEL_H
#define HNB_MODEL_H

#include "hnb/err.h"
#include "hnb/node.h"
#include "hnb/value.h"

#define HNB_AGES 26 /* ages 0..25 */

typedef struct {
    char *name;     /* the distribution's id, else the value's path */
    char *path;     /* the value's path, e.g. new_plans.growth.2026 */
    hnb_mark mark;  /* where the value is written */
    double central; /* the value, or the distribution's central value */
    hnb_dist dist;  /* type HNB_DIST_NONE for a fixed value */
    hnb_range range;
    hnb_kind kind; /* a count, a rate or money: how reports write it */
    int has_id; /* name is a user-given id */
} hnb_param;

/* A set of shares (SPEC section 2): entry i is param p[i] spread over the
 * slots lo[i]..hi[i] (ages, or a single setting or band index). Shares are
 * divided by their sum whenever they are used. */
typedef struct {
    int n;
    int *p, *lo, *hi;
} hnb_shares;

/* A money path (SPEC section 2): per year of the horizon, the named amount's
 * slot or -1 (grow from the year before), and the growth slot or -1 (0). */
typedef struct {
    int *named;
    int *growth;
} hnb_path;

typedef struct {
    char *id, *label;
    int cost;          /* slot, or -1 when the setting has bands */
    int nbands;
    char **band_names;
    int *tariff;       /* slot per band */
    hnb_shares band_shares;
    int place_funding; /* slot or -1 (0) */
    int *inflation;    /* per year: slot or -1 (0) */
    int *capacity;     /* per year slot; NULL when unlimited */
    int overflow;      /* setting index or -1 */
    int dfe_category;  /* hnb_dfe_category (v2; HNB_DFE_OTHER when not given) */
} hnb_setting;

/* The DfE DSG management plan's seven placement categories (SPEC section
 * 10), in the plan's order: dsg_plan.csv's rows follow it. */
typedef enum {
    HNB_DFE_MAINSTREAM,
    HNB_DFE_RESOURCED,
    HNB_DFE_SPECIAL,
    HNB_DFE_INDEPENDENT_SPECIAL,
    HNB_DFE_AP_HOSPITAL,
    HNB_DFE_POST16,
    HNB_DFE_OTHER,
    HNB_DFE_N
} hnb_dfe_category;
extern const char *const hnb_dfe_category_names[HNB_DFE_N];

typedef enum {
    HNB_MIT_SAVING,
    HNB_MIT_DEMAND,
    HNB_MIT_MIX,
    HNB_MIT_UNIT_COST,
    HNB_MIT_CAPACITY,
    HNB_MIT_CESSATION,  /* v2, SPEC section 12: on existing plans */
    HNB_MIT_TRANSITION,
    HNB_MIT_REQUESTS,   /* v2, SPEC section 11: on the pipeline */
    HNB_MIT_ASSESSMENT,
} hnb_mit_type;

const char *hnb_mit_type_name(hnb_mit_type t);

typedef struct {
    char *name;
    hnb_mit_type type;
    int start;        /* calendar year of first effect */
    int nramp;
    int *ramp;        /* slots */
    int delivery;     /* slot or -1 (1) */
    hnb_path amount;  /* saving */
    int reduction;    /* demand, unit_cost: slot */
    int setting;      /* unit_cost, capacity: setting index */
    int from, to;     /* mix: setting indices */
    int share;        /* mix: slot */
    int places;       /* capacity, assessment: slot */
    int need;         /* demand, mix, unit_cost: the need it acts on, or -1 (every need) */
    int rate;         /* transition: the rate's slot; cessation: the increase's */
    unsigned char ages[HNB_AGES]; /* cessation, transition: 1 at the ages it acts on */
    unsigned char *settings;      /* cessation: 1 for its settings; NULL every setting */
    unsigned char *needs;         /* cessation, transition: 1 for its needs; NULL every need */
} hnb_mitigation;

typedef struct {
    unsigned char ages[HNB_AGES]; /* 1 where the rule acts */
    int from, to;
    int rate; /* slot */
    unsigned char *needs; /* 1 for the needs it acts on (SPEC section 10); NULL: every need */
} hnb_transition;

typedef struct {
    char *name;
    hnb_path path;
} hnb_line;

typedef enum { HNB_METHOD_RANDOM, HNB_METHOD_LHS, HNB_METHOD_SOBOL } hnb_method;

typedef struct {
    int a, b; /* slots */
    double rho;
    hnb_mark mark;
} hnb_corr;

/* From requests to plans (SPEC section 11): new plans come from requests
 * for assessment, through a backlog and a service capacity. */
typedef struct {
    int given;
    int requests;       /* requests.count: slot */
    int *growth;        /* requests.growth per year: slot or -1 (0) */
    int backlog;        /* slot or -1 (0) */
    int *capacity;      /* per year: slot; NULL unlimited */
    int *assess_rate, *issue_rate; /* per year: slot or -1 (1) */
    int same_year;      /* slot or -1 (1) */
} hnb_pipeline;

/* The 2026 deficit regime and the DSG's other blocks (SPEC section 13). */
typedef struct {
    int given;          /* the scenario has `regime` */
    int grant;          /* it has regime.stability_grant */
    int cutoff, paid;   /* calendar years */
    int share;          /* slot */
    int received;       /* slot, or -1 (1) */
    int *central_share; /* per year: slot or -1 (0) */
} hnb_regime;

typedef struct {
    int given;      /* the scenario has `dsg` */
    int opening;    /* slot or -1 (0) */
    hnb_path in_year; /* named[t] all -1 (0) when not given */
} hnb_dsg;

typedef struct hnb_model {
    hnb_srcs *srcs;
    char *file, *name, *authority;
    int nplaceholders; /* values tagged !placeholder (docs/sen2.md): each warned about */
    int version; /* the file's `hnb:`, 1 or 2 */
    int start_year, years;
    int opening_deficit; /* slot */
    int override_end;    /* 0 when not given */
    int reserves;        /* slot or -1 */

    int bottom_up; /* settings, population and new_plans given */
    int nsettings;
    hnb_setting *settings;
    /* Primary need (SPEC section 10, v2): nneeds 0 without `needs`. The
     * projection's cohorts are (need, setting) pairs, c = n * nsettings + s
     * (hnb_model_cohorts); without needs there is one need and a cohort is a
     * setting. */
    int nneeds;
    char **need_ids, **need_labels;
    hnb_shares *pop_need; /* population.need_mix: one set over needs (pop_need_each 0)
                           * or one per setting (1) */
    int pop_need_each;
    hnb_shares np_need;   /* new_plans.need_mix */
    hnb_shares *mix_by_need; /* per need, shares over settings; n 0 where not given */
    int *need_cost;       /* [s * nneeds + n]: the top-up's slot, or -1 (the setting's) */
    double *pop_csv; /* [age * cohorts + c] when population.from_csv */
    int pop_total;   /* slot */
    hnb_shares pop_mix, pop_age;
    int np_count; /* slot */
    int *np_growth; /* per year slot or -1 */
    hnb_shares np_age, np_mix;
    int cost_inflation_given;
    int cease[HNB_AGES]; /* slot or -1 (0) */
    int ntrans;
    hnb_transition *trans;

    hnb_path grant;
    int *transfers; /* per year slot or -1 */
    int nincome;
    hnb_line *income;
    int nother;
    hnb_line *other;
    int nmit;
    hnb_mitigation *mits;
    hnb_regime regime;
    hnb_dsg dsg;
    int shapley; /* attribution: shapley (SPEC section 12); 0 ordered */
    hnb_mark attribution_mark; /* where the file says it (for the limit's error) */
    hnb_pipeline pipeline;

    int has_mc;
    long mc_draws;     /* 0 when not given */
    unsigned long mc_seed;
    int mc_seed_given;
    hnb_method mc_method;
    int nthresholds;
    double *thresholds;
    int ncorr;
    hnb_corr *corr;

    int nparams, capparams;
    hnb_param *params;
} hnb_model;

/* Load PATH (following extends:), apply the --set assignments SETS[0..nsets),
 * check every rule of SPEC section 3 and compile. Returns HNB_OK and *out,
 * or HNB_EINPUT with ERR set to the first problem. */
int hnb_model_load(const char *path, const char *const *sets, int nsets, hnb_model **out,
                   hnb_err *err);
/* Check and compile a merged document tree; FILE names it in reports.
 * Takes ownership of SRCS (freed with the model, or on error). */
int hnb_model_compile(hnb_srcs *srcs, const char *file, const hnb_node *root, hnb_model **out,
                      hnb_err *err);
void hnb_model_free(hnb_model *m);

/* Needs as the projection counts them (1 without `needs`), and cohorts. */
static inline int hnb_model_needs(const hnb_model *m) { return m->nneeds > 0 ? m->nneeds : 1; }
static inline int hnb_model_cohorts(const hnb_model *m) { return m->nsettings * hnb_model_needs(m); }

/* The central values of every slot, into P[0..nparams). */
void hnb_model_central(const hnb_model *m, double *p);
/* Whether a what-if may set SLOT's central value directly (hnb_model_set):
 * a fixed value whose checks are its own range, not one that enters a check
 * across values (a share of a set that must sum to 1, a transition rate
 * whose rates out must sum to at most 1) or a distribution. Other values
 * are varied by reloading with --set, which runs every check. */
int hnb_model_settable(const hnb_model *m, int slot);
/* 1 if V, as P's value, is almost certainly in the wrong unit (a growth of
 * 15 meant as 15%, an opening deficit of 18.4 meant as £18.4m, a unit cost
 * in thousands, more plans than England has), with WHY saying so in words;
 * else 0. */
int hnb_param_doubt(const hnb_param *p, double v, char *why, size_t n);
/* What P is, in words for a committee ("Cost per plan in Independent
 * special schools", "Growth in new plans in 2026/27"), from its path, with
 * settings' and needs' labels; it starts with a capital letter of hnb's own
 * words, so a sentence may lower it. */
void hnb_param_describe(const hnb_model *m, const hnb_param *p, char *out, size_t n);
/* Set SLOT's central value to X: HNB_OK, or HNB_EINPUT at the value's mark
 * when X is outside its range (as the loader would say). */
int hnb_model_set(hnb_model *m, int slot, double x, hnb_err *err);
/* Shapley attribution is exact over 2^k subsets: at most this many
 * mitigations that are not savings. HNB_OK, or why not. */
#define HNB_SHAPLEY_MAX 16
int hnb_model_shapley_ok(const hnb_model *m, int from_file, hnb_err *err);
/* The slot of a parameter by id or path, or -1. */
int hnb_model_find_param(const hnb_model *m, const char *name);

#endif
