/* fuzz_load.c - libFuzzer target for the scenario loader (make fuzz).
 *
 * Feeds arbitrary bytes through the YAML tree builder, the checker and,
 * when a scenario is accepted, the projection. Any crash, hang, leak or
 * undefined behaviour is a bug: bad input must only ever give an error. */
#include <stdint.h>
#include <stdlib.h>

#include "hnb/model.h"
#include "hnb/node.h"
#include "hnb/project.h"

static void quiet(void *ud, const char *text)
{
    (void)ud;
    (void)text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hnb_warn_set_handler(quiet, NULL);
    hnb_srcs *srcs = hnb_srcs_create();
    hnb_node *root = NULL;
    hnb_err err;
    if (hnb_node_parse(srcs, "fuzz.yaml", (const char *)data, size, &root, &err) != HNB_OK) {
        hnb_srcs_free(srcs);
        return 0;
    }
    hnb_model *m = NULL;
    if (hnb_model_compile(srcs, "fuzz.yaml", root, &m, &err) == HNB_OK) {
        double *p = malloc(sizeof(double) * (size_t)(m->nparams + 1));
        hnb_model_central(m, p);
        hnb_work *w = hnb_work_create(m);
        hnb_result *r = hnb_result_create(m);
        hnb_project(m, p, w, r, HNB_PROJECT_DETAIL);
        hnb_result_free(r);
        hnb_work_free(w);
        free(p);
        hnb_model_free(m);
    }
    hnb_node_free(root);
    return 0;
}
