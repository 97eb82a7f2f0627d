/*
 * worker.c - a worker thread's index handle and alias table, kept at the
 * newest committed revision.
 */
#include "dateline/worker.h"

#include <string.h>

#include "dateline/alias.h"
#include "dateline/config.h"
#include "dateline/db.h"
#include "dateline/schema.h"

void dl_worker_init(struct dl_worker *w)
{
    memset(w, 0, sizeof *w);
    dl_buf_init(&w->scratch, 0);
}

static int load_aliases(struct dl_worker *w, struct dl_error *err)
{
    struct dl_buf text = DL_BUF_INIT;
    struct dl_error e = DL_ERROR_INIT;
    int rc = dl_db_get_meta(w->db, DL_META_ALIASES, &text, &e);
    dl_aliases_free(w->aliases);
    w->aliases = NULL;
    if (rc == DL_EMODIFIED) {
        dl_buf_release(&text);
        return dl_error_set(err, rc, "%s", e.msg);
    }
    if (rc == DL_OK && text.len) {
        if (dl_aliases_parse(text.buf, text.len, &w->aliases, &e) != DL_OK) {
            dl_log(DL_LOG_WARN, "ignoring the index's alias table: %s", e.msg);
            w->aliases = NULL;
        }
    } else if (rc != DL_OK && rc != DL_ENOTFOUND) {
        dl_log(DL_LOG_WARN, "cannot read the index's alias table: %s", e.msg);
    }
    dl_buf_release(&text);
    w->aliases_loaded = 1;
    return DL_OK;
}

int dl_worker_refresh(struct dl_worker *w, const struct dl_server_config *cfg, struct dl_error *err)
{
    int changed = 0;
    int rc;
    if (w->db) {
        rc = dl_db_reopen(w->db, &changed, err);
        if (rc != DL_OK) {
            /* A handle that cannot reopen is not trusted again: start afresh. */
            dl_db_free(w->db);
            w->db = NULL;
        }
    }
    if (!w->db) {
        rc = dl_db_open_read(&w->db, cfg->db_path, err);
        if (rc != DL_OK) {
            w->db = NULL;
            return rc;
        }
        changed = 1;
    }
    unsigned long rev = dl_db_revision(w->db);
    if (changed || !w->aliases_loaded || rev != w->revision) {
        w->aliases_loaded = 0;
        rc = load_aliases(w, err);
        if (rc != DL_OK) {
            return rc;
        }
        w->revision = rev;
    }
    return DL_OK;
}

void dl_worker_release(struct dl_worker *w)
{
    dl_db_free(w->db);
    w->db = NULL;
    dl_aliases_free(w->aliases);
    w->aliases = NULL;
    w->aliases_loaded = 0;
    dl_buf_release(&w->scratch);
}
