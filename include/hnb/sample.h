/* sample.h - Monte Carlo draws of a model's random variables (SPEC section 6).
 *
 * Every value is drawn as x = F^-1(u) from one uniform u per variable per
 * draw. Draw i depends only on (seed, method, i): never on the thread that
 * computes it or on the draws before it, so any number of threads gives the
 * same numbers. Methods: random (a GSL generator seeded per draw), lhs
 * (each variable's u stratified into `draws` equal strata through a hashed
 * permutation, so no table of draws is kept), sobol (GSL's Sobol sequence
 * with a random shift per dimension). All go through the same Gaussian
 * copula (Cholesky from GSL) and inverse CDFs. */
#ifndef HNB_SAMPLE_H
#define HNB_SAMPLE_H

#include "hnb/model.h"
#include "hnb/project.h" /* HNB_LANES */

typedef struct hnb_sampler hnb_sampler;
typedef struct hnb_stream hnb_stream;

/* Prepare sampling of M's random slots. Fails (input error) when the
 * correlation matrix is not positive definite, or sobol has too many
 * variables. */
int hnb_sampler_create(const hnb_model *m, hnb_method method, long draws, unsigned long seed,
                       hnb_sampler **out, hnb_err *err);
void hnb_sampler_free(hnb_sampler *s);
/* The correlation check alone (the loader runs it, so that `hnb check` and a
 * run without draws refuse what a run with draws would). */
int hnb_sampler_check_correlations(const hnb_model *m, hnb_err *err);

int hnb_sampler_nvars(const hnb_sampler *s);
hnb_method hnb_sampler_method(const hnb_sampler *s);
/* The model slot of random variable k. */
int hnb_sampler_slot(const hnb_sampler *s, int k);

/* Per-thread state (a generator, a Sobol position). */
hnb_stream *hnb_stream_create(const hnb_sampler *s);
void hnb_stream_free(hnb_stream *st);

/* The uniforms of draw I after the copula, U[0..nvars). */
void hnb_sampler_uniforms(const hnb_sampler *s, hnb_stream *st, long i, double *u);
/* Draw I: write each random slot's value into P (other slots untouched).
 * If U is not NULL it receives the uniforms. */
void hnb_sampler_draw(const hnb_sampler *s, hnb_stream *st, long i, double *p, double *u);
/* Draws I0 .. I0 + NL - 1 (NL <= HNB_LANES) at once, draw I0 + l into P[l]
 * (and its uniforms into U[l] when U is not NULL): the same numbers as NL
 * calls of hnb_sampler_draw(), in a fraction of the time. */
void hnb_sampler_draw_lanes(const hnb_sampler *s, hnb_stream *st, long i0, int nl, double *const *p,
                            double *const *u);

/* x = F^-1(u) for one parameter, clamped into its range. A PERT with an
 * interior mode goes through a table (gsl_cdf_beta_Pinv is 2 us a call). */
double hnb_sampler_quantile(const hnb_sampler *s, int k, double u);

/* The Beta(ALPHA, BETA) quantile as the sampler tabulates it for a PERT
 * (alpha = 1 + 4 (mode - min) / (max - min), beta likewise from max):
 * within 1e-12 of gsl_cdf_beta_Pinv for every u in (0, 1), at the cost of a
 * pow and a cubic. With alpha or beta 1, a closed form and no table. */
typedef struct hnb_pert_table hnb_pert_table;
hnb_pert_table *hnb_pert_table_alloc(double alpha, double beta);
void hnb_pert_table_free(hnb_pert_table *t);
double hnb_pert_table_quantile(const hnb_pert_table *t, double u);
/* The table's intervals that miss the tolerance (drawn with GSL's exact
 * inverse instead): 0 over the PERT shapes tested. */
int hnb_pert_table_misses(const hnb_pert_table *t);

#endif
