/* test_load.c - every loader rule of SPEC sections 2, 3, 6 and 8: the
 * message and the line:column of the offending value. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"

/* A valid bottom-up scenario; tests append or replace one line. */
#define HEAD "hnb: 1\nname: t\nstart_year: 2025\nyears: 3\nfunding: {grant: 1m}\n"
#define SETTINGS "settings:\n  - {id: ms, cost: 1000}\n  - {id: sp, cost: 2000}\n"
#define POP "population: {total: 10, mix: {ms: 1}, age_profile: {5: 1}}\n"
#define NEWP "new_plans: {count: 1, age_profile: {5: 1}, mix: {ms: 1}}\n"
#define VALID HEAD SETTINGS POP NEWP

/* Expect an error whose position is the first occurrence of MARKER in TEXT
 * (worked out here by searching the text, not by asking the engine), or
 * 1:1 for an empty marker, and whose message contains NEEDLE. */
static void expect(const char *text, const char *marker, const char *needle)
{
    int line = 1, col = 1;
    const char *at = marker[0] ? strstr(text, marker) : text;
    cr_assert_not_null(at, "marker '%s' not in the text", marker);
    for (const char *q = text; q < at; q++) {
        if (*q == '\n') line++, col = 1;
        else if (((unsigned char)*q & 0xC0) != 0x80) col++; /* columns count characters */
    }
    char pos[32];
    snprintf(pos, sizeof pos, "%d:%d:", line, col);
    const char *e = th_error(text);
    cr_assert(strncmp(e, pos, strlen(pos)) == 0, "expected position %s ('%s'), got: %s", pos,
              marker, e);
    cr_assert(strstr(e, needle) != NULL, "expected '%s' in: %s", needle, e);
}

Test(load, valid_scenario_loads)
{
    cr_assert_str_eq(th_error(VALID), "(no error)");
}

Test(load, required_keys)
{
    expect("name: t\nstart_year: 2025\nyears: 3\nfunding: {grant: 1m}\n", "", "hnb: 1");
    expect("hnb: 3\nname: t\n", "3\n", "from 1 to 2");
    expect("hnb: 1\nstart_year: 2025\n", "", "missing 'name'");
    expect("hnb: 1\nname: t\nyears: 3\n", "", "start_year");
    expect("hnb: 1\nname: t\nstart_year: 2025\n", "", "years");
    expect("hnb: 1\nname: t\nstart_year: 2025\nyears: 3\n", "", "funding");
    expect("hnb: 1\nname: t\nstart_year: 2025\nyears: 3\nfunding: {}\n", "{}", "grant");
}

Test(load, integers_and_ranges)
{
    expect("hnb: 1\nname: t\nstart_year: 2025\nyears: 0\n", "0\n", "from 1 to 50");
    expect("hnb: 1\nname: t\nstart_year: 2025\nyears: 51\n", "51", "from 1 to 50");
    expect("hnb: 1\nname: t\nstart_year: 1999\nyears: 5\n", "1999", "from 2000 to 2100");
    expect("hnb: 1\nname: t\nstart_year: 2025\nyears: 2.5\n", "2.5", "whole number");
    expect("hnb: 1\nname: t\nstart_year: 2025\nyears: \"5\"\n", "\"5\"", "whole number");
}

Test(load, unknown_keys_suggest_the_nearest)
{
    expect(VALID "opening_defict: 1m\n", "opening_defict", "did you mean 'opening_deficit'");
    expect(HEAD "settings:\n  - {id: ms, cost: 1000, capcity: 5}\n" POP NEWP, "capcity",
           "did you mean 'capacity'");
    expect(VALID "zzzzzz: 1\n", "zzzzzz", "known keys:");
    /* a difference of case alone is the nearest there is */
    expect(VALID "YEARS: 3\n", "YEARS", "did you mean 'years'");
}

