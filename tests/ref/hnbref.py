#!/usr/bin/python3
"""hnbref: an independent reference implementation of the deterministic
projection of SPEC.md (sections 2-5 and 9; of v2, `hnb: 2` files with
sections 10 to 13), written from the text alone.

Usage: hnbref.py SCENARIO.yaml OUTDIR [--attribution ordered|shapley]
Writes OUTDIR/projection.csv, OUTDIR/placements.csv, OUTDIR/mitigations.csv,
for a v2 scenario with settings OUTDIR/dsg_plan.csv, with `needs`
OUTDIR/needs.csv and with `pipeline` OUTDIR/pipeline.csv.

Without `needs` the stock is stepped as one need of share 1 (the v1 model).

Sections 11 (the pipeline; `requests` and `assessment` mitigations) and 12
(`cessation` and `transition` mitigations; ordered or exact Shapley
attribution, the file's `attribution` or the --attribution option) are here.

Not here: `extends`, --set, Monte Carlo, input validation (input is assumed
valid), summary.md and charts.  Every distribution takes its central value.
"""

import csv
import os
import re
import sys
from decimal import Decimal

import yaml

AGES = 26  # ages 0..25


# ---------------------------------------------------------------------------
# YAML 1.2 core schema loader (PyYAML is YAML 1.1: `010` octal, `1e6` a
# string, yes/no booleans, timestamps...; the SPEC says YAML 1.2 core).

class Core12Loader(yaml.SafeLoader):
    pass


Core12Loader.yaml_implicit_resolvers = {}


def _add(tag, regexp, first):
    Core12Loader.add_implicit_resolver(tag, re.compile(regexp, re.X), list(first))


_add('tag:yaml.org,2002:null', r'^(?:~|null|Null|NULL|)$', ['~', 'n', 'N', ''])
_add('tag:yaml.org,2002:bool', r'^(?:true|True|TRUE|false|False|FALSE)$', 'tTfF')
_add('tag:yaml.org,2002:int', r'^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$',
     '-+0123456789')
_add('tag:yaml.org,2002:float',
     r'''^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$''', '-+0123456789.')


def _c_int(loader, node):
    v = loader.construct_scalar(node)
    if v.startswith('0o'):
        return int(v[2:], 8)
    if v.startswith('0x'):
        return int(v[2:], 16)
    return int(v, 10)


def _c_float(loader, node):
    v = loader.construct_scalar(node)
    low = v.lower()
    if low.endswith('.inf'):
        return float('-inf') if v.startswith('-') else float('inf')
    if low == '.nan':
        return float('nan')
    return float(v)


def _c_bool(loader, node):
    return loader.construct_scalar(node).lower() == 'true'


Core12Loader.add_constructor('tag:yaml.org,2002:int', _c_int)
Core12Loader.add_constructor('tag:yaml.org,2002:float', _c_float)
Core12Loader.add_constructor('tag:yaml.org,2002:bool', _c_bool)


# ---------------------------------------------------------------------------
# Values (section 2) and central values of distributions (section 6)

_NUM_RE = re.compile(r'^[0-9][0-9,]*(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?$|^\.[0-9]+(?:[eE][-+]?[0-9]+)?$')


def parse_str_number(s):
    """A numeric, percentage or money string -> float (lenient: the engine
    under test validates; we only need the meaning)."""
    t = s.strip()
    neg = False
    if t[:1] in '+-':
        neg = t[0] == '-'
        t = t[1:].strip()
    if t[:1] == '\u00a3':
        t = t[1:].strip()
        if t[:1] in '+-':
            neg = neg ^ (t[0] == '-')
            t = t[1:].strip()
    mult = Decimal(1)
    low = t.lower()
    if low.endswith('%'):
        mult = Decimal('0.01')
        t = t[:-1]
    elif low.endswith('bn'):
        mult = Decimal(1000000000)
        t = t[:-2]
    elif low.endswith('k'):
        mult = Decimal(1000)
        t = t[:-1]
    elif low.endswith('m'):
        mult = Decimal(1000000)
        t = t[:-1]
    t = t.strip()
    if not _NUM_RE.match(t):
        raise ValueError('not a number: %r' % s)
    d = Decimal(t.replace(',', '')) * mult
    x = float(d)
    return -x if neg else x


def num(v):
    """Central value of anything the SPEC accepts where a number is asked."""
    if isinstance(v, bool):
        raise ValueError('boolean where a number is asked: %r' % v)
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        return parse_str_number(v)
    if isinstance(v, dict) and 'dist' in v:
        return central(v)
    raise ValueError('not a number: %r' % (v,))


