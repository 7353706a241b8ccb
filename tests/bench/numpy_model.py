#!/usr/bin/python3
"""numpy_model.py: the "user's alternative" for the hnb Monte Carlo benchmark.

A vectorised NumPy/SciPy Monte Carlo of the same equations as the C engine
(SPEC.md sections 2-7, and of v2 sections 10-13), written to be a fair,
competent baseline:

  * every draw's numbers come from one uniform per random variable
    (numpy default_rng(seed), one sequential PCG64 stream, draw-major), a
    Gaussian copula over the correlated ids (numpy Cholesky), and inverse
    CDFs (scipy.special ndtri/ndtr/betaincinv and closed forms);
  * the projection of SPEC sections 4-5 (with section 10's primary need,
    section 11's pipeline and section 12's mitigations on existing plans)
    runs vectorised ACROSS DRAWS, on the (draws, ages=26, settings, needs)
    state of a chunk of draws, held draws-last as N[age, setting, need, draw]
    so that NumPy's inner loops run over contiguous draws (4-8x faster than
    draws-first, whose inner loops are a few long), once unmitigated (every
    e_t = 0) and once mitigated, in chunks of draws so that memory stays
    bounded (work buffers reused from chunk to chunk). A scenario without
    `needs` has one need; with `needs` every need is stepped on its own, as
    SPEC section 10 writes it (no grouping of needs that no rule tells apart);
  * the ledger of section 4, with section 13's regime (stability grant,
    central funding after the override) and DSG-wide view where given;
  * every draw of the series (ehcps, expenditure, mitigations, income,
    annual_gap, cumulative_deficit; with `regime` stability_grant and
    central_funding; with `dsg` dsg_deficit) is kept, and the mean and the
    exact P5..P95 (numpy linear interpolation, as
    gsl_stats_quantile_from_sorted_data) are taken per year and metric.

Usage:
  /usr/bin/python3 tests/bench/numpy_model.py SCENARIO.yaml --draws N
        [--seed S] [--chunk C] [--procs P] [--central] [--csv FILE]

  --draws N   number of draws (default: monte_carlo.draws, else 10000)
  --seed S    seed of default_rng (default: monte_carlo.seed, else 1)
  --chunk C   draws per vectorised chunk (default 100000; about 10000 keeps a
              v1 chunk's arrays in cache and is faster); the draws do not
              depend on C: draw i is row i of default_rng(seed).random((N, K)),
              K the number of random variables (PCG64 advanced to each chunk)
  --procs P   worker processes (fork) sharing the chunks (default 1); the
              draws do not depend on P either
  --central   every draw takes every variable's central value (a check against
              the deterministic projection: with --draws 1, the per-year series
              printed must match `hnb run`'s projection.csv)
  --csv FILE  also write the per-year statistics as montecarlo.csv does

Scope: `extends` chains are merged as SPEC section 7 says (no --set); input
is assumed valid (the engine validates). monte_carlo.method is ignored: this
model always draws independent uniforms (`random`). `dfe_category` and
`attribution` do not change the series and are ignored. The pipeline
(section 11) with its `requests` and `assessment` mitigations, and section
12's `cessation` and `transition` mitigations, are modelled too.
Values are parsed with tests/ref/hnbref.py (the YAML 1.2 core loader,
numbers, percentages, money strings, year and age keys).
"""

import argparse
import csv
import mmap
import multiprocessing
import os
import re
import sys
import time

import numpy as np
from scipy import special as sp

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'ref'))
import hnbref  # noqa: E402  (the reference's YAML loading and value parsing)

from hnbref import AGES, age_key, is_dist, year_key  # noqa: E402

ANY, NONNEG, UNIT = 0, 1, 2          # a value's own range (SPEC 3 and 6)
METRICS = ('ehcps', 'expenditure', 'mitigations', 'income', 'annual_gap',
           'cumulative_deficit')                   # v1; then, as the scenario has
REGIME_METRICS = ('stability_grant', 'central_funding')   # `regime`
DSG_METRICS = ('dsg_deficit',)                             # `dsg` (SPEC 13)
CUM = METRICS.index('cumulative_deficit')
QUANTILES = (5, 10, 25, 50, 75, 90, 95)
DBL_MIN = np.finfo(float).tiny
U_MAX = 1.0 - np.finfo(float).eps / 2
PERT_NODES = 2048


# ---------------------------------------------------------------------------
# Random variables: parameters, central values, inverse CDFs (SPEC 6)

