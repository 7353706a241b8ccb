/* test_merge.c - extends: and --set (SPEC section 7). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "hnb/merge.h"

#define BASE                                                                                   \
    "hnb: 1\nname: base\nstart_year: 2025\nyears: 2\nfunding: {grant: 10m}\n"                 \
    "settings:\n  - {id: ms, cost: 1000}\n  - {id: sp, cost: 2000, capacity: {2025: 50, 2026: 60}, overflow: ind}\n" \
    "  - {id: ind, cost: 5000}\n"                                                              \
    "population: {total: 100, mix: {ms: 0.5, sp: 0.5}, age_profile: {5: 1}}\n"                \
    "new_plans: {count: 10, growth: {2025: 10%, 2026: 20%}, age_profile: {5: 1}, mix: {ms: 1}}\n" \
    "other_expenditure:\n  - {name: Central, base: 1m}\n  - {name: AP, base: 2m}\n"           \
    "mitigations:\n  - {name: Banding, type: unit_cost, setting: ms, reduction: 10%}\n"       \
    "  - {name: Saving, type: saving, amount: 1m}\n"

static hnb_model *load_child(const char *child, const char *const *sets, int nsets, hnb_err *err)
{
    th_write("base.yaml", BASE);
    const char *path = th_write("child.yaml", child);
    hnb_model *m = NULL;
    memset(err, 0, sizeof *err);
    hnb_model_load(path, sets, nsets, &m, err);
    return m;
}

static double central(const hnb_model *m, const char *name)
{
    int i = hnb_model_find_param(m, name);
    cr_assert_geq(i, 0, "no parameter %s", name);
    return m->params[i].central;
}

Test(merge, mappings_merge_key_by_key_and_lists_by_id_or_name)
{
    hnb_err err;
    hnb_model *m = load_child(
        "extends: base.yaml\nname: child\n"
        "new_plans: {growth: {2026: 30%}}\n"                  /* rate map: years of both */
        "settings:\n  - {id: sp, cost: 2500}\n  - {id: post16, cost: 9000}\n"
        "other_expenditure:\n  - {name: AP, base: 3m}\n  - {name: Central, drop: true}\n"
        "mitigations:\n  - {name: Banding, delivery: 50%}\n",
        NULL, 0, &err);
    cr_assert_not_null(m, "%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
    cr_assert_str_eq(m->name, "child");
    /* settings merged by id: sp changed, ms and ind kept in order, post16 appended */
    cr_assert_eq(m->nsettings, 4);
    cr_assert_str_eq(m->settings[0].id, "ms");
    cr_assert_str_eq(m->settings[1].id, "sp");
    cr_assert_str_eq(m->settings[3].id, "post16");
    cr_assert_float_eq(central(m, "settings.sp.cost"), 2500, 0);
    /* sp keeps its capacity from the base */
    cr_assert_not_null(m->settings[1].capacity);
    /* growth: 2025 from the base (10%), 2026 from the child (30%) */
    cr_assert_float_eq(central(m, "new_plans.growth.2025"), 0.10, 1e-12);
    cr_assert_float_eq(central(m, "new_plans.growth.2026"), 0.30, 1e-12);
    /* Central dropped, AP replaced */
    cr_assert_eq(m->nother, 1);
    cr_assert_str_eq(m->other[0].name, "AP");
    cr_assert_float_eq(central(m, "other_expenditure.AP.base"), 3e6, 0);
    /* the Banding item merged: still unit_cost with its reduction, now delivery 50% */
    cr_assert_eq(m->mits[0].type, HNB_MIT_UNIT_COST);
    cr_assert_float_eq(central(m, "mitigations.Banding.delivery"), 0.5, 0);
    hnb_model_free(m);
}

