/*
 * Layout through Graphviz's C library. Graphviz keeps global state (its error handler, the
 * parser), so every call holds one lock; a layout of a few hundred nodes takes milliseconds.
 */
#include "pkg/catalog/topology.h"

#include <pthread.h>
#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/banned.h"

/* Graphviz is not thread-safe: the one lock around every use of it. */
static pthread_mutex_t gv_lock = PTHREAD_MUTEX_INITIALIZER;

static int layout_locked(const char *dot, struct buf *out, struct err *err)
{
        GVC_t *gvc = gvContext();
        Agraph_t *g = NULL;
        char *data = NULL;
        unsigned int len = 0;
        int rc = -1;

        if (!gvc)
                return err_set(err, ERR_INTERNAL, "graphviz: no context");
        g = agmemread(dot);
        if (!g) {
                err_set(err, ERR_INTERNAL, "graphviz: cannot read the graph");
                goto out;
        }
        if (gvLayout(gvc, g, "dot") != 0) {
                err_set(err, ERR_INTERNAL, "graphviz: the dot layout failed");
                goto out;
        }
        if (gvRenderData(gvc, g, "svg", &data, &len) != 0 || !data) {
                err_set(err, ERR_INTERNAL, "graphviz: cannot render SVG");
        } else if (buf_add(out, data, len) < 0) {
                err_set(err, ERR_NOMEM, "the SVG is larger than its buffer");
        } else {
                rc = 0;
        }
        gvFreeRenderData(data);
        gvFreeLayout(gvc, g);
out:
        if (g)
                agclose(g);
        gvFreeContext(gvc);
        return rc;
}

int topology_svg(const char *dot, struct buf *out, struct err *err)
{
        int rc;

        pthread_mutex_lock(&gv_lock);
        rc = layout_locked(dot, out, err);
        pthread_mutex_unlock(&gv_lock);
        return rc;
}