class Var:
    def __init__(self, node, rng, path):
        self.node = node
        self.range = rng
        self.path = path
        self.id = str(node['id']) if node.get('id') is not None else path
        self.kind = node['dist']
        self.central = hnbref.central(node)
        g = lambda k: hnbref.num(node[k]) if node.get(k) is not None else None  # noqa: E731
        self.mean, self.sd, self.lo, self.hi = g('mean'), g('sd'), g('min'), g('max')
        self.median, self.sigma, self.mode, self.p = g('median'), g('sigma'), g('mode'), g('p')
        if self.kind == 'pert':
            r = self.hi - self.lo
            self.alpha = 1.0 + 4.0 * (self.mode - self.lo) / r
            self.beta = 1.0 + 4.0 * (self.hi - self.mode) / r
            self.lbeta = sp.betaln(self.alpha, self.beta)
            self.table = sp.betaincinv(self.alpha, self.beta,
                                       np.arange(PERT_NODES + 1) / PERT_NODES)

    def ppf(self, u):
        """x = F^-1(u) for an array of u in (0, 1), then clamped into the
        value's own range."""
        k = self.kind
        if k == 'normal':
            if self.lo is None and self.hi is None:
                x = self.mean + self.sd * sp.ndtri(u)
            else:
                a = sp.ndtr((self.lo - self.mean) / self.sd) if self.lo is not None else 0.0
                b = sp.ndtr((self.hi - self.mean) / self.sd) if self.hi is not None else 1.0
                x = self.mean + self.sd * sp.ndtri(a + u * (b - a))
                # far in a tail the mapped u can round onto a bound: stay inside
                x = np.clip(x, self.lo if self.lo is not None else -np.inf,
                            self.hi if self.hi is not None else np.inf)
        elif k == 'lognormal':
            x = self.median * np.exp(self.sigma * sp.ndtri(u))
        elif k == 'uniform':
            x = self.lo + u * (self.hi - self.lo)
        elif k == 'triangular':
            a, c, b = self.lo, self.mode, self.hi
            fc = (c - a) / (b - a)
            left = u < fc
            x = np.where(left, a + np.sqrt(u * ((b - a) * (c - a))),
                         b - np.sqrt((1.0 - u) * ((b - a) * (b - c))))
        elif k == 'pert':
            x = self.lo + (self.hi - self.lo) * self._beta_ppf(u)
        elif k == 'bernoulli':
            x = (u > 1.0 - self.p).astype(float)
        else:
            raise ValueError('unknown dist %r' % k)
        if self.range == NONNEG:
            x = np.maximum(x, 0.0)
        elif self.range == UNIT:
            x = np.clip(x, 0.0, 1.0)
        return x

    def _beta_ppf(self, u):
        """Inverse of the regularised incomplete beta function for Beta-PERT.
        Closed forms where one shape is 1 (a PERT with mode at min or max);
        otherwise a table of exact quantiles, linear interpolation and two
        Halley steps (max error ~1e-14 against scipy's betaincinv, which is
        ~3x slower); the first and last table intervals, where the quantile
        has a power-law end, go to betaincinv directly."""
        a, b = self.alpha, self.beta
        if b == 1.0:
            return u ** (1.0 / a)
        if a == 1.0:
            return -np.expm1(np.log1p(-u) / b)
        pos = u * PERT_NODES
        j = np.minimum(pos.astype(np.intp), PERT_NODES - 1)
        tab = self.table
        x = tab[j]
        x += (pos - j) * (tab[j + 1] - x)
        edge = (j == 0) | (j == PERT_NODES - 1)
        x[edge] = 0.5
        with np.errstate(all='ignore'):
            for _ in range(2):
                lx, l1 = np.log(x), np.log1p(-x)
                pdf = np.exp((a - 1.0) * lx + (b - 1.0) * l1 - self.lbeta)
                d = (sp.betainc(a, b, x) - u) / pdf
                x = x - d / (1.0 - 0.5 * d * ((a - 1.0) / x - (b - 1.0) / (1.0 - x)))
        bad = edge | ~((x > 0.0) & (x < 1.0))
        if bad.any():
            x[bad] = sp.betaincinv(a, b, u[bad])
        return x


class Params:
    """Resolves every number of the scenario. A plain value becomes a float;
    a distribution becomes its central value (values None) or its column of
    draws (values set). The first build registers the variables in the order
    met; later builds look them up by node."""

    def __init__(self):
        self.vars = []
        self.slot = {}
        self.values = None

    def num(self, v, rng, path):
        if is_dist(v):
            k = self.slot.get(id(v))
            if k is None:
                k = self.slot[id(v)] = len(self.vars)
                self.vars.append(Var(v, rng, path))
            return self.vars[k].central if self.values is None else self.values[k]
        return hnbref.num(v)


# ---------------------------------------------------------------------------
# The model (SPEC 2-5), built from the scenario with scalars or per-draw
# columns (arrays shaped (draws,)) in place of the numbers

def stack(vals):
    """List of scalars / (D,) arrays -> array (len, Dx) with Dx = D or 1
    (draws last: see project())."""
    arrs = [np.asarray(v, dtype=float) for v in vals]
    dx = max([x.shape[0] for x in arrs if x.ndim] or [1])
    out = np.empty((len(arrs), dx))
    for j, x in enumerate(arrs):
        out[j] = x
    return out


