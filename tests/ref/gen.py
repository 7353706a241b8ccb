#!/usr/bin/python3
"""gen.py: random VALID bottom-up hnb scenarios for differential testing.

Usage:  gen.py SEED            > x.yaml     (population from total/mix/age_profile)
        gen.py SEED OUT.yaml                (writes OUT.yaml; for some seeds also a
                                             population CSV beside it, used via from_csv;
                                             for collapse-eligible need scenarios also
                                             OUT-flat.yaml, and for some seeds OUT.opts,
                                             extra command-line options: see below)

Exercises: 2-5 settings (cost or bands, place_funding, own inflation),
capacities (scalar or by-year) with overflow targets listed later, transitions
(out-rates per setting per age <= 1), cessation by age with nested keys,
new-plan growth by year, all five mitigation types (start before/after
start_year, "YYYY/YY" years, ramps, delivery distributions), money paths with
base or by_year, transfers, other income/expenditure, percentage and money
strings in many spellings, numeric strings with thousands commas, and
distributions (central values) for some values.  No monte_carlo block.

About half the seeds give a v2 scenario (`hnb: 2`): the v1 scenario of that
seed with, decided from a second random stream seeded from the seed (so the
v1 part, and every v1 seed, is exactly what it was), a random mix of section
13's `regime` (stability_grant with the cutoff before, inside or after the
horizon, paid inside or outside it, received a number or a Bernoulli
distribution or absent; after_override with central_share one value or a
year mapping, only with override_end) and `dsg` (opening of either sign,
in_year a bare amount, base+growth or by_year), and section 10's
`dfe_category` on some settings.

About two in five v2 scenarios also get section 10's primary need, decided
from a third stream of their own (so every earlier scenario is unchanged but
for the added keys): 2-6 need ids, a population need mix (common, per
setting, or a `need` column in the population CSV), new_plans.need_mix, and
some of mix_by_need, need_cost, `needs` on transitions (old ones, and new
need-specific ones keeping the rates out of a setting at an age, per need,
at most 1) and `need` on demand, mix and unit_cost mitigations (old and new).
About a third of those carry no need-specific key at all (one common need
mix, a CSV split by it, no mix_by_need, need_cost, need or needs): for them,
`gen.py SEED OUT.yaml` also writes OUT-flat.yaml, the same scenario with the
need keys removed (and the need-less CSV), which must have the same totals
(the collapse invariant of section 10).

About three in five v2 scenarios also get, from a fourth stream of their own
(again: earlier scenarios unchanged but for the added keys), some of section
11's `pipeline` (new_plans.count and growth dropped; requests with growth,
backlog, capacity absent, one value or by year, sometimes 0, assess_rate and
issue_rate one value or by year, same_year) with `requests` and `assessment`
mitigations, section 12's `cessation` (ages, settings, needs; sometimes large
enough to clamp at 1) and `transition` mitigations (the scenario's rates plus
every transition mitigation's full rate out of a setting at an age, per need,
at most 1), and `attribution: shapley` (at most SHAPLEY_MAX non-saving
mitigations) or `ordered`.  The need-less twin gets the same keys (no `needs`
on the new mitigations of a collapse-eligible scenario).

For about one seed in seven, v1 or v2, `gen.py SEED OUT.yaml` also writes
OUT.opts, extra command-line options for both implementations (a fifth
stream; the scenario is unchanged): `--attribution shapley` or `ordered`.
"""

import copy
import json
import os
import random
import sys
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hnbref  # noqa: E402  (value parsing only: central values, age keys)

R = None  # random.Random


# ---------------------------------------------------------------- emitting

class Raw(str):
    """Emitted verbatim (e.g. a plain YAML number written some special way)."""


def scalar(v):
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    raise TypeError(v)


def flow(v):
    if isinstance(v, dict):
        return '{' + ', '.join('%s: %s' % (scalar(k), flow(x)) for k, x in v.items()) + '}'
    if isinstance(v, list):
        return '[' + ', '.join(flow(x) for x in v) + ']'
    return scalar(v)


def block(doc):
    out = []
    for k, v in doc.items():
        if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            out.append('%s:' % k)
            for x in v:
                out.append('  - ' + flow(x))
        elif isinstance(v, dict) and k in ('population', 'new_plans', 'cessation',
                                           'funding', 'costs'):
            out.append('%s:' % k)
            for kk, vv in v.items():
                if isinstance(vv, list) and vv and all(isinstance(x, dict) for x in vv):
                    out.append('  %s:' % kk)
                    for x in vv:
                        out.append('    - ' + flow(x))
                else:
                    out.append('  %s: %s' % (kk, flow(vv)))
        else:
            out.append('%s: %s' % (k, flow(v)))
    return '\n'.join(out) + '\n'


# ---------------------------------------------------------------- values

def dec(x, places):
    """x rounded to `places` decimals, as a Decimal without trailing zeros."""
    d = Decimal(repr(round(x, places))).quantize(Decimal(1).scaleb(-places))
    d = d.normalize()
    if d == d.to_integral():
        d = d.quantize(Decimal(1))
    return d


def dstr(d):
    s = format(d, 'f')
    return s


def commas(d):
    """Decimal -> string with thousands commas in the integer part."""
    s = dstr(abs(d))
    ip, _, fp = s.partition('.')
    ip = '{:,}'.format(int(ip))
    r = ip + ('.' + fp if fp else '')
    return ('-' if d < 0 else '') + r


def rate_value(x, places=4, allow_dist=True, lo=None, hi=None, bern=False):
    """A rate/share/fraction in one of its spellings; returns (yaml value)."""
    d = dec(x, places)
    c = R.random()
    if allow_dist and c < 0.12:
        return dist_around(float(d), lo, hi, kind='rate', bern=bern)
    if c < 0.45:
        p = (d * 100).normalize()
        if p == p.to_integral():
            p = p.quantize(Decimal(1))
        return dstr(p) + '%'
    if c < 0.6:
        return dstr(d)          # numeric string
    f = float(d)
    if f == int(f) and R.random() < 0.5:
        return int(f)
    return f