def central(d):
    kind = d['dist']
    if kind == 'normal':
        x = num(d['mean'])
        if 'min' in d and d['min'] is not None:
            x = max(x, num(d['min']))
        if 'max' in d and d['max'] is not None:
            x = min(x, num(d['max']))
        return x
    if kind == 'lognormal':
        return num(d['median'])
    if kind == 'uniform':
        return (num(d['min']) + num(d['max'])) / 2.0
    if kind in ('triangular', 'pert'):
        return num(d['mode'])
    if kind == 'bernoulli':
        return num(d['p'])
    raise ValueError('unknown dist %r' % kind)


def is_dist(v):
    return isinstance(v, dict) and 'dist' in v


def year_key(k):
    """2025, "2025" or "2025/26" -> 2025."""
    if isinstance(k, bool):
        raise ValueError('bad year %r' % k)
    if isinstance(k, int):
        return k
    s = str(k).strip()
    if '/' in s:
        a, _b = s.split('/', 1)
        return int(a.strip())
    return int(s)


def age_key(k):
    """16, "16" or "5-10" -> (lo, hi) inclusive."""
    if isinstance(k, int) and not isinstance(k, bool):
        return (k, k)
    s = str(k).strip()
    if '-' in s:
        a, b = s.split('-', 1)
        return (int(a.strip()), int(b.strip()))
    return (int(s), int(s))


def shares(mapping):
    """A share set keyed by name -> {name: share}, normalised by its sum."""
    vals = [(k, num(v)) for k, v in mapping.items()]
    tot = sum(v for _, v in vals)
    out = {}
    for k, v in vals:
        out[k] = out.get(k, 0.0) + v / tot
    return out


def age_shares(mapping):
    """A share set keyed by age or band -> list of 26 shares summing to 1.
    A band's share is spread evenly over its ages; overlapping keys add."""
    vals = [(age_key(k), num(v)) for k, v in mapping.items()]
    tot = sum(v for _, v in vals)
    arr = [0.0] * AGES
    for (lo, hi), v in vals:
        w = hi - lo + 1
        for a in range(lo, hi + 1):
            arr[a] += (v / tot) / w
    return arr


def age_rates(mapping, default):
    """A rate set keyed by age or band -> list of 26 rates; the narrowest key
    covering an age wins; ages no key covers take `default`."""
    keys = [(age_key(k), num(v)) for k, v in mapping.items()]
    arr = []
    for a in range(AGES):
        best = None
        for (lo, hi), v in keys:
            if lo <= a <= hi and (best is None or hi - lo < best[0]):
                best = (hi - lo, v)
        arr.append(default if best is None else best[1])
    return arr


class Ctx:
    def __init__(self, start_year, years):
        self.y0 = start_year
        self.n = years

    def rate(self, v, default=0.0):
        """Rate over time -> list of values for t = 0..n-1."""
        if v is None:
            return [default] * self.n
        if isinstance(v, dict) and not is_dist(v):
            keys = sorted((year_key(k), num(x)) for k, x in v.items())
            out = []
            for t in range(self.n):
                y = self.y0 + t
                val = keys[0][1]
                for ky, kv in keys:
                    if ky <= y:
                        val = kv
                out.append(val)
            return out
        x = num(v)
        return [x] * self.n

    def money_path(self, v):
        """Money path (bare amount, {base}, or {by_year}; optional growth)."""
        if not (isinstance(v, dict) and not is_dist(v)):
            v = {'base': v}
        g = self.rate(v.get('growth'), 0.0)
        out = []
        if 'by_year' in v and v['by_year'] is not None:
            named = {}
            for k, x in v['by_year'].items():
                named[year_key(k)] = num(x)
            for t in range(self.n):
                y = self.y0 + t
                if y in named:
                    out.append(named[y])
                else:
                    if t == 0:
                        raise ValueError('by_year does not name start_year')
                    out.append(out[-1] * (1.0 + g[t]))
        else:
            b = num(v['base'])
            out.append(b)
            for t in range(1, self.n):
                out.append(out[-1] * (1.0 + g[t]))
        return out

    def transfers(self, v):
        out = [0.0] * self.n
        if v:
            for k, x in v.items():
                t = year_key(k) - self.y0
                if 0 <= t < self.n:
                    out[t] += num(x)
        return out


# ---------------------------------------------------------------------------
# The compiled model

class Setting:
    pass


def age_list(v):
    """A transition's `ages` (ages or bands; absent = every age) -> a set."""
    if v is None:
        return set(range(AGES))
    ages = set()
    for k in v:
        lo, hi = age_key(k)
        ages.update(range(lo, hi + 1))
    return ages


class Mitigation:
    pass