def build(doc, P, base_dir):
    y0 = int(doc['start_year'])
    n = int(doc['years'])
    m = {'y0': y0, 'n': n}

    def rate(v, path, rng=ANY, default=0.0):
        if v is None:
            return [default] * n
        if isinstance(v, dict) and not is_dist(v):
            keys = sorted(((year_key(k), x) for k, x in v.items()), key=lambda kv: kv[0])
            vals = [(ky, P.num(x, rng, '%s.%d' % (path, ky))) for ky, x in keys]
            out = []
            for t in range(n):
                val = vals[0][1]
                for ky, kv in vals:
                    if ky <= y0 + t:
                        val = kv
                out.append(val)
            return out
        return [P.num(v, rng, path)] * n

    def money_path(v, path):
        if not (isinstance(v, dict) and not is_dist(v)):
            v = {'base': v}
        g = rate(v.get('growth'), path + '.growth')
        out = []
        if v.get('by_year') is not None:
            named = {}
            for k, x in v['by_year'].items():
                named[year_key(k)] = P.num(x, ANY, '%s.by_year.%d' % (path, year_key(k)))
            for t in range(n):
                out.append(named[y0 + t] if y0 + t in named else out[-1] * (1.0 + g[t]))
        else:
            out.append(P.num(v['base'], ANY, path))
            for t in range(1, n):
                out.append(out[-1] * (1.0 + g[t]))
        return out

    def shares(mapping, path):
        vals = [(k, P.num(v, UNIT, '%s.%s' % (path, k))) for k, v in mapping.items()]
        tot = sum(v for _, v in vals)
        out = {}
        for k, v in vals:
            out[k] = out.get(k, 0.0) + v / tot
        return out

    def age_shares(mapping, path):
        vals = [(age_key(k), P.num(v, UNIT, '%s.%s' % (path, k))) for k, v in mapping.items()]
        tot = sum(v for _, v in vals)
        arr = [0.0] * AGES
        for (lo, hi), v in vals:
            for a in range(lo, hi + 1):
                arr[a] = arr[a] + (v / tot) / (hi - lo + 1)
        return stack(arr)                                   # (26, Dx)

    def age_rates(mapping, default, path):
        keys = [(age_key(k), P.num(v, UNIT, '%s.%s' % (path, k))) for k, v in mapping.items()]
        arr = []
        for a in range(AGES):
            best = None
            for (lo, hi), v in keys:
                if lo <= a <= hi and (best is None or hi - lo < best[0]):
                    best = (hi - lo, v)
            arr.append(default if best is None else best[1])
        return stack(arr)                                   # (26, Dx)

    od = doc.get('opening_deficit')
    m['opening'] = P.num(od, ANY, 'opening_deficit') if od is not None else 0.0
    costs = doc.get('costs') or {}
    infl_default = rate(costs.get('inflation'), 'costs.inflation')

    # SPEC 10: primary need. Without `needs` the model has one need (None).
    needs = [str(nd['id']) for nd in (doc.get('needs') or [])]
    nidx = {nid: j for j, nid in enumerate(needs)}
    NN = max(1, len(needs))
    m['needs'], m['NN'] = needs, NN

    def need_set(v):
        """A rule's or mitigation's `needs` list (or `need` id) -> the set of
        need indices it applies to (absent: every need)."""
        if v is None:
            return set(range(NN))
        if isinstance(v, list):
            return {nidx[str(x)] for x in v}
        return {nidx[str(v)]}

    settings, idx = [], {}
    for i, sd in enumerate(doc.get('settings') or []):
        sid = str(sd['id'])
        path = 'settings.' + sid
        idx[sid] = i
        pf = P.num(sd['place_funding'], NONNEG, path + '.place_funding') \
            if sd.get('place_funding') is not None else 0.0
        if sd.get('bands') is not None:
            bs = [P.num(b['share'], UNIT, '%s.bands.%s.share' % (path, b['band']))
                  for b in sd['bands']]
            tot = sum(bs)
            topup = 0.0
            for b, sh in zip(sd['bands'], bs):
                topup = topup + (sh / tot) * P.num(b['tariff'], NONNEG,
                                                   '%s.bands.%s.tariff' % (path, b['band']))
        else:
            topup = P.num(sd['cost'], NONNEG, path + '.cost')
        # SPEC 10: need_cost is a need's top-up instead of cost or bands
        nc = sd.get('need_cost') or {}
        topups = [topup] * NN
        for k, x in nc.items():
            topups[nidx[str(k)]] = P.num(x, NONNEG, '%s.need_cost.%s' % (path, k))
        settings.append({
            'id': sid,
            'base': pf + topup,
            'bases': [pf + tu for tu in topups],        # per need
            'infl': rate(sd['inflation'], path + '.inflation')
                    if sd.get('inflation') is not None else infl_default,
            'cap': rate(sd['capacity'], path + '.capacity', NONNEG)
                   if sd.get('capacity') is not None else None,
            'overflow': sd.get('overflow'),
        })
    for s in settings:
        s['overflow'] = idx[s['overflow']] if s['overflow'] is not None else None
    S = len(settings)
    m['settings'], m['S'] = settings, S

    pop = doc.get('population')
    if pop is not None and pop.get('from_csv') is not None:
        # header age,setting,count; with needs age,setting,need,count
        N0 = np.zeros((AGES, S, NN, 1))
        with open(os.path.join(base_dir, pop['from_csv']), newline='', encoding='utf-8') as f:
            rows = list(csv.reader(f))
        for row in rows[1:]:
            if not row or all(not x.strip() for x in row):
                continue
            lo, hi = age_key(row[0].strip())
            si = idx[row[1].strip()]
            ni = nidx[row[2].strip()] if needs else 0
            cnt = hnbref.num(row[3 if needs else 2].strip())
            for a in range(lo, hi + 1):
                N0[a, si, ni, 0] += cnt / (hi - lo + 1)
    elif pop is not None:
        total = P.num(pop['total'], NONNEG, 'population.total')
        ash = age_shares(pop['age_profile'], 'population.age_profile')
        mix = shares(pop['mix'], 'population.mix')
        mixv = stack([mix.get(s['id'], 0.0) for s in settings])
        N0 = (total * ash)[:, None, :] * mixv[None, :, :]      # (26, S, Dx)
        if needs:
            # N_0[a][s][n] = total * age_share[a] * mix[s] * need_mix[s][n]:
            # one need mix for every setting (keys need ids) or one a setting
            nm = pop['need_mix']
            if any(str(k) in idx for k in nm):
                per = [shares(nm[s['id']], 'population.need_mix.' + s['id']) for s in settings]
            else:
                common = shares(nm, 'population.need_mix')
                per = [common] * S
            nmv = stack([per[si].get(nid, 0.0) for si in range(S) for nid in needs])
            N0 = N0[:, :, None, :] * nmv.reshape(1, S, NN, -1)
        else:
            N0 = N0[:, :, None, :]
    else:
        N0 = np.zeros((AGES, S, NN, 1))
    m['N0'] = N0                                            # (26, S, NN, Dx)

    npd = doc.get('new_plans')
    if npd is not None:
        m['np_count'] = P.num(npd['count'], NONNEG, 'new_plans.count') \
            if npd.get('count') is not None else 0.0          # none with a pipeline
        m['np_growth'] = rate(npd.get('growth'), 'new_plans.growth')
        m['np_age'] = age_shares(npd['age_profile'], 'new_plans.age_profile')
        mix = shares(npd['mix'], 'new_plans.mix')
        m['np_mix'] = [mix.get(s['id'], 0.0) for s in settings]
        # SPEC 10: the new plans' need shares, and each need's setting mix
        # (mix_by_need[n] where given, else new_plans.mix)
        if needs:
            nsh = shares(npd['need_mix'], 'new_plans.need_mix')
            m['np_need'] = [nsh.get(nid, 0.0) for nid in needs]
        else:
            m['np_need'] = [1.0]
        mbn = npd.get('mix_by_need') or {}
        m['np_mix_n'] = [m['np_mix']] * NN
        for k, v in mbn.items():
            mk = shares(v, 'new_plans.mix_by_need.%s' % k)
            m['np_mix_n'][nidx[str(k)]] = [mk.get(s['id'], 0.0) for s in settings]
    else:
        m['np_count'], m['np_growth'] = 0.0, [0.0] * n
        m['np_age'], m['np_mix'] = np.zeros((AGES, 1)), []
        m['np_need'], m['np_mix_n'] = [1.0] * NN, [[]] * NN

    # SPEC 11: the assessment pipeline makes the new plans (S_t for B_t)
    pl = doc.get('pipeline')
    m['pipe'] = None
    if pl is not None:
        rq = pl['requests']
        m['pipe'] = {
            'count': P.num(rq['count'], NONNEG, 'pipeline.requests.count'),
            'growth': rate(rq.get('growth'), 'pipeline.requests.growth'),
            'backlog': P.num(pl['backlog'], NONNEG, 'pipeline.backlog')
                       if pl.get('backlog') is not None else 0.0,
            'cap': rate(pl['capacity'], 'pipeline.capacity', NONNEG)
                   if pl.get('capacity') is not None else None,
            'assess': rate(pl.get('assess_rate'), 'pipeline.assess_rate', UNIT, 1.0),
            'issue': rate(pl.get('issue_rate'), 'pipeline.issue_rate', UNIT, 1.0),
            'same': P.num(pl['same_year'], UNIT, 'pipeline.same_year')
                    if pl.get('same_year') is not None else 1.0,
        }

    ces = doc.get('cessation') or {}
    crate = P.num(ces['rate'], UNIT, 'cessation.rate') if ces.get('rate') is not None else 0.0
    m['cease'] = age_rates(ces.get('by_age') or {}, crate, 'cessation.by_age')  # (26, Dx)
    m['keep'] = 1.0 - m['cease']

    def age_list(v):
        """A transition's `ages` (ages and bands; absent: every age) -> set."""
        if v is None:
            return set(range(AGES))
        out = set()
        for x in v:
            lo, hi = age_key(x)
            out.update(range(lo, hi + 1))
        return out

    # Transitions, grouped: a run of consecutive ages acted on by the same
    # rules acts as one slice of ages (a view: no fancy indexing), and within
    # it a run of consecutive needs the same rules apply to (SPEC 10: a rule
    # with `needs` acts on those needs only) as one slice of needs.
    rules = []
    for k, tr in enumerate(doc.get('transitions') or []):
        rules.append((age_list(tr.get('ages')), idx[tr['from']], idx[tr['to']],
                      P.num(tr['rate'], UNIT, 'transitions.%d.rate' % k),
                      need_set(tr.get('needs'))))

    def group(rules):
        """Rules -> [(age slice, need slice, [(from, to, rate)])]."""
        trans = []
        a = 0
        while a < AGES:
            key = tuple(r for r in range(len(rules)) if a in rules[r][0])
            b = a + 1
            while b < AGES and key == tuple(r for r in range(len(rules)) if b in rules[r][0]):
                b += 1
            j = 0
            while key and j < NN:
                nkey = tuple(r for r in key if j in rules[r][4])
                k2 = j + 1
                while k2 < NN and nkey == tuple(r for r in key if k2 in rules[r][4]):
                    k2 += 1
                if nkey:
                    trans.append((slice(a, b), slice(j, k2),
                                  [(rules[r][1], rules[r][2], rules[r][3]) for r in nkey]))
                j = k2
            a = b
        return trans
    m['trans'] = group(rules)

    fund = doc['funding']
    m['grant'] = money_path(fund['grant'], 'funding.grant')
    transfers = [0.0] * n
    for k, x in (fund.get('transfers') or {}).items():
        t = year_key(k) - y0
        v = P.num(x, ANY, 'funding.transfers.%d' % year_key(k))
        if 0 <= t < n:
            transfers[t] = transfers[t] + v
    m['transfers'] = transfers
    m['other_income'] = [money_path(p, 'funding.other_income.%s' % p.get('name'))
                         for p in (fund.get('other_income') or [])]
    m['other_exp'] = [money_path(p, 'other_expenditure.%s' % p.get('name'))
                      for p in (doc.get('other_expenditure') or [])]

    mits = []
    for md in doc.get('mitigations') or []:
        path = 'mitigations.%s' % md['name']
        mi = {'type': md['type'], 'needs': need_set(md.get('need'))}
        start = year_key(md['start']) if md.get('start') is not None else y0
        ramp = [P.num(x, UNIT, '%s.ramp.%d' % (path, i)) for i, x in enumerate(md['ramp'])] \
            if md.get('ramp') is not None else [1.0]
        delivery = P.num(md['delivery'], UNIT, path + '.delivery') \
            if md.get('delivery') is not None else 1.0
        mi['e'] = [delivery * ramp[min(y0 + t - start, len(ramp) - 1)] if y0 + t >= start
                   else 0.0 for t in range(n)]
        ty = mi['type']
        if ty == 'saving':
            mi['amount'] = money_path(md['amount'], path + '.amount')
        elif ty in ('demand', 'unit_cost'):
            mi['reduction'] = P.num(md['reduction'], UNIT, path + '.reduction')
            if ty == 'unit_cost':
                mi['setting'] = idx[md['setting']]
        elif ty == 'mix':
            mi['from'], mi['to'] = idx[md['from']], idx[md['to']]
            mi['share'] = P.num(md['share'], UNIT, path + '.share')
        elif ty == 'capacity':
            mi['setting'] = idx[md['setting']]
            mi['places'] = P.num(md['places'], NONNEG, path + '.places')
        elif ty == 'requests':                  # SPEC 11: on the pipeline
            mi['reduction'] = P.num(md['reduction'], UNIT, path + '.reduction')
        elif ty == 'assessment':
            mi['capacity'] = P.num(md['capacity'], NONNEG, path + '.capacity')
        elif ty == 'cessation':                 # SPEC 12: on existing plans
            mi['increase'] = P.num(md['increase'], UNIT, path + '.increase')
            mi['ages'] = sorted(a for a in age_list(md.get('ages')) if a < AGES - 1)
            mi['settings'] = [idx[x] for x in md['settings']] \
                if md.get('settings') is not None else list(range(S))
            mi['needs'] = need_set(md.get('needs'))
        elif ty == 'transition':                # an extra rule of rate rate * e_t
            mi['needs'] = need_set(md.get('needs'))
            rules.append((age_list(md.get('ages')), idx[md['from']], idx[md['to']],
                          ('e', P.num(md['rate'], UNIT, path + '.rate'), mi['e']),
                          mi['needs']))
        else:
            sys.exit('numpy_model.py: mitigation type %r is not supported' % ty)
        mits.append(mi)
    m['mits'] = mits
    m['trans_mit'] = group(rules)     # the mitigated run's: with transition mitigations

    if any(mi['type'] in ('requests', 'assessment') for mi in mits) and m['pipe'] is None:
        sys.exit('numpy_model.py: requests and assessment mitigations need a pipeline')

    # SPEC 13: the 2026 regime and the DSG's other blocks
    oe = doc.get('override_end')
    m['override_end'] = year_key(oe) if oe is not None else None
    m['regime'] = None
    if 'regime' in doc:
        reg = doc.get('regime') or {}
        r = {'sg': None, 'central': [0.0] * n}
        sg = reg.get('stability_grant')
        if sg is not None:
            rc = sg.get('received')
            r['sg'] = {'t_c': year_key(sg['cutoff']) - y0,
                       't_p': year_key(sg['paid']) - y0,
                       'share': P.num(sg['share'], UNIT, 'regime.stability_grant.share'),
                       'received': P.num(rc, UNIT, 'regime.stability_grant.received')
                                   if rc is not None else 1.0}
        ao = reg.get('after_override')
        if ao is not None:
            r['central'] = rate(ao.get('central_share'), 'regime.after_override.central_share',
                                UNIT)
        m['regime'] = r
    m['dsg'] = None
    if 'dsg' in doc:
        dd = doc.get('dsg') or {}
        m['dsg'] = {'opening': P.num(dd['opening'], ANY, 'dsg.opening')
                               if dd.get('opening') is not None else 0.0,
                    'in_year': money_path(dd['in_year'], 'dsg.in_year')
                               if dd.get('in_year') is not None else [0.0] * n}
    m['metrics'] = METRICS + (REGIME_METRICS if m['regime'] is not None else ()) \
        + (DSG_METRICS if m['dsg'] is not None else ())
    return m