def money_value(x, allow_dist=True, lo=0.0):
    """An amount of money (pounds) in one of its spellings."""
    d = dec(x, 2)
    c = R.random()
    if allow_dist and c < 0.1:
        return dist_around(float(d), lo, None, kind='money')
    neg = d < 0
    a = abs(d)
    forms = []
    forms.append(lambda: ('-' if neg else '') + '\u00a3' + commas(a))
    forms.append(lambda: '\u00a3' + ('-' if neg else '') + commas(a))
    forms.append(lambda: ('-' if neg else '') + commas(a))
    if a == a.to_integral() and a % 1000 == 0:
        forms.append(lambda: ('-' if neg else '') + '\u00a3' + dstr((a / 1000).normalize()) + R.choice(['k', 'K']))
    if a % 1000 == 0:
        def _m():
            v = (a / Decimal(10 ** 6)).normalize()
            if v == v.to_integral():
                v = v.quantize(Decimal(1))
            return ('-' if neg else '') + R.choice(['', '\u00a3']) + dstr(v) + R.choice(['m', 'M'])
        forms.append(_m)
    if a % 1000000 == 0 and a >= 10 ** 8:
        def _bn():
            v = (a / Decimal(10 ** 9)).normalize()
            if v == v.to_integral():
                v = v.quantize(Decimal(1))
            return ('-' if neg else '') + '\u00a3' + dstr(v) + R.choice(['bn', 'BN', 'Bn'])
        forms.append(_bn)
    if c < 0.25:
        f = float(d)
        return int(f) if f == int(f) else f
    return R.choice(forms)()


def count_value(x, allow_dist=True):
    d = dec(x, R.choice([0, 0, 1, 3]))
    c = R.random()
    if allow_dist and c < 0.1:
        return dist_around(float(d), 0.0, None, kind='count')
    if c < 0.25 and abs(d) >= 1000:
        return commas(d)        # "8,213": a string holding a number
    if c < 0.3 and d == d.to_integral() and d >= 100 and d % 10 == 0:
        # exponent form (YAML 1.2 float)
        m = d
        e = 0
        while m % 10 == 0 and m != 0:
            m /= 10
            e += 1
        return Raw('%se%d' % (dstr(m), e))
    f = float(d)
    return int(f) if f == int(f) else f


def dist_around(c, lo, hi, kind, exact=False, bern=False):
    """A distribution whose central value is c (up to rounding; with exact
    False a truncated normal may have its mean outside [min, max], so its
    central value is the clamped bound) and whose bounded support lies in
    [lo, hi] (None = unbounded on that side)."""
    fmt = {'rate': lambda v: rate_value(v, 4, allow_dist=False),
           'money': lambda v: money_value(v, allow_dist=False, lo=None),
           'count': lambda v: count_value(v, allow_dist=False)}[kind]
    places = 4 if kind == 'rate' else 2
    span = abs(c) * 0.2 + (0.01 if kind == 'rate' else 1.0)
    kinds = ['normal', 'triangular', 'pert', 'uniform']
    if c > 0 and kind != 'rate':
        kinds.append('lognormal')
    if bern and lo is not None and lo >= 0 and hi is not None and hi <= 1:
        kinds.append('bernoulli')
    k = R.choice(kinds)
    c = float(dec(c, places))
    a = c - span * R.uniform(0.2, 1.0)
    b = c + span * R.uniform(0.2, 1.0)
    if lo is not None:
        a = max(a, lo)
    if hi is not None:
        b = min(b, hi)
    a = float(dec(a, places))
    b = float(dec(b, places))
    if not (a < c < b):
        return fmt(c)   # c at a bound: a plain value
    if k == 'normal':
        d = {'dist': 'normal', 'mean': fmt(c), 'sd': fmt(float(dec(span / 2, places)) or 0.01)}
        if lo is not None or hi is not None or R.random() < 0.3:
            d['min'] = fmt(a)
            d['max'] = fmt(b)
            if not exact and R.random() < 0.3:
                d['mean'] = fmt(float(dec(b + span / 2, places)))   # clamped to max
    elif k == 'lognormal':
        d = {'dist': 'lognormal', 'median': fmt(c), 'sigma': 0.1}
    elif k == 'uniform':
        h = float(dec(min(c - a, b - c), places))
        if h <= 0:
            return fmt(c)
        d = {'dist': 'uniform', 'min': fmt(float(Decimal(repr(c)) - Decimal(repr(h)))),
             'max': fmt(float(Decimal(repr(c)) + Decimal(repr(h))))}
    elif k == 'bernoulli':
        d = {'dist': 'bernoulli', 'p': fmt(c)}
    else:
        d = {'dist': k, 'min': fmt(a), 'mode': fmt(c), 'max': fmt(b)}
    if R.random() < 0.4:
        d['id'] = 'v%d' % R.randrange(10 ** 6)
    return d


def year_key(y):
    if R.random() < 0.3:
        return '%d/%02d' % (y, (y + 1) % 100)
    return y


def over_time(y0, n, make, p_map=0.5):
    """A rate over time: one value, or a mapping year -> value."""
    if R.random() >= p_map:
        return make()
    first = y0 + R.randint(-3, max(0, n - 1))
    ys = sorted(set([first] + [y0 + R.randint(0, n + 1) for _ in range(R.randint(0, 3))]))
    return {year_key(y): make() for y in ys}