def compile_scenario(path):
    with open(path, 'rb') as f:
        doc = yaml.load(f, Loader=Core12Loader)
    base_dir = os.path.dirname(os.path.abspath(path))
    y0 = int(doc['start_year'])
    n = int(doc['years'])
    c = Ctx(y0, n)
    m = {'y0': y0, 'n': n, 'version': int(doc.get('hnb', 1))}
    m['opening'] = num(doc['opening_deficit']) if doc.get('opening_deficit') is not None else 0.0

    costs = doc.get('costs') or {}
    infl_default = c.rate(costs.get('inflation'), 0.0)

    settings = []
    idx = {}
    for i, sd in enumerate(doc.get('settings') or []):
        s = Setting()
        s.id = str(sd['id'])
        idx[s.id] = i
        s.pf = num(sd['place_funding']) if sd.get('place_funding') is not None else 0.0
        if sd.get('bands') is not None:
            bs = [num(b['share']) for b in sd['bands']]
            tot = sum(bs)
            s.topup = 0.0
            for b, sh in zip(sd['bands'], bs):
                s.topup += (sh / tot) * num(b['tariff'])
        else:
            s.topup = num(sd['cost'])
        s.infl = c.rate(sd['inflation']) if sd.get('inflation') is not None else infl_default
        s.cap = c.rate(sd['capacity']) if sd.get('capacity') is not None else None
        s.overflow_id = sd.get('overflow')
        s.need_cost = {str(k): num(v) for k, v in (sd.get('need_cost') or {}).items()}
        s.dfe = sd.get('dfe_category') or 'other'   # section 10: none = `other`
        settings.append(s)
    for s in settings:
        s.overflow = idx[s.overflow_id] if s.overflow_id is not None else None
    m['settings'] = settings
    S = len(settings)

    # section 10: needs (without them, one need of share 1)
    needs_d = doc.get('needs')
    m['has_needs'] = needs_d is not None
    if needs_d is not None:
        m['needs'] = [str(nd['id']) for nd in needs_d]
    else:
        m['needs'] = [None]
    K = len(m['needs'])
    nidx = {nid: k for k, nid in enumerate(m['needs'])}

    def need_vec(mapping):
        """A need mix -> list of K shares (a need left out has share 0)."""
        sh = shares(mapping)
        return [sh.get(nid, 0.0) for nid in m['needs']]

    for s in settings:
        s.topup_n = [s.need_cost.get(nid, s.topup) for nid in m['needs']]

    # population -> N0[a][s][n]
    N0 = [[[0.0] * K for _ in range(S)] for _ in range(AGES)]
    pop = doc.get('population')
    if pop is not None:
        if pop.get('from_csv') is not None:
            cpath = os.path.join(base_dir, pop['from_csv'])
            with open(cpath, newline='', encoding='utf-8') as f:
                rows = list(csv.reader(f))
            hdr = [h.strip() for h in rows[0]]
            with_need = 'need' in hdr
            for row in rows[1:]:
                if not row or all(not x.strip() for x in row):
                    continue
                lo, hi = age_key(row[0].strip())
                si = idx[row[1].strip()]
                if with_need:
                    ki = nidx[row[2].strip()]
                    cnt = num(row[3].strip())
                else:
                    ki = 0
                    cnt = num(row[2].strip())
                w = hi - lo + 1
                for a in range(lo, hi + 1):
                    N0[a][si][ki] += cnt / w
        else:
            total = num(pop['total'])
            ash = age_shares(pop['age_profile'])
            mix = shares(pop['mix'])
            if m['has_needs']:
                nm = pop['need_mix']
                if all(str(k) in idx for k in nm):     # one mix per setting
                    pnm = {str(k): need_vec(v) for k, v in nm.items()}
                else:                                  # one common mix
                    common = need_vec(nm)
                    pnm = {st.id: common for st in settings}
            else:
                pnm = {st.id: [1.0] for st in settings}
            for a in range(AGES):
                for sid, sh in mix.items():
                    for k in range(K):
                        N0[a][idx[sid]][k] += total * ash[a] * sh * pnm[sid][k]
    m['N0'] = N0

    npd = doc.get('new_plans')
    if npd is not None:
        # with a pipeline (section 11) count and growth are absent
        m['np_count'] = num(npd['count']) if npd.get('count') is not None else 0.0
        m['np_growth'] = c.rate(npd.get('growth'), 0.0)
        m['np_age'] = age_shares(npd['age_profile'])
        mix = shares(npd['mix'])
        m['np_mix'] = [mix.get(s.id, 0.0) for s in settings]
        if m['has_needs']:
            m['need_share'] = need_vec(npd['need_mix'])
            m['mix_by_need'] = [None] * K
            for nid, mx in (npd.get('mix_by_need') or {}).items():
                sh = shares(mx)
                m['mix_by_need'][nidx[str(nid)]] = [sh.get(s.id, 0.0) for s in settings]
        else:
            m['need_share'] = [1.0]
            m['mix_by_need'] = [None]
    else:
        m['need_share'] = [1.0] * K
        m['mix_by_need'] = [None] * K
        m['np_count'] = 0.0
        m['np_growth'] = [0.0] * n
        m['np_age'] = [0.0] * AGES
        m['np_mix'] = []

    # section 11: the pipeline
    pl = doc.get('pipeline')
    m['pipeline'] = None
    if pl is not None:
        rq = pl['requests']
        m['pipeline'] = {
            'count': num(rq['count']),
            'growth': c.rate(rq.get('growth'), 0.0),
            'backlog': num(pl['backlog']) if pl.get('backlog') is not None else 0.0,
            'capacity': c.rate(pl['capacity']) if pl.get('capacity') is not None else None,
            'assess': c.rate(pl.get('assess_rate'), 1.0),
            'issue': c.rate(pl.get('issue_rate'), 1.0),
            'same_year': num(pl['same_year']) if pl.get('same_year') is not None else 1.0,
        }
    # section 12: attribution (the command line overrides it in main)
    m['attribution'] = str(doc.get('attribution') or 'ordered')

    ces = doc.get('cessation') or {}
    rate = num(ces['rate']) if ces.get('rate') is not None else 0.0
    m['cease'] = age_rates(ces.get('by_age') or {}, rate)

    trans = []
    for tr in doc.get('transitions') or []:
        ages = age_list(tr.get('ages'))
        tn = None if tr.get('needs') is None else {nidx[str(x)] for x in tr['needs']}
        trans.append((ages, idx[tr['from']], idx[tr['to']], num(tr['rate']), tn))
    m['trans'] = trans

    fund = doc['funding']
    m['grant'] = c.money_path(fund['grant'])
    m['transfers'] = c.transfers(fund.get('transfers'))
    m['other_income'] = [c.money_path(p) for p in (fund.get('other_income') or [])]
    m['other_exp'] = [c.money_path(p) for p in (doc.get('other_expenditure') or [])]

    mits = []
    for md in doc.get('mitigations') or []:
        mi = Mitigation()
        mi.name = str(md['name'])
        mi.type = md['type']
        # section 10: `need` on demand, mix and unit_cost (None = every need)
        mi.need = nidx[str(md['need'])] if md.get('need') is not None else None
        start = year_key(md['start']) if md.get('start') is not None else y0
        ramp = [num(x) for x in md['ramp']] if md.get('ramp') is not None else [1.0]
        delivery = num(md['delivery']) if md.get('delivery') is not None else 1.0
        mi.e = []
        for t in range(n):
            y = y0 + t
            if y >= start:
                mi.e.append(delivery * ramp[min(y - start, len(ramp) - 1)])
            else:
                mi.e.append(0.0)
        if mi.type == 'saving':
            mi.amount = c.money_path(md['amount'])
        elif mi.type == 'demand':
            mi.reduction = num(md['reduction'])
        elif mi.type == 'mix':
            mi.frm = idx[md['from']]
            mi.to = idx[md['to']]
            mi.share = num(md['share'])
        elif mi.type == 'unit_cost':
            mi.setting = idx[md['setting']]
            mi.reduction = num(md['reduction'])
        elif mi.type == 'capacity':
            mi.setting = idx[md['setting']]
            mi.places = num(md['places'])
        elif mi.type == 'requests':        # section 11
            mi.reduction = num(md['reduction'])
        elif mi.type == 'assessment':      # section 11
            mi.capacity = num(md['capacity'])
        elif mi.type == 'cessation':       # section 12
            mi.increase = num(md['increase'])
            mi.ages = age_list(md.get('ages'))
            mi.settings = None if md.get('settings') is None else \
                {idx[str(x)] for x in md['settings']}
            mi.needs = None if md.get('needs') is None else \
                {nidx[str(x)] for x in md['needs']}
        elif mi.type == 'transition':      # section 12
            mi.frm = idx[md['from']]
            mi.to = idx[md['to']]
            mi.rate = num(md['rate'])
            mi.ages = age_list(md.get('ages'))
            mi.needs = None if md.get('needs') is None else \
                {nidx[str(x)] for x in md['needs']}
        else:
            raise ValueError('unknown mitigation type %r' % mi.type)
        mits.append(mi)
    m['mits'] = mits

    # section 13: regime and dsg (v2)
    m['override_end'] = year_key(doc['override_end']) if doc.get('override_end') is not None else None
    m['regime'] = None
    if 'regime' in doc:
        reg = doc.get('regime') or {}
        r = {'sg': None, 'central': [0.0] * n}
        sg = reg.get('stability_grant')
        if sg is not None:
            r['sg'] = {'t_c': year_key(sg['cutoff']) - y0,
                       't_p': year_key(sg['paid']) - y0,
                       'share': num(sg['share']),
                       'received': num(sg['received']) if sg.get('received') is not None else 1.0}
        ao = reg.get('after_override')
        if ao is not None:
            r['central'] = c.rate(ao.get('central_share'), 0.0)
        m['regime'] = r
    m['dsg'] = None
    if 'dsg' in doc:
        dd = doc.get('dsg') or {}
        m['dsg'] = {'opening': num(dd['opening']) if dd.get('opening') is not None else 0.0,
                    'in_year': c.money_path(dd['in_year']) if dd.get('in_year') is not None else [0.0] * n}
    return m