Test(load, wrong_types_and_value_forms)
{
    expect(HEAD "settings:\n  - {id: ms, cost: abc}\n" POP NEWP, "abc",
           "settings.ms.cost: expected an amount of money");
    expect(HEAD "settings:\n  - {id: ms, cost: 12%}\n" POP NEWP, "12%", "percentage");
    expect(HEAD "settings:\n  - {id: ms, cost: true}\n" POP NEWP, "true", "a boolean");
    expect(HEAD "settings:\n  - {id: ms, cost: .nan}\n" POP NEWP, ".nan", "NaN");
    expect(HEAD "settings:\n  - {id: ms, cost: -.inf}\n" POP NEWP, "-.inf", "NaN or infinity");
    expect(HEAD "settings:\n  - {id: ms, cost: 1e999}\n" POP NEWP, "1e999", "too large");
    expect(HEAD "settings:\n  - {id: ms, cost: [1]}\n" POP NEWP, "[1]", "found a list");
    expect(HEAD "settings:\n  - {id: ms, cost: -5}\n" POP NEWP, "-5", "not negative");
    expect(HEAD SETTINGS "population: {total: \"£10\", mix: {ms: 1}, age_profile: {5: 1}}\n" NEWP,
           "\"£10\"", "plain count");
    expect(VALID "cessation: {rate: 120%}\n", "120%", "between 0 and 1");
    expect(VALID "opening_deficit: 12%\n", "12%", "percentage where an amount of money");
}

Test(load, settings_rules)
{
    expect(HEAD "settings:\n  - {id: sp, cost: 1000}\n  - {id: ms, cost: 5}\n  - {id: ms, cost: 6}\n"
               POP NEWP,
           "ms, cost: 6", "used twice");
    expect(HEAD "settings:\n  - {id: \"m s\", cost: 1000}\n" POP NEWP, "\"m s\"", "letters, digits");
    expect(HEAD "settings:\n  - {id: ms}\n" POP NEWP, "{id: ms}", "needs cost");
    expect(HEAD "settings:\n  - {id: ms, cost: 1, bands: []}\n" POP NEWP, "[]", "not both");
    expect(HEAD "settings:\n  - {id: ms, cost: 1, capacity: 5}\n" POP NEWP, "5}", "overflow");
    expect(HEAD "settings:\n  - {id: ms, cost: 1, overflow: sp}\n  - {id: sp, cost: 1}\n" POP NEWP,
           "sp}", "no capacity");
    /* the overflow target must be listed after its setting */
    expect(HEAD "settings:\n  - {id: sp, cost: 1}\n  - {id: ms, cost: 1, capacity: 5, overflow: sp}\n"
               POP NEWP,
           "sp}\n" "population", "listed after");
    expect(HEAD "settings:\n  - {id: ms, cost: 1, capacity: 5, overflow: spx}\n  - {id: sp, cost: 1}\n"
               POP NEWP,
           "spx", "did you mean 'sp'");
    expect(HEAD "settings:\n  - {id: ms, place_funding: 1, bands: [{band: A, share: 0.5, tariff: 1}]}\n"
               POP NEWP,
           "[{band", "sum to 0.5");
}

Test(load, shares_rules)
{
    /* within 0.005 inclusive: 0.995 is accepted, 0.994 refused */
    cr_assert_str_eq(th_error(HEAD SETTINGS
                              "population: {total: 10, mix: {ms: 0.5, sp: 0.495}, age_profile: {5: 1}}\n"
                              NEWP),
                     "(no error)");
    expect(HEAD SETTINGS "population: {total: 10, mix: {ms: 0.5, sp: 0.494}, age_profile: {5: 1}}\n"
               NEWP,
           "{ms: 0.5", "sum to 0.994");
    expect(HEAD SETTINGS "population: {total: 10, mix: {ms: 1.5, sp: -0.5}, age_profile: {5: 1}}\n"
               NEWP,
           "1.5", "between 0 and 1");
    expect(HEAD SETTINGS "population: {total: 10, mix: {xx: 1}, age_profile: {5: 1}}\n" NEWP,
           "xx", "unknown setting 'xx'");
    expect(HEAD SETTINGS "population: {total: 10, mix: {ms: 1}, age_profile: {\"10-5\": 1}}\n" NEWP,
           "\"10-5\"", "above its second");
    expect(HEAD SETTINGS "population: {total: 10, mix: {ms: 1}, age_profile: {26: 1}}\n" NEWP,
           "26", "outside 0..25");
    /* overlapping keys in a share set add: 5-6 gets 0.5, 6 gets 0.5 -> sums to 1 */
    cr_assert_str_eq(th_error(HEAD SETTINGS
                              "population: {total: 10, mix: {ms: 1}, age_profile: {\"5-6\": .5, 6: .5}}\n"
                              NEWP),
                     "(no error)");
}