Test(merge, null_removes_a_key_and_empty_list_replaces)
{
    hnb_err err;
    hnb_model *m = load_child("extends: base.yaml\nmitigations: []\nother_expenditure: ~\n", NULL,
                              0, &err);
    cr_assert_not_null(m, "%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
    cr_assert_eq(m->nmit, 0);
    cr_assert_eq(m->nother, 0);
    hnb_model_free(m);
}

Test(merge, a_distribution_replaces_the_value_under_it)
{
    hnb_err err;
    hnb_model *m = load_child(
        "extends: base.yaml\nnew_plans: {growth: {dist: normal, mean: 5%, sd: 1%, id: g}}\n", NULL,
        0, &err);
    cr_assert_not_null(m, "%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
    /* the by-year map is gone: one variable for every year */
    cr_assert_eq(m->np_growth[0], m->np_growth[1]);
    cr_assert_float_eq(central(m, "g"), 0.05, 1e-12);
    hnb_model_free(m);
}

Test(merge, dropping_an_item_the_base_lacks_is_an_error)
{
    hnb_err err;
    hnb_model *m =
        load_child("extends: base.yaml\nother_expenditure:\n  - {name: Nope, drop: true}\n", NULL,
                   0, &err);
    cr_assert_null(m);
    cr_assert(strstr(err.file, "child.yaml") != NULL);
    cr_assert_eq(err.line, 3);
    cr_assert_eq(err.col, 5);
    cr_assert(strstr(err.msg, "'Nope' is not in the scenario extended") != NULL, "%s", err.msg);
}

Test(merge, loops_are_errors)
{
    th_write("loop-a.yaml", "extends: loop-b.yaml\nhnb: 1\n");
    const char *b = th_write("loop-b.yaml", "extends: loop-a.yaml\nname: x\n");
    hnb_err err = {0};
    hnb_model *m = NULL;
    cr_assert_eq(hnb_model_load(b, NULL, 0, &m, &err), HNB_EINPUT);
    cr_assert(strstr(err.msg, "loop") != NULL, "%s", err.msg);
    cr_assert_eq(err.line, 1);
    cr_assert_eq(err.col, 10);

    const char *s = th_write("self.yaml", "extends: self.yaml\n");
    cr_assert_eq(hnb_model_load(s, NULL, 0, &m, &err), HNB_EINPUT);
    cr_assert(strstr(err.msg, "loop") != NULL, "%s", err.msg);

    const char *c = th_write("nobase.yaml", "extends: nowhere.yaml\n");
    cr_assert_eq(hnb_model_load(c, NULL, 0, &m, &err), HNB_EINPUT);
    cr_assert(strstr(err.msg, "cannot open") != NULL, "%s", err.msg);
}

Test(merge, chains_of_three)
{
    th_write("base.yaml", BASE);
    th_write("mid.yaml", "extends: base.yaml\nyears: 3\n");
    const char *top = th_write("top.yaml", "extends: mid.yaml\nname: top\n");
    hnb_err err = {0};
    hnb_model *m = NULL;
    cr_assert_eq(hnb_model_load(top, NULL, 0, &m, &err), 0, "%s", err.msg);
    cr_assert_eq(m->years, 3);
    cr_assert_str_eq(m->name, "top");
    hnb_model_free(m);
}

Test(merge, set_overrides_after_merging)
{
    const char *sets[] = {"new_plans.growth=15%", "settings.sp.capacity=2600",
                          "mitigations.Banding.delivery=0.5", "opening_deficit=\"£2m\"",
                          "settings.ms.inflation={2026: 4%}"};
    hnb_err err;
    hnb_model *m = load_child("extends: base.yaml\n", sets, 5, &err);
    cr_assert_not_null(m, "%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
    /* a scalar replaces the whole by-year map */
    cr_assert_float_eq(central(m, "new_plans.growth"), 0.15, 1e-12);
    cr_assert_float_eq(central(m, "settings.sp.capacity"), 2600, 0);
    cr_assert_float_eq(central(m, "mitigations.Banding.delivery"), 0.5, 0);
    cr_assert_float_eq(central(m, "opening_deficit"), 2e6, 0);
    /* a key that is not there yet is created */
    cr_assert_float_eq(central(m, "settings.ms.inflation.2026"), 0.04, 1e-12);
    hnb_model_free(m);
}

Test(merge, set_errors)
{
    hnb_err err;
    const char *s1[] = {"settings.nope.cost=5"};
    cr_assert_null(load_child("extends: base.yaml\n", s1, 1, &err));
    cr_assert_str_eq(err.file, "--set");
    cr_assert_eq(err.col, 10); /* "nope" starts at column 10 of the argument */
    cr_assert(strstr(err.msg, "no item with id or name 'nope'") != NULL, "%s", err.msg);

    const char *s2[] = {"new_plans.growth=abc"};
    cr_assert_null(load_child("extends: base.yaml\n", s2, 1, &err));
    cr_assert_str_eq(err.file, "--set");
    cr_assert_eq(err.col, 18); /* the value "abc" after "new_plans.growth=" (17 characters) */
    cr_assert(strstr(err.msg, "new_plans.growth") != NULL, "%s", err.msg);

    const char *s3[] = {"no equals sign"};
    cr_assert_null(load_child("extends: base.yaml\n", s3, 1, &err));
    cr_assert(strstr(err.msg, "PATH=VALUE") != NULL, "%s", err.msg);

    const char *s4[] = {"name.x=1"};
    cr_assert_null(load_child("extends: base.yaml\n", s4, 1, &err));
    cr_assert(strstr(err.msg, "cannot be reached") != NULL, "%s", err.msg);

    const char *s5[] = {"years=[1"};
    cr_assert_null(load_child("extends: base.yaml\n", s5, 1, &err));
    cr_assert(strstr(err.msg, "YAML syntax") != NULL, "%s", err.msg);
}

Test(merge, year_keys_merge_across_spellings)
{
    cr_assert(hnb_key_same("2026", "2026/27"));
    cr_assert(!hnb_key_same("2026", "2027"));
    hnb_err err;
    hnb_model *m = load_child("extends: base.yaml\nnew_plans: {growth: {\"2026/27\": 40%}}\n",
                              NULL, 0, &err);
    cr_assert_not_null(m, "%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
    cr_assert_float_eq(central(m, "new_plans.growth.2026"), 0.40, 1e-12);
    hnb_model_free(m);
}

/* SPEC section 7: age keys are compared as ages. The base's population
 * age_profile is {5: 1}; the child's {"5-5": 50%, 6: 50%} names age 5 as a
 * band of one age, so it replaces the base's 5 and the shares are 0.5 and
 * 0.5. Compared as strings, the merged profile would be {5: 1, "5-5": 0.5,
 * 6: 0.5}, whose shares add to 2: an error. */
Test(merge, age_keys_merge_across_spellings)
{
    cr_assert(hnb_key_same("16", "16-16"));
    cr_assert(hnb_key_same("5-10", " 5 - 10 "));
    cr_assert(!hnb_key_same("5-10", "5-11"));
    cr_assert(!hnb_key_same("16", "2016"), "an age is not a year");
    cr_assert(!hnb_key_same("ms", "sp"));
    hnb_err err;
    hnb_model *m = load_child("extends: base.yaml\npopulation: {age_profile: {\"5-5\": 50%, 6: 50%}}\n", NULL, 0,
                              &err);
    cr_assert_not_null(m, "%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
    hnb_model_free(m);
    /* and the same file without the base's key spelled alike fails as it should:
     * {5: 1} and {"5-6": 1} are two keys, shares adding to 2 */
    m = load_child("extends: base.yaml\npopulation: {age_profile: {\"5-6\": 1}}\n", NULL, 0, &err);
    cr_assert_null(m);
    cr_assert(strstr(err.msg, "sum") != NULL || strstr(err.msg, "add") != NULL, "%s", err.msg);
}

/* `{id: ms, cost: £8,000}`: YAML reads `cost: £8` and a key `000` with no
 * value. Under extends: a null removes a key, so the stray key would vanish
 * and leave a cost of £8 a plan; it must be an error at the number (line
 * 2, column 27 of the child, counted in characters: the `£`), in a child
 * file and in --set alike. */
Test(merge, a_thousands_comma_inside_braces_is_an_error)
{
    hnb_err err;
    hnb_model *m = load_child("extends: base.yaml\nsettings: [{id: ms, cost: £8,000}, {id: sp, cost: 2000}]\n", NULL,
                              0, &err);
    cr_assert_null(m);
    cr_assert_eq(err.line, 2);
    cr_assert_eq(err.col, 27, "%d", err.col);
    cr_assert(strstr(err.msg, "'£8' then a key '000' with no value") != NULL, "%s", err.msg);
    cr_assert(strstr(err.msg, "quote it: \"£8,000\"") != NULL, "%s", err.msg);
    const char *s1[] = {"settings.ms={cost: 8,500}"};
    cr_assert_null(load_child("extends: base.yaml\n", s1, 1, &err));
    cr_assert(strstr(err.msg, "'8' then a key '500'") != NULL, "%s", err.msg);
    /* quoted, and in block style (where a comma is part of the value), it is a number */
    m = load_child("extends: base.yaml\nsettings: [{id: ms, cost: \"£8,000\"}]\n", NULL, 0, &err);
    cr_assert_not_null(m, "%s", err.msg);
    hnb_model_free(m);
    m = load_child("extends: base.yaml\nsettings:\n  - id: ms\n    cost: £8,000\n", NULL, 0, &err);
    cr_assert_not_null(m, "%s", err.msg);
    hnb_model_free(m);
}

/* A base correlates two uncertain values; a child replaces one with a
 * plain value. The correlation is the base's, not the child's mistake: it
 * is dropped with a warning naming the child, as a --set would (it used to
 * be an error placed in the base). A wrong id in the child's own
 * correlations is still an error. */
Test(merge, a_child_replacing_a_correlated_value_drops_the_correlation)
{
    th_write("corr-base.yaml",
             "hnb: 1\nname: b\nstart_year: 2025\nyears: 2\n"
             "funding: {grant: {base: 10m, growth: {dist: normal, mean: 2%, sd: 1%, id: g}}}\n"
             "opening_deficit: {dist: normal, mean: 5m, sd: 1m, id: od}\n"
             "monte_carlo: {correlations: [{a: g, b: od, rho: 0.5}]}\n");
    const char *child = th_write("corr-child.yaml", "extends: corr-base.yaml\nopening_deficit: 6m\n");
    hnb_err err;
    /* th_load captures warnings (and clears them): load the child through it */
    hnb_model *m = th_load("extends: corr-child.yaml\n", &err);
    cr_assert_not_null(m, "%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
    hnb_model_free(m);
    m = NULL;
    cr_assert_eq(hnb_model_load(child, NULL, 0, &m, &err), 0, "%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
    cr_assert_eq(m->ncorr, 0);
    cr_assert(strstr(th_warnings(), "dropped: 'od' is no longer a distribution") != NULL, "%s", th_warnings());
    cr_assert(strstr(th_warnings(), "scenario.yaml, which extends this file, replaced it") != NULL, "%s",
              th_warnings());
    hnb_model_free(m);
    child = th_write("corr-child2.yaml", "extends: corr-base.yaml\n"
                                         "monte_carlo: {correlations: [{a: g, b: odd, rho: 0.5}]}\n");
    m = NULL;
    cr_assert_neq(hnb_model_load(child, NULL, 0, &m, &err), 0);
    cr_assert(strstr(err.msg, "'odd' is not the id of a distribution; did you mean 'od'?") != NULL, "%s", err.msg);
}

/* A list item named wrongly: --set names the nearest item (BASE's
 * settings are ms, sp, ind), and a child's item that is not in the base
 * is added, with a warning naming the nearest (it is most likely a typo). */
Test(merge, a_list_items_name_misspelt)
{
    hnb_err err;
    const char *s1[] = {"settings.spp.capacity=60"};
    cr_assert_null(load_child("extends: base.yaml\n", s1, 1, &err));
    cr_assert(strstr(err.msg, "no item with id or name 'spp' in that list; did you mean 'sp'?") != NULL, "%s",
              err.msg);
    const char *s2[] = {"settings.zzzzzz.capacity=60"};
    cr_assert_null(load_child("extends: base.yaml\n", s2, 1, &err));
    cr_assert(strstr(err.msg, "in that list (it has 'ms', 'sp', 'ind')") != NULL, "%s", err.msg);
    th_load("hnb: 1\n", &err); /* to capture the warnings */
    hnb_model *m = load_child("extends: base.yaml\nmitigations: [{name: Bandings, type: saving, amount: 1m}]\n",
                              NULL, 0, &err);
    cr_assert_not_null(m, "%s", err.msg);
    cr_assert(strstr(th_warnings(), "name 'Bandings' is not in the scenario extended, so this is a new item (did "
                                    "you mean 'Banding'?)") != NULL,
              "%s", th_warnings());
    hnb_model_free(m);
}

Test(merge, set_null_removes_a_key_or_an_item)
{
    /* SPEC 7: VALUE is read as YAML, and null (~) removes a key */
    const char *sets[] = {"mitigations.Banding=~", "other_expenditure.AP= null ",
                          "settings.sp.capacity=~", "settings.sp.overflow=~"};
    hnb_err err;
    hnb_model *m = load_child("extends: base.yaml\n", sets, 4, &err);
    cr_assert_not_null(m, "%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
    cr_assert_eq(m->nmit, 1);
    cr_assert_str_eq(m->mits[0].name, "Saving");
    cr_assert_eq(m->nother, 1);
    cr_assert_str_eq(m->other[0].name, "Central");
    cr_assert_null(m->settings[1].capacity);
    hnb_model_free(m);
    /* removing what is not there changes nothing (and creates no parents) */
    const char *absent[] = {"population.from_csv=~", "costs.inflation=~"};
    m = load_child("extends: base.yaml\n", absent, 2, &err);
    cr_assert_not_null(m, "%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
    hnb_model_free(m);
}

Test(merge, drop_must_be_true_or_false)
{
    hnb_err err;
    cr_assert_null(load_child("extends: base.yaml\nother_expenditure:\n  - {name: AP, drop: yes}\n",
                              NULL, 0, &err));
    cr_assert_eq(err.line, 3);
    cr_assert_eq(err.col, 22); /* "yes": after "  - {name: AP, drop: " (21 characters) */
    cr_assert(strstr(err.msg, "drop: expected true") != NULL, "%s", err.msg);
    hnb_model *m = load_child("extends: base.yaml\nother_expenditure:\n  - {name: AP, drop: false}\n",
                              NULL, 0, &err);
    cr_assert_not_null(m, "%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
    cr_assert_eq(m->nother, 2); /* kept, and the drop key is gone */
    hnb_model_free(m);
}

Test(merge, extends_a_directory_is_an_error_at_the_key)
{
    hnb_err err;
    cr_assert_null(load_child("name: x\nextends: .\n", NULL, 0, &err));
    cr_assert_eq(err.line, 2);
    cr_assert_eq(err.col, 10);
    cr_assert(strstr(err.msg, "not a regular file") != NULL, "%s", err.msg);
}