# ---------------------------------------------------------------------------
# The projection (section 4)

def pipeline(m, on):
    """Section 11: the request-to-plan pipeline with mitigation i active iff
    on[i].  Per-year lists R (received), K (concluded), W (backlog at the end
    of the year), P (decided) and S (plans that start)."""
    pl = m['pipeline']
    mits = m['mits']
    out = {'R': [], 'K': [], 'W': [], 'P': [], 'S': []}
    Rb = pl['count']
    W = pl['backlog']
    for t in range(m['n']):
        if t > 0:
            Rb = Rb * (1.0 + pl['growth'][t])
        Q = 1.0
        extra = 0.0
        for i, mi in enumerate(mits):
            et = mi.e[t] if on[i] else 0.0
            if mi.type == 'requests':
                Q *= (1.0 - mi.reduction * et)
            elif mi.type == 'assessment':
                extra += mi.capacity * et
        R = Rb * Q
        avail = W + R
        if pl['capacity'] is None:
            K = avail
        else:
            K = min(avail, pl['capacity'][t] + extra)
        W = avail - K
        P = K * pl['assess'][t] * pl['issue'][t]
        Pprev = out['P'][-1] if t > 0 else P
        Sv = pl['same_year'] * P + (1.0 - pl['same_year']) * Pprev
        for k, v in (('R', R), ('K', K), ('W', W), ('P', P), ('S', Sv)):
            out[k].append(v)
    return out