Test(load, bottom_up_keys_go_together)
{
    expect(HEAD SETTINGS, "- {id: ms", "missing population and new_plans");
    expect(HEAD POP, "{total", "missing settings");
    expect(HEAD "cessation: {rate: 1%}\n", "{rate", "top-down");
    expect(HEAD "mitigations:\n  - {name: x, type: demand, reduction: 5%}\n", "demand",
           "saving mitigations only");
}

Test(load, rates_over_time_and_money_paths)
{
    expect(VALID "costs: {inflation: {2026: 1%, \"2026/27\": 2%}}\n", "\"2026/27\"", "named twice");
    expect(VALID "costs: {inflation: {2026/28: 1%}}\n", "2026/28", "a year like 2026");
    /* {2024: X, 2026: Y} with start_year 2025 is an error: 2024 never seeds the path */
    expect(VALID "other_expenditure:\n  - {name: x, by_year: {2024: 1m, 2026: 2m}}\n", "{2024",
           "name 2025");
    expect(VALID "other_expenditure:\n  - {name: x, base: 1m, by_year: {2025: 1m}}\n", "{2025",
           "not both");
    expect(VALID "other_expenditure:\n  - {name: x, base: 1m}\n  - {name: x, base: 2m}\n",
           "x, base: 2m", "used twice");
    expect(VALID "funding: {grant: 2m}\n", "funding: {grant: 2m}", "duplicate key 'funding'");
}

Test(load, cessation_and_transitions)
{
    expect(VALID "cessation: {by_age: {\"19-24\": 20%, \"20-25\": 10%}}\n", "\"20-25\"",
           "same width");
    cr_assert_str_eq(th_error(VALID "cessation: {by_age: {\"19-24\": 20%, 21: 5%}}\n"),
                     "(no error)");
    expect(VALID "transitions:\n  - {ages: [11], from: ms, to: sp, rate: 60%}\n"
                 "  - {ages: [\"10-12\"], from: ms, to: sp, rate: 50%}\n",
           "{ages: [\"10-12\"]", "sum to 1.1");
    expect(VALID "transitions:\n  - {ages: [30], from: ms, to: sp, rate: 6%}\n", "30",
           "outside 0..25");
    expect(VALID "transitions:\n  - {ages: [11], from: ms, to: ms, rate: 6%}\n", "ms, rate",
           "same setting");
    expect(VALID "transitions:\n  - {ages: [11], from: mx, to: sp, rate: 6%}\n", "mx",
           "did you mean 'ms'");
}

Test(load, mitigations_rules)
{
    expect(VALID "mitigations:\n  - {name: a, type: savng, amount: 1m}\n", "savng",
           "did you mean 'saving'");
    expect(VALID "mitigations:\n  - {name: a, type: other}\n", "other",
           "saving, demand, mix, unit_cost or capacity");
    expect(VALID "mitigations:\n  - {name: a, type: demand}\n", "{name: a", "needs 'reduction'");
    expect(VALID "mitigations:\n  - {name: a, type: demand, reduction: 5%, amount: 1m}\n",
           "amount", "unknown key 'amount'");
    expect(VALID "mitigations:\n  - {name: a, type: capacity, setting: ms, places: 5}\n",
           "ms, places", "no capacity");
    expect(VALID "mitigations:\n  - {name: a, type: demand, reduction: 5%, ramp: [0.5, 1.5]}\n",
           "1.5", "between 0 and 1");
    expect(VALID "mitigations:\n  - {name: a, type: demand, reduction: 5%}\n"
                 "  - {name: a, type: demand, reduction: 6%}\n",
           "a, type: demand, reduction: 6%", "used twice");
    expect(VALID "mitigations:\n  - {name: a, type: saving, amount: 1m, start: 26}\n", "26}",
           "a year like");
}

