/* test_workbook.c - workbook.xlsx as an auditor reads it: every formula
 * recomputes (tests/check_workbook.py evaluates each one from the cells it
 * names) to the result cached in the file and to projection.csv within
 * 0.5p, in every kind of scenario: v2 by need with the 2026 regime (make
 * run's), v1, the regime and the DSG-wide view, a top-down scenario with
 * transfers and other income, Shapley attribution; and the same scenario
 * gives the same bytes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"

#define out th_out
#define sh th_sh

/* Run SCENARIO (with ARGS) into a fresh directory and check its workbook. */
static void run_and_check(const char *tag, const char *scenario, const char *args)
{
    char dir[700];
    snprintf(dir, sizeof dir, "%s/out-workbook-test-%s", th_root(), tag);
    cr_assert_eq(sh("rm -rf %s && %s run %s -o %s -q --no-charts %s", dir, getenv("HNB_BIN"),
                    scenario, dir, args),
                 0, "%s", out);
    cr_assert_eq(sh("/usr/bin/python3 tests/check_workbook.py %s", dir), 0, "%s: %s", scenario,
                 out);
    cr_assert(strstr(out, "workbook: 0 problems") != NULL, "%s", out);
    sh("rm -rf %s", dir);
}

/* make run's scenario: v2, needs, a pipeline, the 2026 regime, Monte Carlo */
Test(workbook, default_scenario_recomputes, .timeout = 120)
{
    char dir[700];
    snprintf(dir, sizeof dir, "%s/out-workbook-test-default", th_root());
    cr_assert_eq(sh("rm -rf %s && %s run scenarios/leicestershire-2026.yaml -o %s -q --no-charts "
                    "--draws 300",
                    dir, getenv("HNB_BIN"), dir),
                 0, "%s", out);
    cr_assert_eq(sh("/usr/bin/python3 tests/check_workbook.py %s", dir), 0, "%s", out);
    /* what the auditor looks for, by name: the Summary's deficit at the end
     * of 2027/28 is Budget's, itself last year's plus the gap less the
     * stability grant and the central support; the grant is 90% of the
     * eligible deficit; the Inputs carry the scenario's comment */
    const char *py = th_write("auditor.py",
                              "import sys, openpyxl\n"
                              "wb = openpyxl.load_workbook(sys.argv[1] + '/workbook.xlsx')\n"
                              "s, b, i = wb['Summary'], wb['Budget'], wb['Inputs']\n"
                              "assert s['H7'].value == '=Budget!N7/1000000', s['H7'].value\n"
                              "assert b['N7'].value == '=N6+K7-L7-M7', b['N7'].value\n"
                              "assert b['L6'].value.startswith('=Inputs!'), b['L6'].value\n"
                              "assert b['C6'].value == '=SUM(placements!F6:F9)', b['C6'].value\n"
                              "dns = wb.defined_names\n"
                              "dns = dns.values() if hasattr(dns, 'values') else dns.definedName\n"
                              "names = {d.name: d.attr_text for d in dns}\n"
                              "assert names['CumulativeDeficit_2027_28'] == 'Budget!$N$7'\n"
                              "assert names['OverrideExposure'] == 'Budget!$N$7'\n"
                              "assert 'Input_central_share' in names\n"
                              "notes = [r[6].value for r in i.iter_rows(min_row=7) if r[6].value]\n"
                              "assert any('EHCPs at 31 July 2025' in n for n in notes)\n"
                              "assert wb['placements']['C2'].value == 'Mainstream top-up'\n");
    cr_assert_eq(sh("/usr/bin/python3 %s %s", py, dir), 0, "%s", out);
    sh("rm -rf %s", dir);
}

Test(workbook, v1_scenario_recomputes, .timeout = 120)
{
    run_and_check("v1", "scenarios/leicester-city-2025.yaml", "--draws 200");
}

Test(workbook, regime_scenario_recomputes, .timeout = 120)
{
    run_and_check("regime", "scenarios/leicestershire-mtfs-2026-regime.yaml", "");
}

Test(workbook, dsg_scenario_recomputes, .timeout = 120)
{
    run_and_check("dsg", "scenarios/leicestershire-mtfs-2026-dsg.yaml", "");
}

/* top-down, transfers (one negative), other income with growth over time,
 * savings with a ramp, a named year resetting a path, quotes in names */
Test(workbook, money_lines_recompute, .timeout = 120)
{
    run_and_check("case3", "tests/data/case3.yaml", "");
}

Test(workbook, shapley_attribution_recomputes, .timeout = 120)
{
    run_and_check("shapley", "scenarios/leicestershire-2026.yaml",
                  "--draws 0 --attribution shapley");
}

Test(workbook, same_scenario_same_bytes, .timeout = 120)
{
    char a[700], b[700];
    snprintf(a, sizeof a, "%s/out-workbook-test-bytes-a", th_root());
    snprintf(b, sizeof b, "%s/out-workbook-test-bytes-b", th_root());
    for (int k = 0; k < 2; k++)
        cr_assert_eq(
            sh("rm -rf %s && %s run scenarios/leicester-city-2026-regime.yaml -o %s -q --no-charts",
               k ? b : a, getenv("HNB_BIN"), k ? b : a),
            0, "%s", out);
    cr_assert_eq(sh("cmp %s/workbook.xlsx %s/workbook.xlsx", a, b), 0, "%s", out);
    sh("rm -rf %s %s", a, b);
}