# ---------------------------------------------------------------------------
# The projection (SPEC 4-5), vectorised across draws

class Work:
    """Buffers reused from chunk to chunk and run to run (a fresh 80 MB array
    a year is mostly page faults)."""

    def __init__(self, S, NN, D):
        self.N = np.empty((AGES, S, NN, D))
        self.A = np.empty((AGES, S, NN, D))
        self.tmp = np.empty((AGES, D))
        self.mv = np.empty((AGES, NN, D))


_WORK = {}


def work(S, NN, D):
    if (S, NN, D) not in _WORK:
        _WORK.clear()
        _WORK[(S, NN, D)] = Work(S, NN, D)
    return _WORK[(S, NN, D)]


def pipeline(m, mitigated):
    """SPEC 11: the plans that start, S_t for t = 0..n-1 (scalars or (D,)
    columns), from requests, the backlog, the service's capacity, the
    assessment and issue rates and the share that starts in the same year;
    requests and assessment mitigations act from year 0."""
    pp, n = m['pipe'], m['n']
    mits = m['mits'] if mitigated else []
    req = [mi for mi in mits if mi['type'] == 'requests']
    asm = [mi for mi in mits if mi['type'] == 'assessment']
    Rb, W, P_prev, S = pp['count'], pp['backlog'], None, []
    for t in range(n):
        if t > 0:
            Rb = Rb * (1.0 + pp['growth'][t])
        Q = 1.0
        for mi in req:
            Q = Q * (1.0 - mi['reduction'] * mi['e'][t])
        avail = W + Rb * Q
        if pp['cap'] is None:
            K = avail
        else:
            extra = 0.0
            for mi in asm:
                extra = extra + mi['capacity'] * mi['e'][t]
            K = np.minimum(avail, pp['cap'][t] + extra)
        W = avail - K                                       # the backlog at the end of t
        Pt = K * pp['assess'][t] * pp['issue'][t]           # decided plans
        if P_prev is None:
            P_prev = Pt                                     # P_{-1} = P_0
        S.append(pp['same'] * Pt + (1.0 - pp['same']) * P_prev)
        P_prev = Pt
    return S


