/*
 * mset.c - releasing a struct dl_mset (see db.h). The shim fills it, but it is plain C
 * memory, so freeing it is C and needs no exception guard.
 */
#include <stdlib.h>
#include <string.h>

#include "dateline/db.h"

void dl_mset_release(struct dl_mset *m)
{
    for (size_t k = 0; m->values && k < m->ncount; k++) {
        for (size_t i = 0; i < m->nvalues[k]; i++) {
            free(m->values[k][i].value);
        }
        free(m->values[k]);
    }
    free(m->values);
    free(m->nvalues);
    free(m->matches);
    memset(m, 0, sizeof *m);
}
