/* test_sen2.c - `hnb sen2` and `hnb init` on real extracts of the DfE SEN2
 * release (tests/data/sen2, README there): figures read from both layouts,
 * a split council, suppressed cells, the roll-up against the region's row,
 * init then check then run, the placement mapping, and bad input (exit 2,
 * nothing written). Every expected figure is the release's own cell, with
 * its file and line in the comment beside it. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "hnb/model.h"
#include "hnb/project.h"

#define REL "tests/data/sen2/2025 tests/data/sen2/2022"

static const char *bin(void)
{
    const char *b = getenv("HNB_BIN");
    cr_assert_not_null(b, "HNB_BIN is not set (run through make test)");
    return b;
}

/* A fresh directory for one test. */
static const char *fresh(void)
{
    static char dir[256];
    snprintf(dir, sizeof dir, "/tmp/hnb-sen2-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    return dir;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The line of TEXT that starts with PREFIX (a CSV row), or NULL. */
static const char *row(const char *text, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (!strncmp(p, prefix, n)) return p;
    return NULL;
}

static void expect_row(const char *file, const char *line)
{
    char *text = slurp(file);
    cr_assert_not_null(row(text, line), "%s: no row '%s' in\n%s", file, line, text);
}

Test(sen2, leicestershire_from_both_layouts)
{
    const char *d = fresh();
    cr_assert_eq(th_sh("%s sen2 " REL " --la 855 -o %s/out", bin(), d), 0, "%s", th_out);
    char p[512];
    snprintf(p, sizeof p, "%s/out/history.csv", d);
    /* History year 2024 (2024/25): 2025 release caseload.csv line 606
     * (202425, All EHC plans) ehcplans 7196; newplans.csv line 222 (2024)
     * new_ehc_plans 929; requests.csv line 78 (2024) 1582; ceased_plans.csv
     * (2024, All ceased EHC plans) total_ceased 318. */
    expect_row(p, "2024,,7196,929,1582,318\n");
    /* Year 2009: the 2022 layout only: sen2_age_caseload.csv (2010, Total)
     * Total_all 2630; sen2_age_new_plans.csv (2009, Total) Total_new_all 326. */
    expect_row(p, "2009,,2630,326,,\n");
    /* By setting, January 2025, caseload.csv line 606: mainstream_total 2648;
     * special_la_maintained 784 + special_academy_free 1178 = 1962; new plans
     * (newplans.csv line 222): mainstream_total 692, special 30 + 56 = 86. */
    expect_row(p, "2024,mainstream,2648,692,,\n");
    expect_row(p, "2024,special,1962,86,,\n");
    /* timeliness_20_week.csv line 77 (2024): 33 of 772 = 0.0427 (the release's 4.3%) */
    snprintf(p, sizeof p, "%s/out/pipeline.csv", d);
    expect_row(p, "2024,1582,772,33,0.0427\n");
    cr_assert(strstr(th_out,
                     "7,196 EHCPs at January 2025; 929 new plans in 2024; 1,582 requests in 2024; "
                     "4.3% of plans issued within 20 weeks") != NULL,
              "%s", th_out);
    /* The population: age 10, mainstream, caseload.csv (202425, age 10)
     * mainstream_total 259, spread over needs: the need counts add back to it. */
    snprintf(p, sizeof p, "%s/out/population.csv", d);
    char *text = slurp(p);
    cr_assert(!strncmp(text, "age,setting,need,count\n", 23));
    double sum = 0;
    for (const char *q = text; (q = strstr(q, "\n10,mainstream,")); q++) {
        const char *end = strchr(q + 1, '\n'), *c = end;
        while (c > q && c[-1] != ',')
            c--;
        sum += atof(c);
    }
    cr_assert(fabs(sum - 259) < 1e-4, "age 10 mainstream: %.6f", sum);
    /* The same council by new code and by name */
    cr_assert_eq(th_sh("%s sen2 " REL " --la E10000018 -o %s/by-code", bin(), d), 0, "%s", th_out);
    cr_assert_eq(th_sh("%s sen2 " REL " --la leicestershire -o %s/by-name -q", bin(), d), 0, "%s",
                 th_out);
    cr_assert_eq(th_sh("cmp %s/out/history.csv %s/by-name/history.csv", d, d), 0, "%s", th_out);
    th_sh("rm -rf %s", d);
}

Test(sen2, leicester_and_its_suppressed_cells)
{
    const char *d = fresh();
    cr_assert_eq(th_sh("%s sen2 " REL " --la 856 -o %s/out", bin(), d), 0, "%s", th_out);
    /* requests.csv line 64: Leicester's 2023 requests are 'x': reported, with place */
    cr_assert(strstr(th_out, "requests.csv:64: requests in 2023: suppressed ('x')") != NULL, "%s",
              th_out);
    char p[512];
    snprintf(p, sizeof p, "%s/out/history.csv", d);
    /* caseload.csv line 629: 4057 at January 2025; newplans.csv line 239: 579;
     * requests.csv line 79: 883; ceased 405 (ceased_plans.csv, 2024) */
    expect_row(p, "2024,,4057,579,883,405\n");
    /* 2023: stock 3824 (January 2024), the requests blank, not 0 (and the
     * release has no 2023 new plans for Leicester, DATA.md's known gap) */
    expect_row(p, "2023,,3824,,,");
    snprintf(p, sizeof p, "%s/out/notes.md", d);
    cr_assert(strstr(slurp(p), "requests.csv:64") != NULL);
    th_sh("rm -rf %s", d);
}

/* Several settings suppressed at the latest January: the plans they hold
 * are shared as they shared them in the latest year that gives them all. */
Test(sen2, several_settings_suppressed)
{
    const char *d = fresh();
    /* Leicestershire's January 2025 row (caseload.csv line 606) with
     * mainstream_total 2648 and special_independent 428 made 'x' */
    th_sh("mkdir -p %s/rel/data && cp tests/data/sen2/2025/data/*.csv %s/rel/data/ && "
          "sed -i '606s/,2648,36.8,/,x,36.8,/; 606s/,784,1178,428,13,/,784,1178,x,13,/' "
          "%s/rel/data/caseload.csv",
          d, d, d);
    cr_assert_eq(th_sh("%s init --la 855 --sen2 %s/rel --no-calibrate -o %s/l.yaml", bin(), d, d),
                 0, "%s", th_out);
    /* given: special 784 + 1178 = 1962, independent's non-maintained 13, post16
     * 847 + 3 + 1036 + 18 + 241 = 2145: 4120 of 7196, so 3076 to share. At
     * January 2024 (line 241) mainstream had 2435 and independent 380 + 10 =
     * 390: mainstream 3076 x 2435 / 2825 = 2651.35, independent 13 + 3076 x
     * 390 / 2825 = 437.65 */
    cr_assert(strstr(th_out,
                     "2 settings' plans at January 2025 are suppressed ('x'): the 3076 plans "
                     "they hold are shared as those settings shared their plans at January "
                     "2024") != NULL,
              "%s", th_out);
    char p[512];
    snprintf(p, sizeof p, "%s/l.yaml", d);
    char *y = slurp(p);
    cr_assert(
        strstr(y, "# 2,651 plans: rel/data/caseload.csv line 606, mainstream_total (suppressed") !=
            NULL,
        "%s", y);
    cr_assert(strstr(y, "# 438 plans: rel/data/caseload.csv line 606, special_independent + "
                        "special_non_maintained (suppressed") != NULL);
    cr_assert(strstr(y, "# SUPPRESSED: 2 cells") != NULL);
    th_sh("rm -rf %s", d);
}

Test(sen2, a_split_council)
{
    const char *d = fresh();
    cr_assert_eq(th_sh("%s sen2 " REL " --la 942 -o %s/out", bin(), d), 0, "%s", th_out);
    cr_assert(strstr(th_out, "Cumbria (909) was replaced on 1 April 2023") != NULL, "%s", th_out);
    char p[512];
    snprintf(p, sizeof p, "%s/out/history.csv", d);
    /* Cumberland's share: 2,656 of 2,656 + 2,196 = 4,852 at January 2024
     * (caseload.csv lines 144, 167) = 0.547403; Cumbria at January 2023
     * (line 58) 4,489 x 0.547403 = 2457.293 for history year 2022. */
    expect_row(p, "2022,,2457.293,");
    /* its own years: January 2025, caseload.csv line 508: 2893 */
    expect_row(p, "2024,,2893,");
    /* Cumbria itself: history only, and init refuses it, naming both successors */
    cr_assert_eq(th_sh("%s init --la 909 --sen2 " REL " -o %s/cumbria.yaml", bin(), d), 2, "%s",
                 th_out);
    cr_assert(strstr(th_out, "Cumberland (942) and Westmorland and Furness (943)") != NULL, "%s",
              th_out);
    cr_assert(!exists("cumbria.yaml"));
    th_sh("rm -rf %s", d);
}

Test(sen2, rollup_equals_the_region_row)
{
    const char *d = fresh();
    cr_assert_eq(th_sh("%s sen2 tests/data/sen2/2025 --rollup -o %s/r", bin(), d), 0, "%s", th_out);
    char p[512];
    snprintf(p, sizeof p, "%s/r/rollup.csv", d);
    /* East Midlands at January 2025 (caseload.csv): 7625 Derbyshire + 3735
     * Derby + 7196 Leicestershire + 4057 Leicester + 376 Rutland + 5422
     * Nottinghamshire + 1909 Nottingham + 8420 Lincolnshire + 4551 North and
     * 4153 West Northamptonshire = 47444, the region row's ehcplans. */
    expect_row(p, "East Midlands,E12000004,ehcps,2025,10,0,47444,47444,0\n");
    /* 2024 new plans: 1386+492+929+579+77+1295+295+1208+992+713 = 7966 */
    expect_row(p, "East Midlands,E12000004,new_plans,2024,10,0,7966,7966,0\n");
    /* requests: 2713+769+1582+883+75+1719+579+1914+1329+1430 = 12993 */
    expect_row(p, "East Midlands,E12000004,requests,2024,10,0,12993,12993,0\n");
    /* ceased: 321+357+318+405+47+453+134+616+358+196 = 3205 */
    expect_row(p, "East Midlands,E12000004,ceased,2024,10,0,3205,3205,0\n");
    /* England's published row is there (638,745), the fixture's councils are not all */
    expect_row(p, "England,E92000001,ehcps,2025,12,0,52714,638745,-586031\n");
    th_sh("rm -rf %s", d);
}

/* The whole release (HNB_SEN2_FULL: a folder holding the unzipped 2025/):
 * every council adds up to England's own figures (DATA.md: 638,745 plans at
 * January 2025, 97,747 new plans, 154,489 requests, 44,862 ceased in 2024). */
Test(sen2, full_release_rollup_equals_england)
{
    const char *full = getenv("HNB_SEN2_FULL");
    if (!full) cr_skip_test("HNB_SEN2_FULL is not set");
    const char *d = fresh();
    cr_assert_eq(th_sh("%s sen2 %s/2025 --rollup -o %s/r -q", bin(), full, d), 0, "%s", th_out);
    char p[512];
    snprintf(p, sizeof p, "%s/r/rollup.csv", d);
    expect_row(p, "England,E92000001,ehcps,2025,153,0,638745,638745,0\n");
    expect_row(p, "England,E92000001,new_plans,2024,153,0,97747,97747,0\n");
    expect_row(p, "England,E92000001,requests,2024,153,0,154489,154489,0\n");
    expect_row(p, "England,E92000001,ceased,2024,153,0,44862,44862,0\n");
    th_sh("rm -rf %s", d);
}

/* init, check, run for two councils, in a fresh directory */
Test(sen2, init_check_run_two_councils)
{
    const char *d = fresh();
    const char *las[2][2] = {{"855", "leics"}, {"Leicester", "leicester"}};
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(
            th_sh("%s init --la %s --sen2 " REL " -o %s/%s.yaml", bin(), las[i][0], d, las[i][1]),
            0, "%s", th_out);
        char p[512];
        snprintf(p, sizeof p, "%s/%s.yaml", d, las[i][1]);
        char *y = slurp(p);
        cr_assert(strstr(y, "cost: !placeholder") != NULL);
        cr_assert(strstr(y, "grant: !placeholder") != NULL);
        cr_assert(strstr(y, "opening_deficit: !placeholder") != NULL);
        if (i == 0) {
            /* the stock and its source: caseload.csv line 606, ehcplans 7196 */
            cr_assert(strstr(y, "total: 7196   # 2025/data/caseload.csv line 606, ehcplans") !=
                          NULL,
                      "%s", y);
            /* mix: 2648 / 7196 = 0.367982212 (nine decimals) */
            cr_assert(strstr(y, "mainstream: 0.367982212   # 2,648 plans: 2025/data/caseload.csv "
                                "line 606, mainstream_total") != NULL);
            /* requests.csv line 78: 1582; assess 1176 / (1176 + 276) = 0.809917 */
            cr_assert(
                strstr(y, "count: 1582   # requests in 2024: 2025/data/requests.csv line 78") !=
                NULL);
            cr_assert(strstr(y, "assess_rate: 0.809917") != NULL);
        }
        snprintf(p, sizeof p, "%s/%s-calibration/calibrated.yaml", d, las[i][1]);
        cr_assert(exists(p), "no calibration: %s", th_out);
        snprintf(p, sizeof p, "%s/%s-sen2/history.csv", d, las[i][1]);
        cr_assert(exists(p));
        /* check: ok, with a warning for each placeholder (4 costs, grant, deficit) */
        cr_assert_eq(th_sh("%s check %s/%s.yaml", bin(), d, las[i][1]), 0, "%s", th_out);
        cr_assert(strstr(th_out, "funding.grant: a placeholder (!placeholder)") != NULL, "%s",
                  th_out);
        cr_assert(strstr(th_out, "placeholders 6 values") != NULL, "%s", th_out);
        /* replacing one (the tag goes with the value) leaves five */
        cr_assert_eq(th_sh("%s check %s/%s.yaml --set funding.grant=120m", bin(), d, las[i][1]), 0,
                     "%s", th_out);
        cr_assert(strstr(th_out, "placeholders 5 values") != NULL, "%s", th_out);
        cr_assert_eq(th_sh("%s run %s/%s.yaml -o %s/run-%s -q --no-charts", bin(), d, las[i][1], d,
                           las[i][1]),
                     0, "%s", th_out);
        cr_assert_eq(
            th_sh(
                "%s run %s/%s-calibration/calibrated.yaml -o %s/cal-%s -q --no-charts --draws 200",
                bin(), d, las[i][1], d, las[i][1]),
            0, "%s", th_out);
        snprintf(p, sizeof p, "%s/run-%s/projection.csv", d, las[i][1]);
        cr_assert(exists(p));
    }
    th_sh("rm -rf %s", d);
}

Test(sen2, init_all_and_batch)
{
    const char *d = fresh();
    cr_assert_eq(th_sh("%s init --all --sen2 tests/data/sen2/2025 -o %s/all -q", bin(), d), 0, "%s",
                 th_out);
    char p[512];
    snprintf(p, sizeof p, "%s/all/councils.csv", d);
    char *idx = slurp(p);
    /* the fixture's 12 councils of January 2025, and Cumbria and Northamptonshire skipped */
    cr_assert(
        strstr(idx,
               "855,E10000018,Leicestershire,E12000004,East Midlands,leicestershire.yaml,ok") !=
            NULL,
        "%s", idx);
    cr_assert(
        strstr(idx,
               "909,E10000006,Cumbria,E12000002,North West,,skipped: Cumbria (909) was replaced") !=
            NULL,
        "%s", idx);
    cr_assert_eq(th_sh("%s batch %s/all -o %s/batch -q --no-charts --jobs 2", bin(), d, d), 0, "%s",
                 th_out);
    snprintf(p, sizeof p, "%s/batch/batch.csv", d);
    char *b = slurp(p);
    int rows = 0;
    for (const char *q = b; (q = strchr(q, '\n')); q++)
        rows++;
    cr_assert_eq(rows, 13, "%s", b);                                /* the header and 12 councils */
    cr_assert(strstr(strchr(b, '\n'), ",error,") == NULL, "%s", b); /* after the header */
    /* the batch's forecasts added up: year 0 of each starter is its January
     * 2025 stock, so the East Midlands' ten add to the region row's 47444
     * (caseload.csv, the sum in rollup_equals_the_region_row) */
    cr_assert_eq(
        th_sh("%s sen2 tests/data/sen2/2025 --rollup --batch %s/batch -o %s/r -q", bin(), d, d), 0,
        "%s", th_out);
    snprintf(p, sizeof p, "%s/r/rollup-forecast.csv", d);
    expect_row(p, "East Midlands,E12000004,2025,2025/26,10,47444.000,");
    /* scenarios named by a council's code match it too; one named otherwise
     * is reported by name, and two councils of twelve are not "England" */
    th_sh("mkdir -p %s/few && cp %s/all/leicester.yaml %s/few/E06000016.yaml && cp %s/all/leicestershire.yaml "
          "%s/few/855.yaml && cp %s/all/leicester.yaml %s/few/mystery.yaml && sed -i 's|: leicester-sen2/|: "
          "../all/leicester-sen2/|; s|: leicestershire-sen2/|: ../all/leicestershire-sen2/|' %s/few/*.yaml",
          d, d, d, d, d, d, d, d);
    cr_assert_eq(th_sh("%s batch %s/few -o %s/fewb -q --no-charts", bin(), d, d), 0, "%s", th_out);
    cr_assert_eq(th_sh("%s sen2 tests/data/sen2/2025 --rollup --batch %s/fewb -o %s/r2", bin(), d, d), 0, "%s",
                 th_out);
    cr_assert(strstr(th_out, "2 councils' runs added up (1 not matched to a council: 'mystery'); those 2 of "
                             "England's 12 councils in 2034/35: ") != NULL,
              "%s", th_out);
    th_sh("rm -rf %s", d);
}

Test(sen2, a_users_mapping)
{
    const char *d = fresh();
    char map[512];
    snprintf(map, sizeof map, "%s/map.yaml", d);
    FILE *f = fopen(map, "w");
    fputs("settings:\n"
          "  - id: school\n"
          "    columns: [mainstream_total, special_total]\n"
          "    establishments: [Mainstream school, Special school]\n"
          "  - id: other\n"
          "    cost: \"£9,000\"\n"
          "    columns: [fe_total, ap_pru_total, ed_elsewhere, nm_early_years, placement_unknown]\n"
          "    establishments: [Further education, Alternative provision/Pupil referral unit, "
          "Educated elsewhere, NEET, Other, Non-maintained early years]\n",
          f);
    fclose(f);
    cr_assert_eq(th_sh("%s sen2 " REL " --la 855 --mapping %s -o %s/out -q", bin(), map, d), 0,
                 "%s", th_out);
    char p[512];
    snprintf(p, sizeof p, "%s/out/history.csv", d);
    /* caseload.csv line 606: mainstream_total 2648 + special_total 2403 = 5051;
     * the rest 847 + 3 + 1036 + 18 + 241 = 2145 */
    expect_row(p, "2024,school,5051,");
    expect_row(p, "2024,other,2145,");
    /* a column the release does not have: an error at the mapping's line */
    f = fopen(map, "w");
    fputs("settings:\n  - id: school\n    columns: [mainstream_totl]\n", f);
    fclose(f);
    cr_assert_eq(
        th_sh("%s sen2 tests/data/sen2/2025 --la 855 --mapping %s -o %s/bad", bin(), map, d), 2,
        "%s", th_out);
    cr_assert(strstr(th_out, "map.yaml:3:15: columns: 'mainstream_totl' is not a column") != NULL,
              "%s", th_out);
    cr_assert(strstr(th_out, "did you mean 'mainstream_total'") != NULL, "%s", th_out);
    snprintf(p, sizeof p, "%s/bad", d);
    cr_assert(!exists(p));
    /* a mapping that leaves plans out */
    f = fopen(map, "w");
    fputs("settings:\n  - id: school\n    columns: [mainstream_total]\n    establishments: "
          "[Mainstream school]\n",
          f);
    fclose(f);
    cr_assert_eq(th_sh("%s sen2 " REL " --la 855 --mapping %s -o %s/bad", bin(), map, d), 2, "%s",
                 th_out);
    cr_assert(strstr(th_out, "the placement mapping places 2648 of Leicestershire's 7196 plans") !=
                  NULL,
              "%s", th_out);
    cr_assert(!exists(p));
    th_sh("rm -rf %s", d);
}

Test(sen2, bad_input_exit_2_nothing_written)
{
    const char *d = fresh();
    char out[512];
    snprintf(out, sizeof out, "%s/out", d);
    /* a wrong code: the nearest names */
    cr_assert_eq(th_sh("%s sen2 " REL " --la 8555 -o %s", bin(), out), 2, "%s", th_out);
    cr_assert(strstr(th_out, "--la: no council '8555'") != NULL, "%s", th_out);
    cr_assert(strstr(th_out, "Leicestershire (855, E10000018)") != NULL, "%s", th_out);
    cr_assert(!exists(out));
    cr_assert_eq(th_sh("%s init --la Leicstershire --sen2 " REL " -o %s/x.yaml", bin(), d), 2, "%s",
                 th_out);
    cr_assert(strstr(th_out, "nearest: Leicestershire") != NULL, "%s", th_out);
    /* a file from another release: 2022's sen2_age_caseload.csv as caseload.csv */
    th_sh("mkdir -p %s/mixed/data && cp tests/data/sen2/2025/data/*.csv %s/mixed/data/ && "
          "cp tests/data/sen2/2022/data/sen2_age_caseload.csv %s/mixed/data/caseload.csv",
          d, d, d);
    cr_assert_eq(th_sh("%s sen2 %s/mixed --la 855 -o %s", bin(), d, out), 2, "%s", th_out);
    cr_assert(strstr(th_out, "mixed/data/caseload.csv:1:1: no column 'breakdown_topic'") != NULL,
              "%s", th_out);
    cr_assert(!exists(out));
    /* a truncated file: caseload.csv cut in the middle of line 300 */
    th_sh("mkdir -p %s/cut/data && cp tests/data/sen2/2025/data/*.csv %s/cut/data/ && "
          "head -c $(head -n 299 tests/data/sen2/2025/data/caseload.csv | wc -c) "
          "tests/data/sen2/2025/data/caseload.csv > %s/cut/data/caseload.csv && "
          "sed -n 300p tests/data/sen2/2025/data/caseload.csv | cut -c1-120 | tr -d '\\n' >> "
          "%s/cut/data/caseload.csv",
          d, d, d, d);
    cr_assert_eq(th_sh("%s sen2 %s/cut --la 855 -o %s", bin(), d, out), 2, "%s", th_out);
    cr_assert(strstr(th_out, "cut/data/caseload.csv:300:") != NULL, "%s", th_out);
    cr_assert(strstr(th_out, "is the file cut short?") != NULL, "%s", th_out);
    cr_assert(!exists(out));
    /* cut at the end of a number: the fields are all there, the line end is not */
    th_sh("mkdir -p %s/cut2/data && cp tests/data/sen2/2025/data/*.csv %s/cut2/data/ && "
          "head -c -2 tests/data/sen2/2025/data/requests.csv > %s/cut2/data/requests.csv",
          d, d, d);
    cr_assert_eq(th_sh("%s sen2 %s/cut2 --la 855 -o %s", bin(), d, out), 2, "%s", th_out);
    cr_assert(strstr(th_out, "cut2/data/requests.csv:85:1: the last line has no line end") != NULL,
              "%s", th_out);
    cr_assert(!exists(out));
    /* a folder that is not a release */
    cr_assert_eq(th_sh("%s init --la 855 --sen2 tests/data -o %s/x.yaml", bin(), d), 2, "%s",
                 th_out);
    cr_assert(strstr(th_out, "not an unpacked SEN2 release") != NULL, "%s", th_out);
    snprintf(out, sizeof out, "%s/x.yaml", d);
    cr_assert(!exists(out));
    /* a count that is not a number, at its place */
    th_sh("mkdir -p %s/junk/data && cp tests/data/sen2/2025/data/*.csv %s/junk/data/ && "
          "sed -i '606s/,7196,/,7l96,/' %s/junk/data/caseload.csv",
          d, d, d);
    cr_assert_eq(th_sh("%s sen2 %s/junk --la 855 -o %s/o2", bin(), d, d), 2, "%s", th_out);
    cr_assert(strstr(th_out, "junk/data/caseload.csv:606:") != NULL, "%s", th_out);
    cr_assert(strstr(th_out, "ehcplans: expected a count, 'x' or 'z', found '7l96'") != NULL, "%s",
              th_out);
    th_sh("rm -rf %s", d);
}

/* The loader's side of the convention: a value tagged !placeholder loads as
 * its value and warns at its place; other tags are ignored as before. */
Test(sen2, placeholder_tag_in_the_loader)
{
    hnb_err err = {0};
    hnb_model *m = th_load("hnb: 1\nname: t\nstart_year: 2025\nyears: 3\n"
                           "funding: {grant: !placeholder 1m}\n"
                           "opening_deficit: !placeholder \"£2m\"\n",
                           &err);
    cr_assert_not_null(m, "%s", err.msg);
    cr_assert_eq(m->nplaceholders, 2);
    /* line 5, column 18: "funding: {grant: " is 17 characters, then the tagged value */
    cr_assert(strstr(th_warnings(), ":5:18: warning: funding.grant: a placeholder") != NULL, "%s",
              th_warnings());
    cr_assert(strstr(th_warnings(), ":6:18: warning: opening_deficit: a placeholder") != NULL, "%s",
              th_warnings());
    hnb_result *r = th_run(m);
    /* the values are used: opening 2m, a grant of 1m a year and nothing spent:
     * 2 - 1 = 1m at the end of year 0 */
    cr_assert(fabs(r->cumulative_deficit[0] - 1e6) < 1e-6);
    th_done(m, r);
    m = th_load("hnb: 1\nname: t\nstart_year: 2025\nyears: 3\nfunding: {grant: !other 1m}\n", &err);
    cr_assert_not_null(m, "%s", err.msg);
    cr_assert_eq(m->nplaceholders, 0);
    cr_assert_eq(th_warnings()[0], 0, "%s", th_warnings());
    hnb_model_free(m);
}

/* -o a directory (with or without its slash): the council's own name in it,
 * not a hidden ".yaml" that the next council overwrites. */
Test(sen2, init_into_a_directory)
{
    const char *d = fresh();
    th_sh("mkdir -p %s/councils", d);
    cr_assert_eq(th_sh("%s init --la 855 --sen2 " REL " --no-calibrate -q -o %s/councils/", bin(), d), 0, "%s",
                 th_out);
    cr_assert_eq(th_sh("%s init --la 856 --sen2 " REL " --no-calibrate -q -o %s/councils", bin(), d), 0, "%s",
                 th_out);
    cr_assert_eq(th_sh("test -f %s/councils/leicestershire.yaml && test -f %s/councils/leicester.yaml && "
                       "test -d %s/councils/leicester-sen2 && ! test -e %s/councils/.yaml",
                       d, d, d, d),
                 0, "%s", th_out);
}