def project(m, D, mitigated):
    """Returns (ehcps, placements), each shaped (years, D).

    The plans are one array N[age, setting, need, draw]: the (draws, ages=26,
    settings, needs) state of every draw, stored draws-last so that every
    NumPy inner loop runs over the draws, contiguous, and a per-draw
    parameter (D,) broadcasts against it as it stands (4-8x faster than
    draws-first, whose inner loops are a few long). Without `needs` there
    is one need; with them each need is stepped as SPEC section 10 writes."""
    n, S, NN = m['n'], m['S'], m['NN']
    mits = m['mits'] if mitigated else []      # unmitigated: every e_t = 0
    by = lambda ty: [mi for mi in mits if mi['type'] == ty]  # noqa: E731
    demand, mixm, unit, capm = by('demand'), by('mix'), by('unit_cost'), by('capacity')
    cesm = by('cessation')
    trans = m['trans_mit'] if mitigated else m['trans']
    ehcps = np.empty((n, D))
    placements = np.empty((n, D))
    ws = work(S, NN, D)
    N, A, tmp = ws.N, ws.A, ws.tmp
    N[...] = m['N0']
    keep = m['keep'][:-1, None, None, :]                    # (25, 1, 1, Dx)
    np_age = m['np_age']                                    # (26, Dx)
    B = m['np_count']
    starts = pipeline(m, mitigated) if m['pipe'] is not None else None
    I = [1.0] * S
    for t in range(n):
        if t > 0:
            # 1-2. cessation and ageing; plans aged 25 end. Cessation
            #      mitigations (SPEC 12): min(1, cease[a] + sum increase * e_t)
            #      on their ages, settings and needs
            if cesm:
                c = np.zeros((AGES - 1, S, NN, D))
                c += m['cease'][:-1, None, None, :]
                for mi in cesm:
                    ix = np.ix_(mi['ages'], mi['settings'], sorted(mi['needs']))
                    c[ix] += mi['increase'] * mi['e'][t]
                np.minimum(c, 1.0, out=c)
                np.subtract(1.0, c, out=c)
                np.multiply(N[:-1], c, out=A[1:])
            else:
                np.multiply(N[:-1], keep, out=A[1:])
            A[0] = 0.0
            # 3. transitions, every rule of an age (and need) on the pre-rule
            #    counts; a transition mitigation is a rule of rate rate * e_t
            for sl, nl, rs in trans:
                out, inn = {}, {}
                for f, to, r in rs:                        # every move before any update
                    if isinstance(r, tuple):
                        r = r[1] * r[2][t]
                        if np.ndim(r) == 0 and r == 0.0:
                            continue
                    mv = r * A[sl, f, nl]
                    out[f] = out[f] + mv if f in out else mv
                    inn[to] = inn[to] + mv if to in inn else mv
                for s in set(out) | set(inn):
                    if s in out and s in inn:
                        A[sl, s, nl] += inn[s] - out[s]
                    elif s in out:
                        A[sl, s, nl] -= out[s]
                    else:
                        A[sl, s, nl] += inn[s]
            # 4. new plans against the baseline path, need by need:
            #    NP_t[n] = B_t * need_share[n] * D_t[n], placed by the need's
            #    setting mix after the mix mitigations that apply to it
            B = B * (1.0 + m['np_growth'][t])
            base = B if starts is None else starts[t]      # B_t, or S_t with a pipeline
            for j in range(NN):
                Dm = 1.0
                for mi in demand:
                    if j in mi['needs']:
                        Dm = Dm * (1.0 - mi['reduction'] * mi['e'][t])
                NP = base * m['np_need'][j] * Dm
                mix = list(m['np_mix_n'][j])
                for mi in mixm:
                    if j in mi['needs']:
                        mv = np.minimum(mi['share'] * mi['e'][t], mix[mi['from']])
                        mix[mi['from']] = mix[mi['from']] - mv
                        mix[mi['to']] = mix[mi['to']] + mv
                nb = NP * np_age                            # (26, Dx)
                for s in range(S):                          # one setting at a time: in cache
                    if nb.shape[1] == 1 and np.ndim(mix[s]) == 0:
                        A[:, s, j] += nb * mix[s]
                    else:
                        np.multiply(nb, mix[s], out=tmp)
                        A[:, s, j] += tmp
            # 5. capacity, in list order, overflow to the named setting (every
            #    age and every need of the setting alike)
            for s, st in enumerate(m['settings']):
                if st['cap'] is None:
                    continue
                cap = st['cap'][t]
                for mi in capm:
                    if mi['setting'] == s:
                        cap = cap + mi['places'] * mi['e'][t]
                cap = np.maximum(cap, 0.0)
                As = A[:, s]                                # (26, NN, D)
                T = As.sum(axis=(0, 1))
                over = (T > cap) & (T > 0)
                if over.any():
                    with np.errstate(divide='ignore', invalid='ignore'):
                        f = np.where(over, (T - cap) / T, 0.0)
                    mv = np.multiply(As, f, out=ws.mv)
                    As -= mv
                    A[:, st['overflow']] += mv
            N, A = A, N
        # unit costs (by setting and need) and placements
        plans = N.sum(axis=0)                               # (S, NN, D)
        pl = 0.0
        eh = 0.0
        for s, st in enumerate(m['settings']):
            if t > 0:
                I[s] = I[s] * (1.0 + st['infl'][t])
            for j in range(NN):
                C = 1.0
                for mi in unit:
                    if mi['setting'] == s and j in mi['needs']:
                        C = C * (1.0 - mi['reduction'] * mi['e'][t])
                u = st['bases'][j] * I[s] * C
                pl = pl + plans[s, j] * u
                eh = eh + plans[s, j]
        placements[t] = pl
        ehcps[t] = eh
    return ehcps, placements