Test(load, distributions)
{
    expect(VALID "costs: {inflation: {dist: normal, mean: 3%}}\n", "{dist", "needs 'sd'");
    expect(VALID "costs: {inflation: {dist: normal, mean: 3%, sd: 0}}\n", "0}}",
           "sd must be above 0");
    expect(VALID "costs: {inflation: {dist: gaussian, mean: 3%, sd: 1%}}\n", "gaussian",
           "unknown distribution");
    expect(VALID "costs: {inflation: {dist: triangular, min: 1%, mode: 5%, max: 4%}}\n", "5%",
           "mode must lie between");
    expect(VALID "costs: {inflation: {dist: uniform, min: 5%, max: 4%}}\n", "4%",
           "min must be below max");
    expect(VALID "costs: {inflation: {dist: uniform, min: 1%, max: 4%, mode: 2%}}\n", "mode",
           "unknown key 'mode'");
    expect(VALID "cessation: {rate: {dist: uniform, min: 0.5, max: 1.5}}\n", "{dist",
           "outside the value's range");
    expect(VALID "costs: {inflation: {dist: bernoulli, p: 1.5}}\n", "1.5", "p must lie");
    expect(VALID "costs: {inflation: {dist: lognormal, median: -1, sigma: 0.1}}\n", "-1",
           "median must be above 0");
    /* an unbounded distribution may reach outside the range: its draws are clamped */
    cr_assert_str_eq(th_error(VALID "cessation: {rate: {dist: normal, mean: 5%, sd: 10%}}\n"),
                     "(no error)");
    expect(VALID "costs: {inflation: {dist: normal, mean: 3%, sd: 1%, id: x}}\n"
                 "cessation: {rate: {dist: normal, mean: 3%, sd: 2%, id: x }}\n",
           "x }}", "id 'x' is already used");
}

#define WITH_DISTS                                                                             \
    HEAD SETTINGS POP                                                                          \
    "new_plans: {count: 1, growth: {dist: normal, mean: 3%, sd: 1%, id: g}, "                 \
    "age_profile: {5: 1}, mix: {ms: 1}}\n"                                                     \
    "costs: {inflation: {dist: normal, mean: 3%, sd: 1%, id: infl}}\n"

Test(load, monte_carlo_block)
{
    expect(VALID "monte_carlo: {method: lhc}\n", "lhc", "did you mean 'lhs'");
    expect(VALID "monte_carlo: {draws: 0 }\n", "0 }", "from 1 to");
    expect(VALID "monte_carlo: {thresholds: [100m, abc]}\n", "abc", "amount of money");
    expect(WITH_DISTS "monte_carlo: {correlations: [{a: infl, b: growht, rho: 0.5}]}\n", "growht",
           "not the id of a distribution");
    expect(WITH_DISTS "monte_carlo: {correlations: [{a: infl, b: g, rho: 1.0}]}\n", "1.0",
           "strictly between -1 and 1");
    expect(WITH_DISTS "monte_carlo: {correlations: [{a: infl, b: infl, rho: 0.5}]}\n",
           "infl, rho", "with itself");
    cr_assert_str_eq(th_error(WITH_DISTS "monte_carlo: {draws: 1000, seed: 7, method: sobol, "
                                         "correlations: [{a: infl, b: g, rho: -0.4}]}\n"),
                     "(no error)");
}

/* The reader's errors (encoding, control characters) carry a byte offset,
 * not a mark: they are placed at their own line and column, not at 1:1. */
Test(load, encoding_errors_at_their_place)
{
    /* line 5 is `foo: "ab\x01c"`: f=1 o o : space " a b, so \x01 is column 9 */
    cr_assert_str_eq(th_error("hnb: 1\nname: x\n  # ok\nyears: 3\nfoo: \"ab\x01" "c\"\n"),
                     "5:9: control characters are not allowed (the byte 0x01): a scenario is "
                     "UTF-8 text");
    /* Latin-1 e-acute (0xE9) in `name: "caf\xe9"`: n a m e : space " c a f, so column 11;
     * the bad byte libyaml reports is the quote after it, the sequence starts here */
    cr_assert_str_eq(th_error("hnb: 1\nname: \"caf\xe9\"\n"),
                     "2:11: the byte 0xE9 is not UTF-8: save the file as UTF-8 (this looks like "
                     "Latin-1 or Windows-1252)");
    /* a tab in indentation: said in words, at the tab */
    cr_assert_str_eq(th_error("hnb: 1\nsettings:\n\tspecial: {}\n"),
                     "3:1: a tab: YAML indents with spaces, never tabs");
    /* a control byte quoted in a message reaches the terminal escaped: the
     * key holds ESC [ 3 1 m */
    const char *e = th_error("hnb: 1\nname: x\n\"k\\e[31m\": 1\n");
    cr_assert(strstr(e, "unknown key 'k\\x1B[31m'") != NULL, "%s", e);
}