def age_band_key(lo, hi):
    if lo == hi:
        return lo if R.random() < 0.7 else str(lo)
    return R.choice(['%d-%d', '%d - %d', '%d -%d']) % (lo, hi)


def share_values(k, allow_pct=True, allow_dist=True, places=3):
    """k shares summing to 1 (after rounding: within 0.005)."""
    w = [R.random() + 0.05 for _ in range(k)]
    t = sum(w)
    vals = [x / t for x in w]
    out = []
    for v in vals:
        if allow_dist and R.random() < 0.08:
            d = dec(v, places)
            out.append(dist_around(float(d), 0.0, 1.0, 'rate', exact=True))
        elif allow_pct and R.random() < 0.4:
            out.append(dstr((dec(v, places) * 100).normalize()) + '%')
        else:
            out.append(float(dec(v, places)))
    return out


def age_share_set(lo_age=0, hi_age=25, k=None):
    """A share set over ages: a random partition into bands, maybe with one
    extra overlapping key (overlapping keys add)."""
    ages = list(range(lo_age, hi_age + 1))
    k = k or R.randint(1, 5)
    cuts = sorted(R.sample(ages[1:], min(k - 1, len(ages) - 1))) if k > 1 else []
    bands = []
    start = lo_age
    for ct in cuts + [hi_age + 1]:
        bands.append((start, ct - 1))
        start = ct
    if R.random() < 0.3 and len(bands) < 6:
        a = R.randint(lo_age, hi_age)
        b = min(hi_age, a + R.randint(0, 3))
        if (a, b) not in bands:
            bands.append((a, b))
    vals = share_values(len(bands))
    m = {}
    for (a, b), v in zip(bands, vals):
        key = age_band_key(a, b)
        if key in m or (isinstance(key, int) and str(key) in m) or (isinstance(key, str) and key.isdigit() and int(key) in m):
            key = '%d-%d' % (a, b)
            if key in m:
                continue
        m[key] = v
    return m


def money_path(y0, n, base, growth_range=(-0.02, 0.08), p_by_year=0.35):
    p = {}
    if R.random() < p_by_year:
        by = {}
        if R.random() < 0.3:
            by[year_key(y0 - R.randint(1, 3))] = money_value(base * R.uniform(0.8, 1.0), allow_dist=False)
        by[year_key(y0)] = money_value(base)
        for _ in range(R.randint(0, 2)):
            y = y0 + R.randint(1, n + 2)
            if y not in [int(str(k)[:4]) for k in by]:
                by[year_key(y)] = money_value(base * R.uniform(0.9, 1.4))
        p['by_year'] = by
    else:
        p['base'] = money_value(base)
    if R.random() < 0.7:
        p['growth'] = over_time(y0, n, lambda: rate_value(R.uniform(*growth_range), 3, lo=-1.0, hi=None))
    return p


# ---------------------------------------------------------------- scenario

NAMES = ['mainstream', 'resourced', 'special', 'independent', 'post16', 'ap',
         'early-years', 'ind_special', 'FE']
MIT_NAMES = ['Early help', 'Banding review', 'New free school', 'Tighter EHCNA',
             'Contract renegotiation', 'Transport, review', 'SEMH "hub"',
             'Outreach', 'Annual reviews', 'Inclusion fund', 'Post-16 pathway',
             'Commissioning', 'AP redesign']