def series(m, D):
    """The per-draw series of SPEC 4 (and 13), shaped (metric, years, D), in
    the order of m['metrics']."""
    n, y0 = m['n'], m['y0']
    metrics = m['metrics']
    _, pl_un = project(m, D, False)
    eh, pl_mit = project(m, D, True)
    out = np.empty((len(metrics), n, D))
    cum = m['opening']
    reg, dsg = m['regime'], m['dsg']
    sg = reg['sg'] if reg is not None else None
    O = dsg['opening'] if dsg is not None else 0.0
    # SPEC 13: the eligible deficit E, measured at t_c on the series as
    # computed (central funding up to t_c in them; the grant, paid after
    # t_c, not); t_c before year 0 reads the opening balances
    E = None
    if sg is not None and sg['t_c'] < 0:
        E = np.maximum(0.0, cum if dsg is None else np.minimum(cum, cum + O))
    i_sg = metrics.index('stability_grant') if reg is not None else None
    i_dsg = metrics.index('dsg_deficit') if dsg is not None else None
    for t in range(n):
        other = sum(p[t] for p in m['other_exp'])
        income = m['grant'][t] + m['transfers'][t] + sum(p[t] for p in m['other_income'])
        sav = sum(mi['amount'][t] * mi['e'][t] for mi in m['mits'] if mi['type'] == 'saving')
        expenditure = pl_un[t] + other
        mitig = pl_un[t] - pl_mit[t] + sav
        gap = expenditure - income - mitig
        if reg is None:
            cum = cum + gap
        else:
            sgt = 0.0
            cf = 0.0
            if sg is not None and E is not None and t == sg['t_p']:
                sgt = sg['share'] * E * sg['received']
            if m['override_end'] is not None and y0 + t >= m['override_end']:
                cf = reg['central'][t] * np.maximum(0.0, gap)
            cum = cum + gap - sgt - cf
            out[i_sg, t] = sgt
            out[i_sg + 1, t] = cf
        out[0, t] = eh[t]
        out[1, t] = expenditure
        out[2, t] = mitig
        out[3, t] = income
        out[4, t] = gap
        out[5, t] = cum
        if dsg is not None:
            O = O + dsg['in_year'][t]
            out[i_dsg, t] = cum + O
        if sg is not None and t == sg['t_c']:
            E = np.maximum(0.0, cum if dsg is None else np.minimum(cum, cum + O))
    return out


