/* test_cli.c - the hnb command line: help, exit codes, nothing written on
 * bad input, outputs in place, --set. Runs the built binary (HNB_BIN). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "hnb/runner.h"

static char out[65536];

/* Run "hnb ARGS" through sh; capture stdout+stderr into out; return the exit status. */
static int hnb(const char *args)
{
    const char *bin = getenv("HNB_BIN");
    cr_assert_not_null(bin, "HNB_BIN is not set (run through make test)");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd %s && %s %s 2>&1", th_root(), bin, args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* `hnb ARGS` must exit 2 saying WANT, with nothing written into DIR. */
static void refused(const char *args, const char *want, const char *dir)
{
    cr_assert_eq(hnb(args), 2, "%s", out);
    cr_assert(strstr(out, want) != NULL, "%s", out);
    cr_assert(!exists(dir), "nothing is written on bad input");
}

Test(cli, help_and_version)
{
    cr_assert_eq(hnb("--help"), 0);
    cr_assert(strstr(out, "usage: hnb") != NULL);
    cr_assert_eq(hnb("run --help"), 0);
    cr_assert(strstr(out, "--set PATH=VALUE") != NULL);
    cr_assert_eq(hnb("check --help"), 0);
    cr_assert_eq(hnb("--version"), 0);
    cr_assert(strncmp(out, "hnb ", 4) == 0);
    cr_assert_eq(hnb(""), 2);
    cr_assert_eq(hnb("rnu x"), 2);
    cr_assert(strstr(out, "did you mean 'run'") != NULL, "%s", out);
    cr_assert_eq(hnb("run"), 2);
    cr_assert_eq(hnb("run --bogus scenarios/leicester-city-2025.yaml"), 2);
}

Test(cli, bad_input_exits_2_and_writes_nothing)
{
    const char *bad = th_write("bad.yaml", "hnb: 1\nname: x\nstart_year: 2025\nyears: 99\n");
    char args[1024], dir[600];
    snprintf(dir, sizeof dir, "%s.out", bad);
    snprintf(args, sizeof args, "run %s -o %s", bad, dir);
    refused(args, "bad.yaml:4:8: years: expected a whole number from 1 to 50", dir);
    snprintf(args, sizeof args, "run %s.missing", bad);
    cr_assert_eq(hnb(args), 2);
    cr_assert(strstr(out, "cannot open") != NULL, "%s", out);

    /* Numbers too large to report: 1e14 plans at £1,000 is £1e17 of spending,
     * past the 1e15 the engine reports; refused (exit 2), nothing written,
     * with or without draws (a draw summary once overflowed a buffer here). */
    const char *huge = th_write("huge.yaml",
                                "hnb: 1\nname: x\nstart_year: 2025\nyears: 2\nfunding: {grant: 1m}\n"
                                "settings: [{id: ms, cost: {dist: uniform, min: 900, max: 1100}}]\n"
                                "population: {total: 1e14, mix: {ms: 1}, age_profile: {5: 1}}\n"
                                "new_plans: {count: 1, age_profile: {5: 1}, mix: {ms: 1}}\n");
    snprintf(dir, sizeof dir, "%s.out", huge);
    snprintf(args, sizeof args, "run %s -o %s --draws 20 --no-charts", huge, dir);
    /* traced to the value: of the values whose setting to 0 brings the
     * projection back (the count and the cost), the one in a wrong unit */
    refused(args, "huge.yaml:7:21: population.total = 1e+14 sends the projection out of range: "
                  "the projection's expenditure in 2025/26 is 1e+17", dir);
    /* a draw that overflows: lognormal cost with sigma 30 reaches 1e15 in a few draws */
    snprintf(args, sizeof args,
             "run %s -o %s --draws 200 --no-charts --set population.total=100 "
             "--set 'settings.ms.cost={dist: lognormal, median: 1000, sigma: 30}'",
             huge, dir);
    refused(args, "--set:1:18: settings.ms.cost reaches ", dir);
    refused(args, "Monte Carlo draw", dir);
    /* an opening deficit drawn beyond it reaches only the cumulative figures */
    snprintf(args, sizeof args,
             "run %s -o %s --draws 200 --no-charts --set population.total=100 "
             "--set 'opening_deficit={dist: normal, mean: 1m, sd: 1e300}'",
             huge, dir);
    refused(args, "--set:1:17: opening_deficit reaches ", dir);
    refused(args, "Monte Carlo: the cumulative_deficit in 2025/26 reaches", dir);
}

Test(cli, run_writes_every_table)
{
    char dir[600], args[1024], f[700];
    snprintf(dir, sizeof dir, "%s/out-cli", th_root());
    snprintf(args, sizeof args,
             "run scenarios/leicestershire-mtfs-2025.yaml -o %s --set opening_deficit=75m -q", dir);
    cr_assert_eq(hnb(args), 0, "%s", out);
    const char *files[] = {"projection.csv", "placements.csv", "mitigations.csv", "summary.md"};
    for (int i = 0; i < 4; i++) {
        snprintf(f, sizeof f, "%s/%s", dir, files[i]);
        cr_assert(exists(f), "%s", f);
    }
    snprintf(f, sizeof f, "%s/projection.csv", dir);
    FILE *p = fopen(f, "r");
    char line[512];
    cr_assert_not_null(fgets(line, sizeof line, p));
    cr_assert_str_eq(line, "year,label,ehcps,ehcps_unmitigated,new_plans,expenditure,mitigations,"
                           "income,grant,annual_gap,cumulative_deficit\n");
    cr_assert_not_null(fgets(line, sizeof line, p));
    /* opening 75m instead of 65m: 2025/26 ends at 75 + 15.2 = 90.2m */
    cr_assert(strstr(line, ",90200000.00\n") != NULL, "%s", line);
    fclose(p);
    snprintf(f, sizeof f, "%s/summary.md", dir);
    p = fopen(f, "r");
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    fclose(p);
    cr_assert(strstr(out, "| 2025/26 | 145.5 | 117.5 | 12.8 | 15.2 | 90.2 |") != NULL, "%s", out);
    cr_assert(strstr(out, "**£112.7m**") != NULL, "override exposure: %s", out);
    snprintf(args, sizeof args, "rm -rf %s", dir);
    cr_assert_eq(system(args), 0);
}

Test(cli, check_prints_a_summary)
{
    cr_assert_eq(hnb("check scenarios/leicestershire-2025.yaml"), 0, "%s", out);
    cr_assert(strstr(out, "ok") != NULL);
    cr_assert(strstr(out, "2025/26 to 2036/37 (12 years)") != NULL, "%s", out);
    cr_assert_eq(hnb("check scenarios/leicestershire-2025.yaml --set years=0"), 2);
    cr_assert(strstr(out, "--set:1:7: years") != NULL, "%s", out);
}

static int same_file(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    if (!fa || !fb) {
        if (fa) fclose(fa);
        if (fb) fclose(fb);
        return 0;
    }
    int same = 1, ca, cb;
    do {
        ca = fgetc(fa);
        cb = fgetc(fb);
        if (ca != cb) same = 0;
    } while (same && ca != EOF);
    fclose(fa);
    fclose(fb);
    return same;
}

/* The same scenario and seed give byte-identical outputs for 1, 2 and 8
 * threads, and on a rerun. */
Test(cli, monte_carlo_outputs_are_byte_identical_across_threads)
{
    const char *files[] = {"projection.csv", "montecarlo.csv", "sensitivity.csv",
                           "exceedance.csv", "summary.md"};
    const char *threads[] = {"1", "2", "8", "2"};
    char args[1024], a[700], b[700];
    for (int k = 0; k < 4; k++) {
        snprintf(args, sizeof args,
                 "run scenarios/leicestershire-2025.yaml --draws 4000 --seed 11 --method lhs "
                 "--threads %s -q -o %s/out-threads-%d",
                 threads[k], th_root(), k);
        cr_assert_eq(hnb(args), 0, "%s", out);
    }
    for (int k = 1; k < 4; k++)
        for (int f = 0; f < 5; f++) {
            snprintf(a, sizeof a, "%s/out-threads-0/%s", th_root(), files[f]);
            snprintf(b, sizeof b, "%s/out-threads-%d/%s", th_root(), k, files[f]);
            cr_assert(same_file(a, b), "%s differs with %s threads", files[f], threads[k]);
        }
    snprintf(args, sizeof args, "rm -rf %s/out-threads-*", th_root());
    cr_assert_eq(system(args), 0);
}

Test(cli, monte_carlo_options_are_checked)
{
    cr_assert_eq(hnb("run scenarios/leicester-city-2025.yaml --draws abc"), 2);
    cr_assert(strstr(out, "--draws: expected a whole number") != NULL, "%s", out);
    cr_assert_eq(hnb("run scenarios/leicester-city-2025.yaml --draws 10 --method lhc"), 2);
    cr_assert(strstr(out, "expected random, lhs or sobol") != NULL, "%s", out);
    cr_assert_eq(hnb("run scenarios/leicester-city-2025.yaml --threads 0"), 2);
}

/* Output directories are replaced whole (issue 19, outdir.h). */
Test(cli, outputs_replaced_whole)
{
    char dir[600], args[2400], f[700];
    snprintf(dir, sizeof dir, "%s/out-whole", th_root());
    snprintf(args, sizeof args, "rm -rf %s %s/.out-whole.hnb-*", dir, th_root());
    cr_assert_eq(system(args), 0);
    /* with draws: montecarlo.csv; then without: it must not survive */
    snprintf(args, sizeof args, "run scenarios/leicestershire-2025.yaml -o %s --draws 200 -q --no-charts", dir);
    cr_assert_eq(hnb(args), 0, "%s", out);
    snprintf(f, sizeof f, "%s/montecarlo.csv", dir);
    cr_assert(exists(f));
    snprintf(f, sizeof f, "%s/.hnb-output", dir);
    cr_assert(exists(f), "the directory carries hnb's marker");
    snprintf(args, sizeof args, "run scenarios/leicestershire-2025.yaml -o %s --draws 0 -q --no-charts", dir);
    cr_assert_eq(hnb(args), 0, "%s", out);
    snprintf(f, sizeof f, "%s/montecarlo.csv", dir);
    cr_assert(!exists(f), "a file of the older run survived");
    snprintf(f, sizeof f, "%s/projection.csv", dir);
    cr_assert(exists(f));

    /* a stage left by a killed run (its pid is no longer running: pid 1's
     * children aside, 2^22 is above Linux's pid_max) goes with the next run */
    snprintf(args, sizeof args, "mkdir -p %s/.out-whole.hnb-4194999-AbCdEf/charts", th_root());
    cr_assert_eq(system(args), 0);
    snprintf(args, sizeof args, "run scenarios/leicestershire-2025.yaml -o %s -q --no-charts", dir);
    cr_assert_eq(hnb(args), 0, "%s", out);
    snprintf(f, sizeof f, "%s/.out-whole.hnb-4194999-AbCdEf", th_root());
    cr_assert(!exists(f), "the stale stage was removed");

    /* a directory holding a file hnb did not write is refused, not emptied */
    snprintf(args, sizeof args, "rm -rf %s && mkdir -p %s && echo mine > %s/notes.txt", dir, dir, dir);
    cr_assert_eq(system(args), 0);
    snprintf(args, sizeof args, "run scenarios/leicestershire-2025.yaml -o %s -q --no-charts", dir);
    cr_assert_eq(hnb(args), 2, "%s", out);
    cr_assert(strstr(out, "out-whole: holds files hnb did not write") != NULL, "%s", out);
    snprintf(f, sizeof f, "%s/notes.txt", dir);
    cr_assert(exists(f), "the user's file is still there");
    snprintf(f, sizeof f, "%s/projection.csv", dir);
    cr_assert(!exists(f));
    /* and '.' is never replaced */
    cr_assert_eq(hnb("run scenarios/leicestershire-2025.yaml -o . -q --no-charts"), 2, "%s", out);
    cr_assert(strstr(out, "give the outputs a directory of their own") != NULL, "%s", out);
    /* nor a file */
    cr_assert_eq(hnb("run scenarios/leicestershire-2025.yaml -o README.md -q --no-charts"), 2, "%s", out);
    cr_assert(strstr(out, "README.md: exists and is not a directory") != NULL, "%s", out);
    snprintf(args, sizeof args, "rm -rf %s", dir);
    cr_assert_eq(system(args), 0);
}

/* A failed run leaves the previous result as it was and nothing beside it
 * (failures midway, a full disk, a kill, are the fault suite's:
 * tests/faults.py). */
Test(cli, failure_keeps_the_previous_result)
{
    char dir[600], args[2400], f[700];
    snprintf(dir, sizeof dir, "%s/out-keep", th_root());
    snprintf(args, sizeof args, "rm -rf %s", dir);
    cr_assert_eq(system(args), 0);
    snprintf(args, sizeof args, "run scenarios/leicestershire-2025.yaml -o %s -q --no-charts --set opening_deficit=1m", dir);
    cr_assert_eq(hnb(args), 0, "%s", out);
    snprintf(f, sizeof f, "%s/projection.csv", dir);
    FILE *p = fopen(f, "r");
    cr_assert_not_null(p);
    char before[4096];
    size_t n = fread(before, 1, sizeof before - 1, p);
    before[n] = 0;
    fclose(p);
    /* a bad run (exit 2) into it changes nothing */
    snprintf(args, sizeof args, "run scenarios/leicestershire-2025.yaml -o %s -q --no-charts --set years=0", dir);
    cr_assert_eq(hnb(args), 2, "%s", out);
    p = fopen(f, "r");
    cr_assert_not_null(p);
    char after[4096];
    n = fread(after, 1, sizeof after - 1, p);
    after[n] = 0;
    fclose(p);
    cr_assert_str_eq(before, after);
    snprintf(args, sizeof args, "ls -a %s | grep -c '^\\.out-keep\\.' > /dev/null && exit 1 || exit 0", th_root());
    cr_assert_eq(system(args), 0, "nothing is left beside it");
    snprintf(args, sizeof args, "rm -rf %s", dir);
    cr_assert_eq(system(args), 0);
}

/* Text from a scenario reaches the terminal escaped, on stdout too: a name
 * holding an escape sequence (ESC ] 0 ; ... BEL would retitle a terminal)
 * is printed as \x1B ... \x07 (issue 19). */
Test(cli, names_reach_the_terminal_escaped)
{
    const char *f = th_write("esc.yaml", "hnb: 1\nname: \"x\\e]0;pwned\\a\"\nstart_year: 2025\nyears: 2\n"
                                         "funding: {grant: 1m}\nother_expenditure: [{name: s, base: 2m}]\n");
    char args[800];
    snprintf(args, sizeof args, "check %s", f);
    cr_assert_eq(hnb(args), 0, "%s", out);
    cr_assert(strstr(out, "x\\x1B]0;pwned\\x07") != NULL, "%s", out);
    cr_assert(strchr(out, 0x1B) == NULL && strchr(out, 0x07) == NULL, "no raw control byte");
}

/* A run's default folder and a batch row's name: the file's stem, except
 * that a calibration's calibrated.yaml is named by its council's folder. */
Test(cli, file_stems)
{
    char s[256];
    hnb_file_stem("scenarios/leicestershire-2026.yaml", s, sizeof s);
    cr_assert_str_eq(s, "leicestershire-2026");
    hnb_file_stem("national/derby-calibration/calibrated.yaml", s, sizeof s);
    cr_assert_str_eq(s, "derby-calibrated");
    hnb_file_stem("derby-calibration/calibrated.yaml", s, sizeof s);
    cr_assert_str_eq(s, "derby-calibrated");
    hnb_file_stem("elsewhere/calibrated.yaml", s, sizeof s);
    cr_assert_str_eq(s, "calibrated");
    hnb_file_stem("calibrated.yaml", s, sizeof s);
    cr_assert_str_eq(s, "calibrated");
}