/* A file none of whose keys is a scenario's is refused without quoting it:
 * extends: /etc/shadow once printed the file's first line. */
Test(load, extends_a_file_that_is_not_a_scenario)
{
    const char *other = th_write("secret.yaml", "root: x:0:0:secret-value\n");
    char text[600];
    snprintf(text, sizeof text, "hnb: 1\nextends: %s\nname: x\n", other);
    const char *e = th_error(text);
    /* at the extends: value, line 2, column 10 */
    cr_assert(strncmp(e, "2:10: extends: '", 16) == 0, "%s", e);
    cr_assert(strstr(e, "is not a scenario: none of its keys is a scenario's") != NULL, "%s", e);
    cr_assert(strstr(e, "secret-value") == NULL, "the file is not quoted: %s", e);
    /* given directly: said of the file, at no line */
    hnb_err err;
    hnb_model *m = NULL;
    cr_assert_eq(hnb_model_load(other, NULL, 0, &m, &err), HNB_EINPUT);
    cr_assert_eq(err.line, 0);
    cr_assert(strstr(err.msg, "secret-value") == NULL, "%s", err.msg);
}

/* For syntax errors the position is libyaml's: check that one is given. */
static void expect_syntax(const char *text, const char *needle)
{
    const char *e = th_error(text);
    int line = 0, col = 0;
    cr_assert(sscanf(e, "%d:%d:", &line, &col) == 2 && line >= 1 && col >= 1, "%s", e);
    cr_assert(strstr(e, needle) != NULL, "expected '%s' in: %s", needle, e);
}

Test(load, malformed_yaml)
{
    expect_syntax("hnb: 1\nname: [unclosed\n", "YAML syntax");
    expect_syntax("hnb: 1\n  bad: indent\n", "YAML syntax");
    expect_syntax("\x01\x02\x03\xff\xfe", "control characters are not allowed");
    expect_syntax("hnb: 1\nname: \"unterminated\n", "YAML syntax");
    expect("- a\n- b\n", "", "must be a mapping");
    expect("a: *nothing\n", "*nothing", "unknown alias");
    expect("--- {hnb: 1}\n--- {hnb: 2}\n", "--- {hnb: 2}", "second");
    expect("a: &x {b: *x}\n", "*x", "contains it");
    /* a 2 MB line is read and refused as a value, not a crash */
    static char longline[2200000];
    memcpy(longline, "hnb: 1\nname: ", 14);
    memset(longline + 14, '9', 2100000);
    longline[2100014] = 0;
    expect_syntax(longline, "");
}

Test(load, alias_bomb_and_deep_nesting_are_errors)
{
    char bomb[4096] = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    for (char c = 'b'; c <= 'j'; c++) {
        char line[128];
        snprintf(line, sizeof line, "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n",
                 c, c, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1);
        strcat(bomb, line);
    }
    const char *e = th_error(bomb);
    cr_assert(strstr(e, "alias bomb") != NULL, "%s", e);

    static char deep[20000];
    memset(deep, '[', 5000);
    deep[5000] = 0;
    e = th_error(deep);
    cr_assert(strstr(e, "nesting deeper than") != NULL, "%s", e);
    memset(deep, 0, sizeof deep);
    for (int i = 0; i < 3000; i++) memcpy(deep + 3 * i, "a: ", 3); /* a: a: a: ... */
    e = th_error(deep);
    cr_assert(strstr(e, "YAML syntax") != NULL || strstr(e, "nesting") != NULL, "%s", e);
}