def project(m, on):
    """Run the projection with mitigation i active iff on[i].
    Returns dict of per-year lists.  The stock is N[a][s][n] (section 10);
    without needs there is one need of share 1."""
    n = m['n']
    settings = m['settings']
    S = len(settings)
    K = len(m['needs'])
    mits = m['mits']

    def e(i, t):
        return mits[i].e[t] if on[i] else 0.0

    def applies(mi, k):
        return mi.need is None or mi.need == k

    res = {'N': [], 'NP': [], 'u': [], 'plans': [], 'plans_n': [], 'cost': [],
           'placements': [], 'savings': []}
    N = [[row[:] for row in ra] for ra in m['N0']]
    B = m['np_count']
    I = [1.0] * S
    ages_named = set()
    for tr in m['trans']:
        ages_named |= tr[0]
    for mi in mits:                    # section 12: transition mitigations
        if mi.type == 'transition':
            ages_named |= mi.ages
    pipe = pipeline(m, on) if m['pipeline'] is not None else None
    res['pipe'] = pipe
    for t in range(n):
        if t == 0:
            # section 11: with a pipeline, new_plans_0 = S_0 (reported only)
            NP = m['np_count'] if pipe is None else pipe['S'][0]
        else:
            # 1. cessation (the same rates for every need); section 12:
            #    cessation mitigations raise the rate of the plans they apply
            #    to (age a during year t-1) to min(1, cease[a] + sum inc * e_t)
            M = [[[x * (1.0 - m['cease'][a]) for x in N[a][s]] for s in range(S)]
                 for a in range(AGES)]
            cms = [(i, mi) for i, mi in enumerate(mits)
                   if mi.type == 'cessation' and on[i]]
            if cms:
                for a in range(AGES):
                    for s in range(S):
                        for k in range(K):
                            extra = 0.0
                            hit = False
                            for i, mi in cms:
                                if a in mi.ages and \
                                        (mi.settings is None or s in mi.settings) and \
                                        (mi.needs is None or k in mi.needs):
                                    extra += mi.increase * e(i, t)
                                    hit = True
                            if hit:
                                r = min(1.0, m['cease'][a] + extra)
                                M[a][s][k] = N[a][s][k] * (1.0 - r)
            # 2. ageing
            A = [[[0.0] * K for _ in range(S)]] + [M[a] for a in range(AGES - 1)]
            # 3. transitions: at each age, for each need, the rules that apply
            #    to it act at once on the pre-rule values
            for a in sorted(ages_named):
                for k in range(K):
                    pre = [A[a][s][k] for s in range(S)]
                    out = [0.0] * S
                    inn = [0.0] * S
                    for ages, f, to, r, tn in m['trans']:
                        if a in ages and (tn is None or k in tn):
                            out[f] += r * pre[f]
                            inn[to] += r * pre[f]
                    # section 12: transition mitigations, rate * e_t, at once
                    for i, mi in enumerate(mits):
                        if mi.type == 'transition' and a in mi.ages and \
                                (mi.needs is None or k in mi.needs):
                            r = mi.rate * e(i, t)
                            out[mi.frm] += r * pre[mi.frm]
                            inn[mi.to] += r * pre[mi.frm]
                    for s in range(S):
                        A[a][s][k] += inn[s] - out[s]
            # 4. new plans, need by need (section 11: S_t in place of B_t)
            B = B * (1.0 + m['np_growth'][t])
            if pipe is not None:
                B = pipe['S'][t]
            NP = 0.0
            for k in range(K):
                D = 1.0
                for i, mi in enumerate(mits):
                    if mi.type == 'demand' and applies(mi, k):
                        D *= (1.0 - mi.reduction * e(i, t))
                NPk = B * m['need_share'][k] * D
                NP += NPk
                base = m['mix_by_need'][k]
                mix = (base if base is not None else m['np_mix'])[:]
                for i, mi in enumerate(mits):
                    if mi.type == 'mix' and applies(mi, k):
                        mv = min(mi.share * e(i, t), mix[mi.frm])
                        mix[mi.frm] -= mv
                        mix[mi.to] += mv
                for a in range(AGES):
                    for s in range(S):
                        A[a][s][k] += NPk * m['np_age'][a] * mix[s]
            # 5. capacity, in list order; T over ages and needs
            for s, st in enumerate(settings):
                if st.cap is None:
                    continue
                cap = st.cap[t]
                for i, mi in enumerate(mits):
                    if mi.type == 'capacity' and mi.setting == s:
                        cap += mi.places * e(i, t)
                cap = max(cap, 0.0)
                T = sum(A[a][s][k] for a in range(AGES) for k in range(K))
                if T > cap and T > 0:
                    f = (T - cap) / T
                    o = st.overflow
                    for a in range(AGES):
                        for k in range(K):
                            mv = A[a][s][k] * f
                            A[a][s][k] -= mv
                            A[a][o][k] += mv
            N = A
        # unit costs u[s][n]
        u = []
        for s, st in enumerate(settings):
            if t > 0:
                I[s] = I[s] * (1.0 + st.infl[t])
            us = []
            for k in range(K):
                C = 1.0
                for i, mi in enumerate(mits):
                    if mi.type == 'unit_cost' and mi.setting == s and applies(mi, k):
                        C *= (1.0 - mi.reduction * e(i, t))
                us.append((st.pf + st.topup_n[k]) * I[s] * C)
            u.append(us)
        plans_n = [[sum(N[a][s][k] for a in range(AGES)) for k in range(K)]
                   for s in range(S)]
        plans = [sum(p) for p in plans_n]
        cost = [sum(plans_n[s][k] * u[s][k] for k in range(K)) for s in range(S)]
        placements = 0.0
        for s in range(S):
            placements += cost[s]
        sav = 0.0
        for i, mi in enumerate(mits):
            if mi.type == 'saving':
                sav += mi.amount[t] * e(i, t)
        res['N'].append([[row[:] for row in ra] for ra in N])
        res['NP'].append(NP)
        res['u'].append(u)
        res['plans'].append(plans)
        res['plans_n'].append(plans_n)
        res['cost'].append(cost)
        res['placements'].append(placements)
        res['savings'].append(sav)
    return res