# ---------------------------------------------------------------------------
# The Monte Carlo driver

class Run:
    pass


def _merge_key(k):
    """A mapping key as SPEC 7 compares keys: a year (2026, "2026",
    "2026/27") or an age (16, "16") as its number, a band ("16-19") as its
    ages, anything else as itself."""
    if isinstance(k, int) and not isinstance(k, bool):
        return ('n', k)
    sk = str(k).strip()
    g = re.fullmatch(r'(\d{4})\s*/\s*\d+', sk)
    if g:
        return ('n', int(g.group(1)))
    if re.fullmatch(r'\d+', sk):
        return ('n', int(sk))
    g = re.fullmatch(r'(\d+)\s*-\s*(\d+)', sk)
    if g:
        return ('band', int(g.group(1)), int(g.group(2)))
    return ('k', sk)


def _item_key(x):
    if not isinstance(x, dict):
        return None
    if x.get('id') is not None:
        return ('id', str(x['id']))
    if x.get('name') is not None:
        return ('name', str(x['name']))
    return None


def merge(base, over):
    """`over` merged over `base` (SPEC 7): mappings key by key (null removes a
    key), a distribution replaces as a whole, lists of items that all carry
    `id` or `name` item by item (`drop: true` removes one; new items follow
    the base's), anything else (an empty list too) replaces."""
    if (isinstance(base, dict) and isinstance(over, dict)
            and not is_dist(base) and not is_dist(over)):
        items = list(base.items())
        pos = {_merge_key(k): i for i, (k, _) in enumerate(items)}
        for k, v in over.items():
            i = pos.get(_merge_key(k))
            if v is None:
                if i is not None:
                    items[i] = None
                    del pos[_merge_key(k)]
                continue
            if i is not None:
                items[i] = (k, merge(items[i][1], v))
            else:
                pos[_merge_key(k)] = len(items)
                items.append((k, v))
        return {k: v for k, v in (x for x in items if x is not None)}
    if (isinstance(base, list) and isinstance(over, list) and base and over
            and all(_item_key(x) is not None for x in base + over)):
        items = list(base)
        pos = {_item_key(x): i for i, x in enumerate(items)}
        for x in over:
            k = _item_key(x)
            i = pos.get(k)
            if x.get('drop') is True:
                if i is None:
                    sys.exit('numpy_model.py: drop of %s %r, which the base lacks' % k)
                items[i] = None
                del pos[k]
                continue
            x = {kk: vv for kk, vv in x.items() if kk != 'drop'}
            if i is not None:
                items[i] = merge(items[i], x)
            else:
                pos[k] = len(items)
                items.append(x)
        return [x for x in items if x is not None]
    return over


def load_doc(path, chain=()):
    """The scenario at PATH with its `extends` chain merged (SPEC 7); a
    from_csv path is made absolute against the file that names it."""
    path = os.path.abspath(path)
    if path in chain:
        sys.exit('numpy_model.py: extends loop at %s' % path)
    with open(path, 'rb') as f:
        doc = hnbref.yaml.load(f, Loader=hnbref.Core12Loader)
    here = os.path.dirname(path)
    pop = doc.get('population')
    if isinstance(pop, dict) and pop.get('from_csv') is not None:
        pop['from_csv'] = os.path.join(here, str(pop['from_csv']))
    ext = doc.pop('extends', None)
    if ext is not None:
        doc = merge(load_doc(os.path.join(here, str(ext)), chain + (path,)), doc)
    return doc


def load(path):
    doc = load_doc(path)
    P = Params()
    m = build(doc, P, os.path.dirname(os.path.abspath(path)))   # registers the variables
    return doc, P, m


def copula(P, corr):
    """Lower Cholesky factor over the variables named in correlations."""
    if not corr:
        return None, None
    names = {}
    for k, v in enumerate(P.vars):
        names.setdefault(v.id, k)
        names.setdefault(v.path, k)
    members = []
    for c in corr:
        for key in ('a', 'b'):
            k = names[str(c[key])]
            if k not in members:
                members.append(k)
    members.sort()
    pos = {k: j for j, k in enumerate(members)}
    R = np.eye(len(members))
    for c in corr:
        i, j = pos[names[str(c['a'])]], pos[names[str(c['b'])]]
        R[i, j] = R[j, i] = hnbref.num(c['rho'])
    try:
        L = np.linalg.cholesky(R)
    except np.linalg.LinAlgError:
        sys.exit('monte_carlo.correlations: the correlation matrix of %s is not positive '
                 'definite' % ', '.join(P.vars[k].id for k in members))
    return np.array(members), L