Test(load, from_csv_errors_name_the_csv_file)
{
    th_write("pop.csv", "age,setting,count\n5,ms,10\n5,xx,3\n");
    hnb_err err;
    hnb_model *m = th_load(HEAD SETTINGS "population: {from_csv: pop.csv}\n" NEWP, &err);
    cr_assert_null(m);
    cr_assert(strstr(err.file, "pop.csv") != NULL, "%s", err.file);
    cr_assert_eq(err.line, 3); /* the row "5,xx,3", at the setting field */
    cr_assert_eq(err.col, 3);
    cr_assert(strstr(err.msg, "unknown setting 'xx'") != NULL, "%s", err.msg);

    th_write("pop2.csv", "age,setting,n\n5,ms,10\n");
    m = th_load(HEAD SETTINGS "population: {from_csv: pop2.csv}\n" NEWP, &err);
    cr_assert_null(m);
    cr_assert_eq(err.line, 1);
    cr_assert(strstr(err.msg, "header") != NULL, "%s", err.msg);

    th_write("pop3.csv", "age,setting,count\n5,ms,-1\n");
    m = th_load(HEAD SETTINGS "population: {from_csv: pop3.csv}\n" NEWP, &err);
    cr_assert_null(m);
    cr_assert(err.line == 2 && err.col == 6, "%d:%d", err.line, err.col); /* "-1" */

    m = th_load(HEAD SETTINGS "population: {from_csv: missing.csv}\n" NEWP, &err);
    cr_assert_null(m);
    cr_assert(strstr(err.msg, "cannot open") != NULL, "%s", err.msg);
    cr_assert_eq(err.line, 9); /* the from_csv value in the scenario */
    cr_assert_eq(err.col, 24);
}

Test(load, from_csv_as_excel_writes_it)
{
    /* Excel's "CSV UTF-8": a byte-order mark, and quotes around fields with
     * commas. Ages 5-10 share 1,000 plans (1000/6 each), age 11 has 60 in sp. */
    th_write("popx.csv", "\xEF\xBB\xBF" "age,setting,count\n\"5-10\",ms,\"1,000\"\n11,\"sp\",60\n");
    hnb_err err;
    hnb_model *m = th_load(HEAD SETTINGS "population: {from_csv: popx.csv}\n" NEWP, &err);
    cr_assert_not_null(m, "%d:%d: %s", err.line, err.col, err.msg);
    cr_assert_float_eq(m->pop_csv[5 * 2 + 0], 1000.0 / 6, 1e-9);
    cr_assert_float_eq(m->pop_csv[10 * 2 + 0], 1000.0 / 6, 1e-9);
    cr_assert_float_eq(m->pop_csv[11 * 2 + 1], 60, 0);
    hnb_model_free(m);

    th_write("popq.csv", "age,setting,count\n5,\"ms,10\n");
    m = th_load(HEAD SETTINGS "population: {from_csv: popq.csv}\n" NEWP, &err);
    cr_assert_null(m);
    cr_assert_eq(err.line, 2);
    cr_assert(strstr(err.msg, "quote is not closed") != NULL, "%s", err.msg);
}

Test(load, correlations_that_cannot_hold_are_refused_without_draws)
{
    /* rho(a,b) = 0.9, rho(a,c) = 0.9, rho(b,c) = -0.9: the determinant of
     * [[1,.9,.9],[.9,1,-.9],[.9,-.9,1]] is 1 - .81*3 - 2*.729 = -2.888 < 0,
     * so no Cholesky factor exists. Refused at load, with or without draws. */
    expect(HEAD "settings:\n  - {id: ms, cost: {dist: uniform, min: 900, max: 1100, id: a}}\n"
                "  - {id: sp, cost: {dist: uniform, min: 1900, max: 2100, id: b}}\n"
                "  - {id: ind, cost: {dist: uniform, min: 4900, max: 5100, id: c}}\n" POP NEWP
                "monte_carlo:\n  correlations:\n    - {a: a, b: b, rho: 0.9}\n"
                "    - {a: a, b: c, rho: 0.9}\n    - {a: b, b: c, rho: -0.9}\n",
           "{a: a, b: b", "not positive definite");
}

Test(load, an_age_written_as_a_number_and_as_a_string_adds)
{
    /* SPEC 2: a key is one age (16 or "16"); in a set of shares, overlapping
     * keys add. In YAML 5 and "5" are different keys, so both are read and
     * add: all 10 plans at age 5. Years named both ways stay an error. */
    hnb_err err;
    hnb_model *m = th_load(HEAD SETTINGS "population: {total: 10, mix: {ms: 1}, age_profile: "
                                         "{5: 0.5, \"5\": 0.5}}\n" NEWP,
                           &err);
    cr_assert_not_null(m, "%d:%d: %s", err.line, err.col, err.msg);
    hnb_result *r = th_run(m);
    cr_assert_float_eq(r->ehcps[0], 10, 1e-12);
    th_done(m, r);
    expect(VALID "cessation: {by_age: {5: 10%, \"5\": 20%}}\n", "\"5\"", "same width");
    expect("hnb: 1\nname: t\nstart_year: 2025\nyears: 3\n"
           "funding: {grant: 1m, transfers: {2025: 1m, \"2025\": 2m}}\n",
           "\"2025\"", "named twice");
}