# ---------------------------------------------------------------------------
# Output (section 9)

def label(y):
    return '%d/%02d' % (y, (y + 1) % 100)


def fmt(x, d):
    s = '%.*f' % (d, x)
    if s.startswith('-') and float(s) == 0.0:
        s = s[1:]
    return s


def field(s):
    s = str(s)
    if ',' in s or '"' in s:
        return '"' + s.replace('"', '""') + '"'
    return s


def write_csv(path, header, rows):
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8', newline='') as f:
        f.write(','.join(header) + '\n')
        for r in rows:
            f.write(','.join(r) + '\n')
    os.replace(tmp, path)


def compute(m):
    nm = len(m['mits'])
    if m['attribution'] == 'shapley':
        # section 12: exact Shapley values over the m non-saving mitigations;
        # f(S) = placements_t with exactly the mitigations of S on (the
        # savings' on/off changes no placement)
        J = [i for i, mi in enumerate(m['mits']) if mi.type != 'saving']
        mm = len(J)
        if mm > 16:
            raise ValueError('shapley with more than 16 non-saving mitigations')
        f = []
        for mask in range(1 << mm):
            on = [True] * nm
            for b, i in enumerate(J):
                on[i] = bool(mask >> b & 1)
            f.append(project(m, on))
        un, mit = f[0], f[(1 << mm) - 1]
        fact = [1.0]
        for q in range(1, mm + 1):
            fact.append(fact[-1] * q)
        w = [fact[q] * fact[mm - q - 1] / fact[mm] for q in range(mm)]
        pc = [bin(x).count('1') for x in range(1 << mm)]
        contrib = [[0.0] * nm for _ in range(m['n'])]
        for b, i in enumerate(J):
            bit = 1 << b
            for mask in range(1 << mm):
                if mask & bit:
                    continue
                wq = w[pc[mask]]
                fa, fb = f[mask]['placements'], f[mask | bit]['placements']
                for t in range(m['n']):
                    contrib[t][i] += wq * (fa[t] - fb[t])
        for i, mi in enumerate(m['mits']):
            if mi.type == 'saving':
                for t in range(m['n']):
                    contrib[t][i] = mi.amount[t] * mi.e[t]
        runs = None
    else:
        runs = [project(m, [j < i for j in range(nm)]) for i in range(nm + 1)]
        un, mit = runs[0], runs[nm]
    n, y0 = m['n'], m['y0']
    proj = []
    cum = m['opening']
    reg, dsg = m['regime'], m['dsg']
    O = dsg['opening'] if dsg is not None else 0.0
    # Section 13: eligible deficit E, measured at t_c on the series as computed
    # (central funding up to t_c included; the grant, paid after t_c, not).
    E = None
    sg = reg['sg'] if reg is not None else None
    if sg is not None and sg['t_c'] < 0:
        E = cum if dsg is None else min(cum, cum + O)
        E = max(0.0, E)
    for t in range(n):
        other = sum(p[t] for p in m['other_exp'])
        income = m['grant'][t] + m['transfers'][t] + sum(p[t] for p in m['other_income'])
        expenditure = un['placements'][t] + other
        mitig = un['placements'][t] - mit['placements'][t] + mit['savings'][t]
        gap = expenditure - income - mitig
        sgt = 0.0
        cf = 0.0
        if sg is not None and E is not None and t == sg['t_p']:
            # t_p < 0 never reaches here; t_p >= n never matches: no grant.
            sgt = sg['share'] * E * sg['received']
        if reg is not None and m['override_end'] is not None and y0 + t >= m['override_end']:
            cf = reg['central'][t] * max(0.0, gap)
        cum = cum + gap - sgt - cf
        if dsg is not None:
            O = O + dsg['in_year'][t]
        dsgdef = cum + O
        if sg is not None and t == sg['t_c']:
            E = max(0.0, cum if dsg is None else min(cum, dsgdef))
        proj.append(dict(year=y0 + t, ehcps=sum(mit['plans'][t]),
                         ehcps_un=sum(un['plans'][t]), new_plans=mit['NP'][t],
                         expenditure=expenditure, mitigations=mitig, income=income,
                         grant=m['grant'][t], gap=gap, cum=cum, sg=sgt, cf=cf,
                         O=O, dsgdef=dsgdef))
    if runs is None:
        return proj, mit, contrib, un
    contrib = []
    for t in range(n):
        row = []
        for i, mi in enumerate(m['mits']):
            c = runs[i]['placements'][t] - runs[i + 1]['placements'][t]
            if mi.type == 'saving':
                c += mi.amount[t] * mi.e[t]
            row.append(c)
        contrib.append(row)
    return proj, mit, contrib, un


