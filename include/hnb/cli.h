/* cli.h - what the subcommands share: the --set and Monte Carlo options,
 * error reporting and exit codes (0 success, 2 bad input, 1 other failure). */
#ifndef HNB_CLI_H
#define HNB_CLI_H

#include <getopt.h>

#include "hnb/runner.h"

typedef struct {
    hnb_run_opts run;
    const char **sets; /* owned array, borrowed strings */
    int nsets;
    const char *outdir;
    int quiet;
} hnb_cli;

/* getopt_long entries for the shared options; end a command's own table
 * with HNB_CLI_LONGS and {0, 0, 0, 0}. Short: -o -s -n -j -q. */
#define HNB_CLI_SHORT "o:s:n:j:q"
#define HNB_CLI_LONGS                                                                          \
    {"output", required_argument, 0, 'o'}, {"set", required_argument, 0, 's'},                \
        {"draws", required_argument, 0, 'n'}, {"seed", required_argument, 0, 1001},            \
        {"threads", required_argument, 0, 'j'}, {"method", required_argument, 0, 1002},        \
        {"no-charts", no_argument, 0, 1003}, {"charts", required_argument, 0, 1004},            \
        {"quiet", no_argument, 0, 'q'}, {"attribution", required_argument, 0, 1005}

#define HNB_CLI_HELP                                                                           \
    "  -o, --output DIR       output directory\n"                                              \
    "  -s, --set PATH=VALUE   override a value after extends: (repeatable), e.g.\n"            \
    "                         --set new_plans.growth=15%\n"                                    \
    "  -n, --draws N          Monte Carlo draws (0: deterministic); overrides the file\n"      \
    "      --seed S           random seed (default: the file's, else 1)\n"                     \
    "  -j, --threads T        worker threads (default: every processor); outputs do not\n"     \
    "                         depend on it\n"                                                  \
    "      --method M         random, lhs or sobol\n"                                          \
    "      --charts LIST      chart formats: svg,png,pdf,print (default svg)\n"               \
    "      --no-charts        no charts\n"                                                     \
    "      --attribution A    ordered (each mitigation switched on in listed order) or\n"   \
    "                         shapley (averaged over every order); overrides the file\n"     \
    "  -q, --quiet            print nothing on success\n"

void hnb_cli_init(hnb_cli *c);
void hnb_cli_free(hnb_cli *c);
/* Handle option C (from getopt_long) if it is a shared one: 1 handled,
 * 0 not a shared option, -1 bad value (message printed). CMD names the
 * command in messages. */
int hnb_cli_option(hnb_cli *c, int opt, const char *arg, const char *cmd);
/* Print an error as FILE:LINE:COLUMN: message; return the exit code. */
int hnb_cli_report(const hnb_err *e);
/* Print each distinct warning once (for commands that reload a scenario). */
void hnb_cli_warn_once(void);

int hnb_cmd_batch(int argc, char **argv);
int hnb_cmd_compare(int argc, char **argv);
int hnb_cmd_sweep(int argc, char **argv);
int hnb_cmd_solve(int argc, char **argv);
int hnb_cmd_calibrate(int argc, char **argv);
int hnb_cmd_backtest(int argc, char **argv);
int hnb_cmd_sen2(int argc, char **argv);
int hnb_cmd_init(int argc, char **argv);

/* `hnb calibrate SCENARIO --history HISTORY -o OUTDIR` from code (hnb init):
 * QUIET prints nothing; CHARTS the chart formats (0: none). */
int hnb_calibrate_files(const char *scenario, const char *history, const char *outdir, int quiet,
                        unsigned charts, hnb_err *err);

#endif