/* A NUL or another control byte anywhere in a CSV line is an error at its
 * true line and column, never a silently shortened row (10,ms,1<NUL>0 was
 * once read as 1); /dev/zero is refused at once. */
Test(load, control_bytes_in_csv_files)
{
    static const char *const bodies[] = {"10,ms,1\0000\n", "10,m\001s,10\n", "\00010,ms,10\n"};
    static const int cols[] = {8, 5, 1};
    for (int k = 0; k < 3; k++) {
        char path[256];
        snprintf(path, sizeof path, "%s", th_write("ctl.csv", ""));
        FILE *f = fopen(path, "wb");
        cr_assert_not_null(f);
        fputs("age,setting,count\n", f);
        fwrite(bodies[k], 1, strlen(bodies[k]) + (k == 0 ? 2 : k == 2 ? 11 : 0), f);
        fclose(f);
        char text[512];
        snprintf(text, sizeof text,
                 "hnb: 1\nname: t\nstart_year: 2025\nyears: 1\nfunding: {grant: 1m}\n"
                 "settings: [{id: ms, cost: 1}]\npopulation: {from_csv: %s}\n"
                 "new_plans: {count: 0, age_profile: {5: 1}, mix: {ms: 1}}\n",
                 path);
        hnb_err err;
        cr_assert_null(th_load(text, &err), "case %d", k);
        cr_assert_eq(err.line, 2, "case %d: line %d", k, err.line);
        cr_assert_eq(err.col, cols[k], "case %d: column %d", k, err.col);
        cr_assert(strstr(err.msg, "control character"), "%s", err.msg);
    }
    /* a device is refused before anything is read from it */
    cr_assert_eq(th_sh("timeout 10 %s/build/hnb calibrate scenarios/leicestershire-2025.yaml --history /dev/zero -q -o /tmp/hnb-zero", th_root()), 2, "%s", th_out);
    cr_assert(strstr(th_out, "/dev/zero: cannot open: not a regular file"), "%s", th_out);
}

/* Values almost certainly in the wrong unit are said, with their place, and
 * not refused (issue 17). Each message is worked from the value: 18.4 read
 * as pounds is £18.4, 15 read as a rate is 1,500% a year. */
Test(load, plausibility_warnings)
{
    hnb_err err;
    hnb_model *m = th_load("hnb: 1\nname: t\nstart_year: 2025\nyears: 2\n"
                           "funding: {grant: {base: 117.5, growth: 3%}}\n"
                           "other_expenditure: [{name: x, base: 9.5m, growth: 15}]\n"
                           "opening_deficit: 18.4\n",
                           &err);
    cr_assert_not_null(m, "%s", err.msg);
    const char *w = th_warnings();
    /* line 7 `opening_deficit: 18.4`: the value starts in column 18 */
    cr_assert(strstr(w, ":7:18: warning: opening_deficit = 18.4 is £18.4: if you meant £18.4m, "
                        "write 18.4m") != NULL, "%s", w);
    /* line 5 `funding: {grant: {base: 117.5, ...`: column 25 */
    cr_assert(strstr(w, ":5:25: warning: funding.grant.base = 117.5 is £117.5") != NULL, "%s", w);
    /* line 6: growth 15 is 1500% a year */
    cr_assert(strstr(w, ":6:51: warning: other_expenditure.x.growth = 15 is 1500% a year: for 15% "
                        "write 15% (or 0.15)") != NULL, "%s", w);
    /* 9.5m and 3% are fine: nothing said of them */
    cr_assert(strstr(w, "other_expenditure.x.base") == NULL, "%s", w);
    cr_assert(strstr(w, "funding.grant.growth") == NULL, "%s", w);
    hnb_model_free(m);
}