def main(argv):
    argv = list(argv)
    attribution = None
    if '--attribution' in argv:
        j = argv.index('--attribution')
        attribution = argv[j + 1]
        del argv[j:j + 2]
        if attribution not in ('ordered', 'shapley'):
            sys.stderr.write('--attribution: ordered or shapley\n')
            return 2
    if len(argv) != 3:
        sys.stderr.write('usage: hnbref.py SCENARIO.yaml OUTDIR [--attribution ordered|shapley]\n')
        return 1
    m = compile_scenario(argv[1])
    if attribution is not None:
        m['attribution'] = attribution      # the command line overrides the file
    proj, mit, contrib, un = compute(m)
    out = argv[2]
    os.makedirs(out, exist_ok=True)
    rows = []
    for p in proj:
        r = [str(p['year']), label(p['year']), fmt(p['ehcps'], 3),
             fmt(p['ehcps_un'], 3), fmt(p['new_plans'], 3),
             fmt(p['expenditure'], 2), fmt(p['mitigations'], 2),
             fmt(p['income'], 2), fmt(p['grant'], 2), fmt(p['gap'], 2),
             fmt(p['cum'], 2)]
        if m['regime'] is not None:
            r += [fmt(p['sg'], 2), fmt(p['cf'], 2)]
        if m['dsg'] is not None:
            r += [fmt(p['O'], 2), fmt(p['dsgdef'], 2)]
        rows.append(r)
    header = ['year', 'label', 'ehcps', 'ehcps_unmitigated', 'new_plans',
              'expenditure', 'mitigations', 'income', 'grant', 'annual_gap',
              'cumulative_deficit']
    if m['regime'] is not None:
        header += ['stability_grant', 'central_funding']
    if m['dsg'] is not None:
        header += ['other_blocks', 'dsg_deficit']
    write_csv(os.path.join(out, 'projection.csv'), header, rows)
    rows = []
    for t in range(m['n']):
        y = m['y0'] + t
        for s, st in enumerate(m['settings']):
            plans = mit['plans'][t][s]
            if not m['has_needs']:
                u = mit['u'][t][s][0]
                cost = plans * u
            else:
                # section 10: plans and cost summed over needs; unit cost
                # cost / plans, or with no plans the average of u[s][n]
                # weighted by new_plans.need_mix
                cost = mit['cost'][t][s]
                if plans != 0:
                    u = cost / plans
                else:
                    u = sum(w * x for w, x in zip(m['need_share'], mit['u'][t][s]))
            rows.append([str(y), label(y), field(st.id), fmt(plans, 3), fmt(u, 2),
                         fmt(cost, 2)])
    write_csv(os.path.join(out, 'placements.csv'),
              ['year', 'label', 'setting', 'plans', 'unit_cost', 'cost'], rows)
    if m['has_needs']:
        rows = []
        for t in range(m['n']):
            y = m['y0'] + t
            for s, st in enumerate(m['settings']):
                for k, nid in enumerate(m['needs']):
                    p = mit['plans_n'][t][s][k]
                    u = mit['u'][t][s][k]
                    rows.append([str(y), label(y), field(st.id), field(nid),
                                 fmt(p, 3), fmt(u, 2), fmt(p * u, 2)])
        write_csv(os.path.join(out, 'needs.csv'),
                  ['year', 'label', 'setting', 'need', 'plans', 'unit_cost', 'cost'], rows)
    rows = []
    for t in range(m['n']):
        y = m['y0'] + t
        for i, mi in enumerate(m['mits']):
            rows.append([str(y), label(y), field(mi.name), field(mi.type),
                         fmt(contrib[t][i], 2)])
    write_csv(os.path.join(out, 'mitigations.csv'),
              ['year', 'label', 'mitigation', 'type', 'contribution'], rows)
    if m['pipeline'] is not None:
        # section 9/11: pipeline.csv, the mitigated run but the last column;
        # new_plans as projection.csv's (S_0 in year 0, then S_t * D_t)
        rows = []
        pm = mit['pipe']
        for t in range(m['n']):
            y = m['y0'] + t
            rows.append([str(y), label(y), fmt(pm['R'][t], 3), fmt(pm['K'][t], 3),
                         fmt(pm['W'][t], 3), fmt(pm['P'][t], 3),
                         fmt(mit['NP'][t], 3), fmt(un['NP'][t], 3)])
        write_csv(os.path.join(out, 'pipeline.csv'),
                  ['year', 'label', 'requests', 'concluded', 'backlog', 'decided',
                   'new_plans', 'new_plans_unmitigated'], rows)
    if m['version'] >= 2 and m['settings']:
        rows = []
        for t in range(m['n']):
            y = m['y0'] + t
            for cat in DFE_CATEGORIES + ['all']:
                ss = [s for s, st in enumerate(m['settings'])
                      if cat == 'all' or st.dfe == cat]
                N = mit['N'][t]
                for g, (lo, hi) in AGE_GROUPS:
                    v = sum(x for a in range(lo, hi + 1) for s in ss for x in N[a][s])
                    rows.append([str(y), label(y), cat, 'age', g, fmt(v, 3)])
                if m['has_needs']:
                    for k, nid in enumerate(m['needs']):
                        v = sum(N[a][s][k] for a in range(AGES) for s in ss)
                        rows.append([str(y), label(y), cat, 'need', field(nid), fmt(v, 3)])
                    v = sum(x for a in range(AGES) for s in ss for x in N[a][s])
                    rows.append([str(y), label(y), cat, 'need', 'total', fmt(v, 3)])
        write_csv(os.path.join(out, 'dsg_plan.csv'),
                  ['year', 'label', 'category', 'breakdown', 'group', 'plans'], rows)
    return 0


DFE_CATEGORIES = ['mainstream', 'resourced', 'special', 'independent_special',
                  'ap_hospital', 'post16', 'other']
AGE_GROUPS = [('0-4', (0, 4)), ('5-10', (5, 10)), ('11-15', (11, 15)),
              ('16-19', (16, 19)), ('20-25', (20, 25)), ('total', (0, 25))]


if __name__ == '__main__':
    sys.exit(main(sys.argv))