def sample(run, start, d):
    """The variables' draws start..start+d-1: a list of (d,) columns."""
    P, K = run.P, len(run.P.vars)
    if run.central:
        return [np.full(d, v.central) for v in P.vars]
    bg = np.random.PCG64(run.seed)
    bg.advance(start * K)                  # draw i is the same whatever the chunking
    U = np.random.Generator(bg).random((d, K))
    np.maximum(U, DBL_MIN, out=U)          # (0, 1): random() may give 0
    if run.members is not None:
        Z = sp.ndtri(U[:, run.members])
        U[:, run.members] = np.clip(sp.ndtr(Z @ run.L.T), DBL_MIN, U_MAX)
    Ut = np.ascontiguousarray(U.T)         # one contiguous column per variable
    return [v.ppf(Ut[k]) for k, v in enumerate(P.vars)]


def do_chunks(run, starts):
    ts = tp = 0.0
    for start in starts:
        d = min(run.chunk, run.draws - start)
        t0 = time.perf_counter()
        run.P.values = sample(run, start, d)
        t1 = time.perf_counter()
        m = build(run.doc, run.P, run.base_dir)
        run.res[:, :, start:start + d] = series(m, d)
        t2 = time.perf_counter()
        ts += t1 - t0
        tp += t2 - t1
    return ts, tp


def stats_rows(run, rows):
    out = []
    for mi, t in rows:
        x = run.res[mi, t]
        out.append((x.mean(), np.percentile(x, QUANTILES)))
    return out


_RUN = None  # the run, inherited by forked workers


def _w_chunks(starts):
    return do_chunks(_RUN, starts)


def _w_stats(rows):
    return stats_rows(_RUN, rows)


def main(argv):
    global _RUN
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('scenario')
    ap.add_argument('--draws', type=int)
    ap.add_argument('--seed', type=int)
    ap.add_argument('--chunk', type=int, default=100000)
    ap.add_argument('--procs', type=int, default=1)
    ap.add_argument('--central', action='store_true')
    ap.add_argument('--csv')
    a = ap.parse_args(argv[1:])

    t_load = time.perf_counter()
    doc, P, m0 = load(a.scenario)
    mc = doc.get('monte_carlo') or {}
    run = Run()
    run.doc, run.P, run.base_dir = doc, P, os.path.dirname(os.path.abspath(a.scenario))
    run.draws = a.draws if a.draws is not None else int(mc.get('draws') or 10000)
    run.seed = a.seed if a.seed is not None else int(mc.get('seed') or 1)
    run.chunk = max(1, a.chunk)
    run.central = a.central
    run.members, run.L = copula(P, mc.get('correlations'))
    n, N = m0['n'], run.draws
    metrics = m0['metrics']
    nbytes = len(metrics) * n * N * 8
    if a.procs > 1:   # results in shared memory, written by the forked workers
        buf = mmap.mmap(-1, max(nbytes, 1))
        run.res = np.frombuffer(buf, dtype=float, count=len(metrics) * n * N)
        run.res = run.res.reshape(len(metrics), n, N)
    else:
        run.res = np.empty((len(metrics), n, N))
    _RUN = run
    t_load = time.perf_counter() - t_load

    starts = list(range(0, N, run.chunk))
    rows = [(mi, t) for mi in range(len(metrics)) for t in range(n)]
    t0 = time.perf_counter()
    if a.procs > 1:
        pool = multiprocessing.get_context('fork').Pool(a.procs)
        parts = pool.map(_w_chunks, [starts[i::a.procs] for i in range(a.procs)])
        t_sample = sum(p[0] for p in parts)
        t_proj = sum(p[1] for p in parts)
    else:
        t_sample, t_proj = do_chunks(run, starts)
    t1 = time.perf_counter()
    if a.procs > 1:
        parts = pool.map(_w_stats, [rows[i::a.procs] for i in range(a.procs)])
        stats = [None] * len(rows)
        for i in range(a.procs):
            for j, r in enumerate(parts[i]):
                stats[i + j * a.procs] = r
        pool.close()
        pool.join()
    else:
        stats = stats_rows(run, rows)
    t2 = time.perf_counter()
    wall_sim, wall_pct, wall = t1 - t0, t2 - t1, t2 - t0

    print('scenario: %s (%d random variables, %d correlated; %d years, %d settings%s)'
          % (a.scenario, len(P.vars), 0 if run.members is None else len(run.members),
             n, m0['S'], ', %d needs' % m0['NN'] if m0['needs'] else ''))
    print('draws %d, seed %d, chunk %d, procs %d%s; load %.3f s'
          % (N, run.seed, run.chunk, a.procs, ', CENTRAL values' if run.central else '',
             t_load))
    print('sampling+projection: %.3f s wall (summed over workers: sampling %.3f s, '
          'projection %.3f s)' % (wall_sim, t_sample, t_proj))
    print('percentiles:         %.3f s wall' % wall_pct)
    print('total:               %.3f s wall' % wall)
    print('numpy: %d draws in %.3f s (%.0f draws/s)' % (N, wall, N / wall if wall > 0 else 0))
    stat = dict(zip(rows, stats))
    y_last = m0['y0'] + n - 1
    p = stat[(CUM, n - 1)][1]
    print('cumulative_deficit %s: P10 %.2f  P50 %.2f  P90 %.2f  (mean %.2f)'
          % (hnbref.label(y_last), p[1], p[3], p[5], stat[(CUM, n - 1)][0]))
    if run.central:
        print('draw 0 (central values):')
        print(','.join(('year',) + metrics))
        for t in range(n):
            r = run.res[:, t, 0]
            print(','.join([str(m0['y0'] + t), hnbref.fmt(r[0], 3)] +
                           [hnbref.fmt(x, 2) for x in r[1:]]))
    if a.csv:
        with open(a.csv, 'w', encoding='utf-8') as f:
            f.write('year,label,metric,mean,p5,p10,p25,p50,p75,p90,p95\n')
            for t in range(n):
                for mi, name in enumerate(metrics):
                    mean, q = stat[(mi, t)]
                    d = 3 if name == 'ehcps' else 2
                    f.write(','.join([str(m0['y0'] + t), hnbref.label(m0['y0'] + t), name,
                                      hnbref.fmt(mean, d)] + [hnbref.fmt(x, d) for x in q])
                            + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