def gen(seed, csv_path=None, flat=None):
    """The scenario text; with `flat` (a dict), flat['text'] is set to the
    need-less twin of a collapse-eligible scenario."""
    global R
    R = random.Random(seed)
    y0 = R.choice([R.randint(2020, 2030), R.randint(2000, 2100)])
    n = R.choice([1, 2, 3, 5, 5, 7, 10, R.randint(1, 15)])
    if y0 + n > 2101 and R.random() < 0.5:
        pass  # horizon crossing 2100 is fine: labels like 2100/01
    S = R.randint(2, 5)
    ids = R.sample(NAMES, S)
    doc = {'hnb': 1, 'name': 'Random scenario %s' % seed}
    if R.random() < 0.5:
        doc['authority'] = 'Testshire, County Council'
    doc['start_year'] = y0
    doc['years'] = n
    doc['opening_deficit'] = money_value(R.choice([0, 1, 1, 1]) * R.uniform(-5e6, 80e6) // 1000 * 1000)
    if R.random() < 0.4:
        doc['override_end'] = y0 + R.randint(1, n)
        if R.random() < 0.5:
            doc['reserves'] = money_value(R.uniform(20e6, 200e6) // 1e5 * 1e5, allow_dist=False)

    total = R.uniform(500, 15000)
    pop_mix_w = [R.random() + 0.05 for _ in range(S)]
    tw = sum(pop_mix_w)
    pop_mix = [w / tw for w in pop_mix_w]

    settings = []
    has_cap = []
    for i, sid in enumerate(ids):
        s = {'id': sid}
        if R.random() < 0.3:
            s['label'] = 'Setting %s, label' % sid
        if R.random() < 0.6:
            s['cost'] = money_value(R.uniform(3000, 70000) // 10 * 10)
        else:
            k = R.randint(1, 4)
            sh = share_values(k, allow_dist=True)
            s['bands'] = [{'band': chr(65 + j), 'share': sh[j],
                           'tariff': money_value(R.uniform(2000, 40000) // 10 * 10)} for j in range(k)]
        if R.random() < 0.4:
            s['place_funding'] = money_value(R.choice([6000, 10000, R.uniform(0, 12000) // 100 * 100]))
        if R.random() < 0.3:
            s['inflation'] = over_time(y0, n, lambda: rate_value(R.uniform(0.0, 0.08), 3, lo=-0.5, hi=0.5))
        if i < S - 1 and R.random() < 0.55:
            base_cap = total * pop_mix[i]
            s['capacity'] = over_time(y0, n, lambda: count_value(max(0.0, base_cap * R.uniform(0.7, 1.3))), p_map=0.5)
            s['overflow'] = ids[R.randint(i + 1, S - 1)]
            has_cap.append(i)
        settings.append(s)
    if not has_cap:
        i = R.randint(0, S - 2)
        settings[i]['capacity'] = count_value(total * pop_mix[i] * R.uniform(0.8, 1.1))
        settings[i]['overflow'] = ids[R.randint(i + 1, S - 1)]
        has_cap.append(i)
    doc['settings'] = settings
    if R.random() < 0.8:
        doc['costs'] = {'inflation': over_time(y0, n, lambda: rate_value(R.uniform(0.0, 0.07), 3, lo=-0.5, hi=0.5))}

    # population
    if csv_path is not None and R.random() < 0.35:
        rows = []
        for _ in range(R.randint(2, 25)):
            a = R.randint(0, 25)
            b = a if R.random() < 0.7 else min(25, a + R.randint(1, 5))
            age = str(a) if a == b else '%d-%d' % (a, b)
            rows.append('%s,%s,%s' % (age, R.choice(ids), dstr(dec(R.uniform(0, total / 10), R.choice([0, 2])))))
        with open(csv_path, 'w', encoding='utf-8') as f:
            f.write('age,setting,count\n' + '\n'.join(rows) + '\n')
        doc['population'] = {'from_csv': os.path.basename(csv_path)}
    else:
        # a setting absent from the population mix is allowed (no plans in year 0)
        mix_ids = ids[:-1] if S > 2 and R.random() < 0.15 else ids
        mix_vals = share_values(len(mix_ids))
        doc['population'] = {
            'total': count_value(total),
            'mix': {sid: v for sid, v in zip(mix_ids, mix_vals)},
            'age_profile': age_share_set(),
        }

    npd = {'count': count_value(total * R.uniform(0.05, 0.25))}
    if R.random() < 0.85:
        npd['growth'] = over_time(y0, n, lambda: rate_value(R.uniform(-0.05, 0.2), 3, lo=-1.0, hi=None), p_map=0.6)
    npd['age_profile'] = age_share_set(0, R.choice([19, 25]))
    npd['mix'] = {sid: v for sid, v in zip(ids, share_values(S))}
    doc['new_plans'] = npd

    # cessation: disjoint parent bands, each maybe with one strictly narrower
    # inner key (the narrower key wins; same-width overlaps never occur)
    ces = {}
    if R.random() < 0.9:
        ces['rate'] = rate_value(R.uniform(0, 0.1), 3, lo=0.0, hi=1.0)
    if R.random() < 0.8:
        by = {}
        a = R.randint(0, 8)
        while a <= 25 and len(by) < 6:
            b = min(25, a + R.randint(0, 6))
            by[age_band_key(a, b)] = rate_value(R.uniform(0, 0.4), 3, lo=0.0, hi=1.0)
            if b > a and R.random() < 0.5:
                c = R.randint(a, b)
                d = min(b, c + R.randint(0, b - a - 1)) if b - a >= 1 else c
                if d - c < b - a:
                    k = age_band_key(c, d)
                    if k not in by and not (isinstance(k, str) and k.isdigit() and int(k) in by):
                        by[k] = rate_value(R.uniform(0, 0.6), 3, lo=0.0, hi=1.0)
            a = b + 1 + R.randint(0, 4)
        if by:
            ces['by_age'] = by
    if ces:
        doc['cessation'] = ces

    # transitions with a budget per (from setting, age)
    budget = {}
    trans = []
    for _ in range(R.randint(0, 5)):
        f, t = R.sample(range(S), 2)
        if R.random() < 0.2:
            ages = None
            aset = list(range(26))
        else:
            ages = []
            aset = set()
            for _ in range(R.randint(1, 3)):
                a = R.randint(1, 25)
                b = a if R.random() < 0.6 else min(25, a + R.randint(1, 4))
                ages.append(age_band_key(a, b) if a != b else a)
                aset.update(range(a, b + 1))
            if R.random() < 0.2:
                ages.append(ages[0])   # an age named twice counts once
        room = min(1.0 - budget.get((f, a), 0.0) for a in aset)
        if room <= 0.001:
            continue
        r = float(dec(R.uniform(0, min(room, 0.4)), 3))
        if r <= 0:
            continue
        val = rate_value(r, 3, allow_dist=False)
        if R.random() < 0.15 and r >= 0.01:
            lo = float(dec(r * 0.5, 4))
            val = {'dist': 'uniform', 'min': lo, 'max': float(dec(2 * r - lo, 4))}
            if 2 * r - lo > room:
                val = rate_value(r, 3, allow_dist=False)
            else:
                r = 2 * r - lo
        for a in aset:
            budget[(f, a)] = budget.get((f, a), 0.0) + r
        tr = {}
        if ages is not None:
            tr['ages'] = ages
        tr.update({'from': ids[f], 'to': ids[t], 'rate': val})
        trans.append(tr)
    if trans:
        doc['transitions'] = trans

    # funding
    spend = total * 25000
    fund = {'grant': money_path(y0, n, spend * R.uniform(0.7, 1.0) // 1000 * 1000)}
    if R.random() < 0.4 and isinstance(fund['grant'], dict) and 'base' in fund['grant'] and 'growth' not in fund['grant']:
        fund['grant'] = fund['grant']['base']    # bare amount
    if R.random() < 0.6:
        tr = {}
        for _ in range(R.randint(1, 3)):
            y = y0 + R.randint(-1, n + 1)
            if y not in [int(str(k)[:4]) for k in tr]:
                tr[year_key(y)] = money_value(R.uniform(-3e6, 5e6) // 1000 * 1000, allow_dist=False)
        fund['transfers'] = tr
    if R.random() < 0.6:
        fund['other_income'] = []
        for j in range(R.randint(1, 2)):
            p = {'name': 'Income %d' % j}
            p.update(money_path(y0, n, R.uniform(1e5, 3e6) // 1000 * 1000))
            fund['other_income'].append(p)
    doc['funding'] = fund
    if R.random() < 0.8:
        oe = []
        for j in range(R.randint(1, 3)):
            p = {'name': R.choice(['AP and PRUs', 'Central services', 'Outreach, SEND', 'Therapies']) + ' %d' % j}
            p.update(money_path(y0, n, R.uniform(-1e6, 1e7) // 1000 * 1000))
            oe.append(p)
        doc['other_expenditure'] = oe

    # mitigations: all five types at least once, random order
    types = ['saving', 'demand', 'mix', 'unit_cost', 'capacity']
    types += [R.choice(types) for _ in range(R.randint(0, 4))]
    R.shuffle(types)
    names = R.sample(MIT_NAMES, len(types))
    mits = []
    for name, ty in zip(names, types):
        m = {'name': name, 'type': ty}
        if ty == 'saving':
            m['amount'] = money_path(y0, n, R.uniform(1e5, 5e6) // 1000 * 1000)
            if R.random() < 0.3 and 'base' in m['amount'] and 'growth' not in m['amount']:
                m['amount'] = m['amount']['base']
        elif ty == 'demand':
            m['reduction'] = rate_value(R.uniform(0, 0.3), 3, lo=0.0, hi=1.0)
        elif ty == 'mix':
            f, t = R.sample(range(S), 2)
            m['from'] = ids[f]
            m['to'] = ids[t]
            m['share'] = rate_value(R.uniform(0, 0.3), 3, lo=0.0, hi=1.0)
        elif ty == 'unit_cost':
            m['setting'] = R.choice(ids)
            m['reduction'] = rate_value(R.uniform(0, 0.2), 3, lo=0.0, hi=1.0)
        elif ty == 'capacity':
            m['setting'] = ids[R.choice(has_cap)]
            m['places'] = count_value(R.uniform(0, total * 0.05), allow_dist=R.random() < 0.5)
        c = R.random()
        if c < 0.8:
            m['start'] = year_key(y0 + R.randint(-3, max(0, n)))
        if R.random() < 0.6:
            m['ramp'] = [rate_value(x, 3, allow_dist=False) for x in
                         sorted(R.uniform(0, 1) for _ in range(R.randint(1, 4)))] + ([1] if R.random() < 0.5 else [])
        if R.random() < 0.5:
            m['delivery'] = rate_value(R.uniform(0.3, 1.0), 3, allow_dist=True, lo=0.0, hi=1.0, bern=True)
        mits.append(m)
    doc['mitigations'] = mits
    doc = v2_extras(seed, doc, y0, n)
    doc, flat_doc = need_extras(seed, doc, csv_path)
    doc, flat_doc = pipeline_extras(seed, doc, flat_doc)
    if flat is not None and flat_doc is not None:
        flat['text'] = '# generated by gen.py seed %s, need keys removed\n' % seed + block(flat_doc)
    return '# generated by gen.py seed %s\n' % seed + block(doc)


DFE = ['mainstream', 'resourced', 'special', 'independent_special',
       'ap_hospital', 'post16', 'other']


def v2_extras(seed, doc, y0, n):
    """Maybe turn doc into a v2 scenario, from a stream of its own."""
    global R
    R = random.Random('v2 extras %s' % seed)
    if R.random() >= 0.5:
        return doc              # v1, exactly as before
    doc['hnb'] = 2
    if R.random() < 0.5:
        for s in doc['settings']:
            if R.random() < 0.6:
                s['dfe_category'] = R.choice(DFE)
    extra = {}
    if R.random() < 0.65:
        reg = {}
        has_oe = 'override_end' in doc
        if not has_oe and R.random() < 0.3:
            doc['override_end'] = y0 + R.randint(-2, n + 2)
            has_oe = True
        want_sg = R.random() < 0.75
        want_ao = has_oe and R.random() < 0.65
        if not want_sg and not want_ao:
            want_sg = True
        if want_sg:
            cutoff = y0 + R.choice([R.randint(-4, -1), R.randint(0, max(0, n - 1)),
                                    R.randint(0, max(0, n - 1)), R.randint(n, n + 3)])
            paid = cutoff + R.choice([1, 1, 1, 2, R.randint(1, 5)])
            sg = {'cutoff': year_key(cutoff),
                  'share': rate_value(R.choice([0.9, 0.9, 1.0, R.uniform(0, 1)]), 3, lo=0.0, hi=1.0),
                  'paid': year_key(paid)}
            c = R.random()
            if c < 0.3:
                sg['received'] = rate_value(R.choice([0, 1, R.uniform(0, 1)]), 3,
                                            allow_dist=False)
            elif c < 0.55:
                sg['received'] = {'dist': 'bernoulli',
                                  'p': rate_value(R.uniform(0, 1), 3, allow_dist=False)}
                if R.random() < 0.5:
                    sg['received']['id'] = 'reform_plan_approved'
            if R.random() < 0.3:   # keys in another order
                items = list(sg.items())
                R.shuffle(items)
                sg = dict(items)
            reg['stability_grant'] = sg
        if want_ao:
            ao = {}
            if R.random() < 0.85:
                ao['central_share'] = over_time(
                    y0, n, lambda: rate_value(R.choice([1.0, 0.5, R.uniform(0, 1)]), 3,
                                              lo=0.0, hi=1.0))
            reg['after_override'] = ao
        extra['regime'] = reg
    if R.random() < 0.55:
        dsg = {}
        if R.random() < 0.85:
            dsg['opening'] = money_value(R.uniform(-20e6, 15e6) // 1000 * 1000, lo=None)
        c = R.random()
        if c < 0.3:
            dsg['in_year'] = money_value(R.uniform(-3e6, 3e6) // 1000 * 1000, lo=None)
        elif c < 0.85:
            dsg['in_year'] = money_path(y0, n, R.uniform(-3e6, 3e6) // 1000 * 1000)
        extra['dsg'] = dsg
    # override_end (possibly new) kept beside start_year, the rest at the end
    out = {}
    for k, v in doc.items():
        if k == 'override_end':
            continue
        out[k] = v
        if k == 'opening_deficit' and 'override_end' in doc:
            out['override_end'] = doc['override_end']
    out.update(extra)
    return out


NEED_NAMES = ['asd', 'semh', 'slcn', 'mld', 'sld', 'pmld', 'spld', 'hi', 'vi',
              'msi', 'pd', 'other', 'nsa', 'Need_X-1']


def rate_ceiling(v):
    """The largest value a transition rate may take (a distribution's max)."""
    if isinstance(v, dict) and 'dist' in v:
        if 'max' in v:
            return hnbref.num(v['max'])
        return hnbref.central(v)
    return hnbref.num(v)


def trans_ages(tr):
    if tr.get('ages') is None:
        return set(range(26))
    out = set()
    for k in tr['ages']:
        lo, hi = hnbref.age_key(k)
        out.update(range(lo, hi + 1))
    return out


def need_mix_value(needs, allow_missing=True):
    """A need mix over a random non-empty subset of needs (maybe all)."""
    ks = needs if not allow_missing or R.random() < 0.5 else \
        [x for x in needs if R.random() < 0.7] or [R.choice(needs)]
    return {k: v for k, v in zip(ks, share_values(len(ks)))}


def need_extras(seed, doc, csv_path):
    """Maybe give a v2 doc section 10's needs, from a stream of its own.
    Returns (doc, flat_doc): flat_doc is the need-less twin when the needs
    carry no need-specific key, else None."""
    global R
    if doc.get('hnb') != 2:
        return doc, None
    R = random.Random('needs extras %s' % seed)
    if R.random() >= 0.4:
        return doc, None
    doc = copy.deepcopy(doc)
    ids = [s['id'] for s in doc['settings']]
    K = R.randint(2, 6)
    needs = R.sample(NEED_NAMES, K)
    plain = R.random() < 0.35
    flat_doc = copy.deepcopy(doc) if plain else None
    nd = []
    for nid in needs:
        x = {'id': nid}
        if R.random() < 0.4:
            x['label'] = 'Need %s, label' % nid
        nd.append(x)
    pop = doc['population']
    if 'from_csv' in pop:
        # rewrite the CSV with a need column, beside the need-less one
        with open(csv_path, encoding='utf-8') as f:
            rows = [r.split(',') for r in f.read().splitlines()[1:] if r]
        out = []
        if plain:
            common = need_mix_value(needs)
            w = {k: hnbref.num(v) for k, v in common.items()}
            tot = sum(w.values())
            for age, sid, cnt in rows:
                c = hnbref.num(cnt)
                for k, v in w.items():
                    out.append('%s,%s,%s,%.12f' % (age, sid, k, c * v / tot))
        else:
            for age, sid, cnt in rows:
                c = hnbref.num(cnt)
                ks = R.sample(needs, R.randint(1, min(3, K)))
                if len(ks) == 1:
                    out.append('%s,%s,%s,%s' % (age, sid, ks[0], cnt))
                    continue
                for k in ks:
                    out.append('%s,%s,%s,%s' % (age, sid, k,
                                                dstr(dec(c * R.uniform(0.1, 1.0) / len(ks), R.choice([0, 2])))))
        stem = os.path.splitext(csv_path)[0]
        npath = stem + '-need.csv'
        with open(npath, 'w', encoding='utf-8') as f:
            f.write('age,setting,need,count\n' + '\n'.join(out) + '\n')
        pop['from_csv'] = os.path.basename(npath)
    elif plain or R.random() < 0.4:
        pop['need_mix'] = need_mix_value(needs)
    else:
        pop['need_mix'] = {sid: need_mix_value(needs) for sid in ids}
    npd = doc['new_plans']
    npd['need_mix'] = need_mix_value(needs)
    if not plain:
        if R.random() < 0.5:
            mbn = {}
            for k in R.sample(needs, R.randint(1, K)):
                ss = [x for x in ids if R.random() < 0.7] or [R.choice(ids)]
                mbn[k] = {x: v for x, v in zip(ss, share_values(len(ss)))}
            npd['mix_by_need'] = mbn
        if R.random() < 0.5:
            for st in doc['settings']:
                if R.random() < 0.5:
                    st['need_cost'] = {k: money_value(R.uniform(3000, 90000) // 10 * 10)
                                       for k in R.sample(needs, R.randint(1, K))}
        trans = doc.get('transitions') or []
        if trans and R.random() < 0.5:
            for tr in trans:
                if R.random() < 0.5:
                    tr['needs'] = R.sample(needs, R.randint(1, K))
        if R.random() < 0.5:
            # new need-specific rules: the rates out of a setting at an age,
            # for one need, sum to at most 1
            budget = {}
            for tr in trans:
                tn = tr.get('needs', needs)
                r = rate_ceiling(tr['rate'])
                for a in trans_ages(tr):
                    for k in tn:
                        key = (tr['from'], a, k)
                        budget[key] = budget.get(key, 0.0) + r
            for _ in range(R.randint(1, 3)):
                f, t = R.sample(ids, 2)
                tn = R.sample(needs, R.randint(1, K))
                tr = {}
                if R.random() < 0.2:
                    aset = set(range(26))
                else:
                    a = R.randint(1, 25)
                    b = a if R.random() < 0.6 else min(25, a + R.randint(1, 4))
                    tr['ages'] = [a if a == b else age_band_key(a, b)]
                    aset = set(range(a, b + 1))
                room = min(1.0 - budget.get((f, a, k), 0.0) for a in aset for k in tn)
                if room <= 0.002:
                    continue
                r = float(dec(R.uniform(0, min(room - 0.001, 0.6)), 3))
                if r <= 0:
                    continue
                tr.update({'from': f, 'to': t, 'rate': rate_value(r, 3, allow_dist=False),
                           'needs': tn})
                for a in aset:
                    for k in tn:
                        budget[(f, a, k)] = budget.get((f, a, k), 0.0) + r
                trans.append(tr)
            doc['transitions'] = trans
        if R.random() < 0.6:
            mits = doc['mitigations']
            for mi in mits:
                if mi['type'] in ('demand', 'mix', 'unit_cost') and R.random() < 0.4:
                    mi['need'] = R.choice(needs)
            for j in range(R.randint(0, 3)):
                ty = R.choice(['demand', 'mix', 'unit_cost'])
                mi = {'name': 'Need rule %d' % j, 'type': ty}
                if ty == 'demand':
                    mi['reduction'] = rate_value(R.uniform(0, 0.4), 3, lo=0.0, hi=1.0)
                elif ty == 'mix':
                    f, t = R.sample(ids, 2)
                    mi.update({'from': f, 'to': t,
                               'share': rate_value(R.uniform(0, 0.4), 3, lo=0.0, hi=1.0)})
                else:
                    mi['setting'] = R.choice(ids)
                    mi['reduction'] = rate_value(R.uniform(0, 0.3), 3, lo=0.0, hi=1.0)
                mi['need'] = R.choice(needs)
                if R.random() < 0.6:
                    mi['start'] = year_key(doc['start_year'] + R.randint(-2, doc['years']))
                if R.random() < 0.4:
                    mi['ramp'] = [rate_value(x, 3, allow_dist=False) for x in
                                  sorted(R.uniform(0, 1) for _ in range(R.randint(1, 3)))]
                mits.insert(R.randint(0, len(mits)), mi)
    out = {}
    for k, v in doc.items():
        if k == 'settings':
            out['needs'] = nd
        out[k] = v
    return out, flat_doc


def pipeline_extras(seed, doc, flat_doc):
    """Maybe give a v2 doc sections 11 and 12 (the pipeline, the requests,
    assessment, cessation and transition mitigations, `attribution`), from a
    stream of its own, so every earlier scenario keeps its meaning but for the
    added keys.  The same keys go into the need-less twin (none of them is
    need-specific there: a collapse-eligible scenario gets no `needs` on its
    new mitigations).  Returns (doc, flat_doc)."""
    global R
    if doc.get('hnb') != 2:
        return doc, flat_doc
    R = random.Random('pipeline extras %s' % seed)
    if R.random() >= 0.6:
        return doc, flat_doc
    docs = [doc] + ([flat_doc] if flat_doc is not None else [])
    y0, n = doc['start_year'], doc['years']
    ids = [st['id'] for st in doc['settings']]
    needs = [x['id'] for x in doc.get('needs') or []]
    need_keys = bool(needs) and flat_doc is None   # `needs` allowed on mitigations
    new_mits = []

    def timing(mi):
        if R.random() < 0.7:
            mi['start'] = year_key(y0 + R.randint(-2, n))
        if R.random() < 0.5:
            mi['ramp'] = [rate_value(x, 3, allow_dist=False) for x in
                          sorted(R.uniform(0, 1) for _ in range(R.randint(1, 3)))]
        if R.random() < 0.4:
            mi['delivery'] = rate_value(R.uniform(0.3, 1.0), 3, lo=0.0, hi=1.0, bern=True)
        return mi

    def ages_list():
        out = []
        for _ in range(R.randint(1, 3)):
            a = R.randint(0, 25)
            b = a if R.random() < 0.6 else min(25, a + R.randint(1, 5))
            out.append(age_band_key(a, b) if a != b else a)
        if R.random() < 0.15:
            out.append(out[0])          # an age named twice counts once
        return out

    # section 11: the pipeline, in place of new_plans.count and growth
    pipe = None
    if R.random() < 0.45:
        npd = doc['new_plans']
        np0 = max(hnbref.num(npd['count']), 1.0)
        pipe = {}
        assess = R.uniform(0.5, 1.0)
        issue = R.uniform(0.6, 1.0)
        req = np0 / (assess * issue) * R.uniform(0.8, 1.2)
        rq = {'count': count_value(req)}
        if R.random() < 0.8:
            rq['growth'] = over_time(y0, n, lambda: rate_value(R.uniform(-0.05, 0.25), 3, lo=-1.0, hi=None),
                                     p_map=0.6)
        pipe['requests'] = rq
        if R.random() < 0.6:
            pipe['backlog'] = count_value(req * R.uniform(0, 1.2))
        if R.random() < 0.65:
            pipe['capacity'] = over_time(
                y0, n, lambda: 0 if R.random() < 0.05 else count_value(req * R.uniform(0.6, 1.3)),
                p_map=0.4)
        if R.random() < 0.75:
            pipe['assess_rate'] = over_time(y0, n, lambda: rate_value(
                min(1.0, assess * R.uniform(0.9, 1.1)), 3, lo=0.0, hi=1.0), p_map=0.3)
        if R.random() < 0.75:
            pipe['issue_rate'] = over_time(y0, n, lambda: rate_value(
                min(1.0, issue * R.uniform(0.9, 1.1)), 3, lo=0.0, hi=1.0), p_map=0.3)
        if R.random() < 0.7:
            pipe['same_year'] = rate_value(R.choice([0.0, 1.0, R.uniform(0, 1), R.uniform(0, 1)]), 3,
                                           lo=0.0, hi=1.0)
        if R.random() < 0.3:        # keys in another order
            items = list(pipe.items())
            R.shuffle(items)
            pipe = dict(items)
        for j in range(R.choice([0, 1, 1, 2])):
            new_mits.append(timing({'name': 'Request triage %d' % j, 'type': 'requests',
                                    'reduction': rate_value(R.uniform(0, 0.3), 3, lo=0.0, hi=1.0)}))
        if 'capacity' in pipe:
            for j in range(R.choice([0, 1, 1, 2])):
                new_mits.append(timing({'name': 'Assessment team, %d' % j, 'type': 'assessment',
                                        'capacity': count_value(req * R.uniform(0, 0.3))}))

    # section 12: cessation mitigations
    if R.random() < 0.5:
        for j in range(R.randint(1, 3)):
            # sometimes large enough that min(1, cease + increase) clamps
            inc = R.uniform(0.6, 1.0) if R.random() < 0.2 else R.uniform(0, 0.3)
            mi = {'name': 'Phase-transfer review %d' % j, 'type': 'cessation',
                  'increase': rate_value(inc, 3, lo=0.0, hi=1.0)}
            if R.random() < 0.75:
                mi['ages'] = ages_list()
            if R.random() < 0.5:
                mi['settings'] = R.sample(ids, R.randint(1, len(ids)))
            if need_keys and R.random() < 0.5:
                mi['needs'] = R.sample(needs, R.randint(1, len(needs)))
            new_mits.append(timing(mi))

    # section 12: transition mitigations; the scenario's rates plus every
    # transition mitigation's full rate out of a setting at one age (and
    # need) sum to at most 1
    if R.random() < 0.5:
        ks = needs or [None]
        budget = {}
        for tr in doc.get('transitions') or []:
            tn = tr.get('needs') or ks
            r = rate_ceiling(tr['rate'])
            for a in trans_ages(tr):
                for k in tn:
                    budget[(tr['from'], a, k)] = budget.get((tr['from'], a, k), 0.0) + r
        for j in range(R.randint(1, 3)):
            f, t = R.sample(ids, 2)
            mi = {'name': 'Back to mainstream %d' % j, 'type': 'transition'}
            if R.random() < 0.8:
                mi['ages'] = ages_list()
                aset = trans_ages(mi)
            else:
                aset = set(range(26))
            tn = ks
            if need_keys and R.random() < 0.5:
                tn = R.sample(needs, R.randint(1, len(needs)))
            room = min(1.0 - budget.get((f, a, k), 0.0) for a in aset for k in tn)
            if room <= 0.002:
                continue
            r = float(dec(R.uniform(0, min(room - 0.001, 0.5)), 3))
            if r <= 0:
                continue
            mi.update({'from': f, 'to': t, 'rate': rate_value(r, 3, allow_dist=False)})
            if tn != ks or (need_keys and R.random() < 0.2):
                mi['needs'] = tn
            for a in aset:
                for k in tn:
                    budget[(f, a, k)] = budget.get((f, a, k), 0.0) + r
            new_mits.append(timing(mi))

    positions = [R.randint(0, len(doc['mitigations']) + j) for j in range(len(new_mits))]
    c = R.random()
    attribution = None
    nonsaving = sum(1 for mi in doc['mitigations'] if mi['type'] != 'saving') + len(new_mits)
    if c < 0.4 and nonsaving <= SHAPLEY_MAX:
        attribution = 'shapley'
    elif c < 0.5:
        attribution = 'ordered'
    out = []
    for d in docs:
        d = copy.deepcopy(d)
        for mi, pos in zip(new_mits, positions):
            d['mitigations'].insert(pos, copy.deepcopy(mi))
        if pipe is not None:
            del d['new_plans']['count']
            d['new_plans'].pop('growth', None)
        o = {}
        for k, v in d.items():
            o[k] = v
            if k == 'new_plans' and pipe is not None:
                o['pipeline'] = copy.deepcopy(pipe)
        if attribution is not None:
            o['attribution'] = attribution
        out.append(o)
    return out[0], (out[1] if flat_doc is not None else None)


# Shapley in the reference takes 2^m projections: keep m small enough to run
SHAPLEY_MAX = 10


def cli_extras(seed, text):
    """Extra command-line options for this seed (a stream of its own; the
    scenario is unchanged): sometimes --attribution, overriding the file's."""
    global R
    R = random.Random('cli extras %s' % seed)
    if R.random() >= 0.15:
        return []
    doc = hnbref.yaml.load(text, Loader=hnbref.Core12Loader)
    nonsaving = sum(1 for mi in doc.get('mitigations') or [] if mi['type'] != 'saving')
    if doc.get('attribution') == 'shapley' or nonsaving > SHAPLEY_MAX or R.random() < 0.3:
        return ['--attribution', 'ordered']
    return ['--attribution', 'shapley']


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write('usage: gen.py SEED [OUT.yaml]\n')
        return 1
    seed = argv[1]
    if len(argv) == 3:
        out = argv[2]
        stem = os.path.splitext(out)[0]
        flat = {}
        text = gen(seed, csv_path=stem + '-pop.csv', flat=flat)
        with open(out, 'w', encoding='utf-8') as f:
            f.write(text)
        opts = cli_extras(seed, text)
        if opts:
            with open(stem + '.opts', 'w', encoding='utf-8') as f:
                f.write(' '.join(opts) + '\n')
        if 'text' in flat:
            with open(stem + '-flat.yaml', 'w', encoding='utf-8') as f:
                f.write(flat['text'])
    else:
        sys.stdout.write(gen(seed))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
