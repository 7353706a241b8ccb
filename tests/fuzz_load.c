/* fuzz_load.c - libFuzzer target for the scenario loader (make fuzz).
 *
 * Feeds arbitrary bytes through the YAML tree builder, extends-style
 * merging, --set overrides, the checker and, when a scenario is accepted,
 * the projection. Any crash, hang, leak or undefined behaviour is a bug:
 * bad input must only ever give an error.
 *
 * Input layout, so that one byte string reaches every stage: the text up to
 * a line "%%" is the base document, the text after it (if any) is merged
 * over it as a child file would be (SPEC section 7), and every line of the
 * form "#set PATH=VALUE" is applied afterwards as a --set override. A YAML
 * comment to the parser, so the documents stay valid YAML. An accepted
 * scenario is projected and every table, the summary and the report are
 * written to memory, after a few Monte Carlo draws when it has any. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hnb/html.h"
#include "hnb/mc.h"
#include "hnb/merge.h"
#include "hnb/model.h"
#include "hnb/node.h"
#include "hnb/project.h"
#include "hnb/report.h"

static void quiet(void *ud, const char *text)
{
    (void)ud;
    (void)text;
}

/* Apply every "#set PATH=VALUE" line of DATA; stop at the first error. */
static int apply_sets(hnb_srcs *srcs, hnb_node *root, const char *data, size_t size)
{
    size_t i = 0;
    while (i < size) {
        const char *line = data + i;
        const char *nl = memchr(line, '\n', size - i);
        size_t len = nl ? (size_t)(nl - line) : size - i;
        if (len > 5 && len < 4096 && memcmp(line, "#set ", 5) == 0) {
            char buf[4096];
            memcpy(buf, line + 5, len - 5);
            buf[len - 5] = 0;
            hnb_err err;
            if (strlen(buf) == len - 5 && hnb_merge_set(srcs, root, buf, &err) != HNB_OK)
                return -1;
        }
        i += len + 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hnb_warn_set_handler(quiet, NULL);
    const char *text = (const char *)data;
    size_t base_len = size, over_at = size;
    for (size_t i = 0; i + 3 <= size; i++)
        if ((i == 0 || text[i - 1] == '\n') && memcmp(text + i, "%%\n", 3) == 0) {
            base_len = i;
            over_at = i + 3;
            break;
        }
    hnb_srcs *srcs = hnb_srcs_create();
    hnb_node *root = NULL, *over = NULL;
    hnb_err err;
    if (hnb_node_parse(srcs, "fuzz.yaml", text, base_len, &root, &err) != HNB_OK) goto done;
    if (over_at < size) {
        if (hnb_node_parse(srcs, "child.yaml", text + over_at, size - over_at, &over, &err) !=
            HNB_OK)
            goto done;
        if (hnb_merge_into(root, over, &err) != HNB_OK) goto done;
    }
    if (apply_sets(srcs, root, text, size) != 0) goto done;
    hnb_model *m = NULL;
    if (hnb_model_compile(srcs, "fuzz.yaml", root, &m, &err) == HNB_OK) {
        srcs = NULL; /* the model owns it now */
        double *p = malloc(sizeof(double) * (size_t)(m->nparams + 1));
        hnb_model_central(m, p);
        hnb_work *w = hnb_work_create(m);
        hnb_result *r = hnb_result_create(m);
        hnb_project(m, p, w, r, HNB_PROJECT_DETAIL);
        if (hnb_result_check(m, r, &err) == HNB_OK) {
            hnb_mc *mc = NULL;
            int random = 0;
            for (int i = 0; i < m->nparams; i++) random |= m->params[i].dist.type != HNB_DIST_NONE;
            if (random) {
                hnb_mc_opts o = {8, 1, HNB_METHOD_LHS, 1, 0, 0, 0};
                if (hnb_mc_run(m, &o, &mc, &err) != HNB_OK) mc = NULL;
            }
            char *buf = NULL;
            size_t len = 0;
            FILE *f = open_memstream(&buf, &len);
            if (f) {
                hnb_write_projection(f, m, r);
                hnb_write_placements(f, m, r);
                hnb_write_mitigations(f, m, r);
                char *extra = mc ? hnb_mc_summary(m, mc, r) : NULL;
                hnb_write_summary(f, m, p, r, mc, extra);
                free(extra);
                if (mc) {
                    hnb_write_montecarlo(f, m, mc);
                    hnb_write_sensitivity(f, m, mc);
                    hnb_write_exceedance(f, m, mc);
                }
                hnb_write_report_html(f, m, p, r, mc, NULL);
                fclose(f);
            }
            free(buf);
            hnb_mc_free(mc);
        }
        hnb_result_free(r);
        hnb_work_free(w);
        free(p);
        hnb_model_free(m);
    } else {
        srcs = NULL; /* freed by the failed compile */
    }
done:
    hnb_node_free(over);
    hnb_node_free(root);
    hnb_srcs_free(srcs);
    return 0;
}
