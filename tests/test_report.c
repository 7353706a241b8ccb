/* test_report.c - charts, report.html and workbook.xlsx of a run. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "helpers.h"
#include "hnb/html.h"

/* the shared shell helper of helpers.c, under short names */
#define out th_out
#define sh th_sh

static long size_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    size_t got = fread(b, 1, (size_t)n, f);
    b[got] = 0;
    fclose(f);
    return b;
}

Test(report, every_output_of_a_drawn_run)
{
    char dir[700], path[800];
    snprintf(dir, sizeof dir, "%s/out-report-test", th_root());
    cr_assert_eq(sh("%s run scenarios/leicestershire-2025.yaml --draws 2000 -o %s -q --charts png,svg,pdf",
                    getenv("HNB_BIN"), dir),
                 0, "%s", out);
    const char *charts[] = {"deficit", "fan", "plans", "funding", "mitigations", "tornado", "mix"};
    const char *ext[] = {"png", "svg", "pdf"};
    for (int i = 0; i < 7; i++)
        for (int k = 0; k < 3; k++) {
            snprintf(path, sizeof path, "%s/charts/%s.%s", dir, charts[i], ext[k]);
            cr_assert_gt(size_of(path), 2000, "%s", path);
        }
    snprintf(path, sizeof path, "%s/report.html", dir);
    char *html = slurp(path);
    cr_assert_not_null(html);
    /* self-contained: charts inline, nothing fetched */
    cr_assert(strstr(html, "<svg") != NULL);
    cr_assert_null(strstr(html, "src=\"http"));
    cr_assert_null(strstr(html, "href=\"http"));
    /* the only images are the print copies of the hatched charts (plans, mix,
     * mitigations and funding hatch their bars): inline PNGs, shown in print
     * alone, so that a browser's PDF holds no bitmap per hatched bar */
    int imgs = 0;
    for (const char *q = strstr(html, "<img"); q; q = strstr(q + 1, "<img"), imgs++)
        cr_assert(!strncmp(q, "<img class=\"prn\" alt=\"\" src=\"data:image/png;base64,iVBOR", 56),
                  "%.80s", q);
    cr_assert_eq(imgs, 4);
    cr_assert(strstr(html, "@media print{.scr{display:none}.prn{display:block") != NULL);
    cr_assert(strstr(html, "@page{size:A4") != NULL, "print stylesheet");
    /* the budget-paper table and the key messages */
    cr_assert(strstr(html, "<td>2025/26</td><td class=n>145.5</td><td class=n>117.5</td>"
                           "<td class=n>12.8</td><td class=n>15.2</td><td class=n>80.2</td>") != NULL);
    cr_assert(strstr(html, "When the statutory override ends in March 2028") != NULL);
    cr_assert(strstr(html, "Chance the deficit is above <b>£100.0m</b>: <b>") != NULL);
    cr_assert(strstr(html, "at the end of 2027/28 (when the override ends)") != NULL);
    cr_assert(strstr(html, "The assumptions that move the deficit most") != NULL);
    /* assumptions with their sources: the comment beside population.total */
    cr_assert(strstr(html, "EHCPs at 31 July 2025") != NULL);
    free(html);
    /* the workbook agrees with the CSV files */
    cr_assert_eq(sh("/usr/bin/python3 tests/check_workbook.py %s", dir), 0, "%s", out);
    sh("rm -rf %s", dir);
}

Test(report, no_gnuplot_means_one_warning_and_every_table)
{
    char dir[700], path[800];
    snprintf(dir, sizeof dir, "%s/out-nognuplot-test", th_root());
    cr_assert_eq(sh("PATH=/nonexistent %s run scenarios/leicestershire-mtfs-2025.yaml -o %s -q",
                    getenv("HNB_BIN"), dir),
                 0, "%s", out);
    cr_assert(strstr(out, "gnuplot is not installed") != NULL, "%s", out);
    snprintf(path, sizeof path, "%s/projection.csv", dir);
    cr_assert_gt(size_of(path), 100);
    snprintf(path, sizeof path, "%s/report.html", dir);
    cr_assert_gt(size_of(path), 1000);
    snprintf(path, sizeof path, "%s/workbook.xlsx", dir);
    cr_assert_gt(size_of(path), 1000);
    snprintf(path, sizeof path, "%s/charts/deficit.png", dir);
    cr_assert_eq(size_of(path), -1);
    sh("rm -rf %s", dir);
}

Test(report, source_comments)
{
    const char *f = th_write("src.yaml", "# the grant\n# from the DSG paper\ngrant: 5m\n"
                                         "cost: 10  # trailing note\nx: '#not a comment'\n");
    char buf[256];
    hnb_source_comment(f, 3, buf, sizeof buf);
    cr_assert_str_eq(buf, "the grant from the DSG paper");
    hnb_source_comment(f, 4, buf, sizeof buf);
    cr_assert_str_eq(buf, "trailing note");
    hnb_source_comment(f, 5, buf, sizeof buf);
    cr_assert_str_eq(buf, "");
}
