/*
 * Layout through Graphviz's C library. Three facts of Graphviz 2.42 shape this file:
 * - it keeps global state (error handler, parser), so every call holds one lock;
 * - its dot layout leaks a few KiB per layout, so the last SVG is kept and a graph that did
 *   not change (the usual case for a page reloaded) is not laid out again;
 * - its pango text plugin pulls in fontconfig and leaks per call, so the context carries only
 *   the `dot` layout and the `core` (SVG) renderer, loaded from the plugin directory once for
 *   the process; labels are measured with Graphviz's built-in font metrics.
 */
#include "pkg/catalog/topology.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include "pkg/base/buf.h"
#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/base/banned.h"

#ifndef GV_PLUGIN_DIR
#define GV_PLUGIN_DIR "/usr/lib/x86_64-linux-gnu/graphviz"
#endif

/* Graphviz is not thread-safe: one lock around every use of it, and what it guards. */
static pthread_mutex_t gv_lock = PTHREAD_MUTEX_INITIALIZER;
static GVC_t *gv_ctx;
static char *last_dot, *last_svg;
static size_t last_len;

static void *plugin(const char *lib, const char *sym)
{
        char path[512];
        void *h;

        snprintf(path, sizeof(path), "%s/%s", GV_PLUGIN_DIR, lib);
        h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        return h ? dlsym(h, sym) : NULL; /* kept open for the process, like the context */
}

static GVC_t *context(struct err *err)
{
        static lt_symlist_t builtins[3];

        if (gv_ctx)
                return gv_ctx;
        builtins[0].name = "gvplugin_dot_layout_LTX_library";
        builtins[0].address = plugin("libgvplugin_dot_layout.so.6", builtins[0].name);
        builtins[1].name = "gvplugin_core_LTX_library";
        builtins[1].address = plugin("libgvplugin_core.so.6", builtins[1].name);
        if (!builtins[0].address || !builtins[1].address) {
                err_set(err, ERR_INTERNAL, "graphviz: no dot or core plugin in %s", GV_PLUGIN_DIR);
                return NULL;
        }
        gv_ctx = gvContextPlugins(builtins, 0);
        if (!gv_ctx)
                err_set(err, ERR_INTERNAL, "graphviz: no context");
        return gv_ctx;
}

static int layout_locked(const char *dot, struct buf *out, struct err *err)
{
        GVC_t *gvc = context(err);
        Agraph_t *g = NULL;
        char *data = NULL;
        unsigned int len = 0;
        int rc = -1;

        if (!gvc)
                return -1;
        g = agmemread(dot);
        if (!g)
                return err_set(err, ERR_INTERNAL, "graphviz: cannot read the graph");
        if (gvLayout(gvc, g, "dot") != 0) {
                agclose(g);
                return err_set(err, ERR_INTERNAL, "graphviz: the dot layout failed");
        }
        if (gvRenderData(gvc, g, "svg", &data, &len) != 0 || !data) {
                err_set(err, ERR_INTERNAL, "graphviz: cannot render SVG");
        } else if (buf_add(out, data, len) < 0) {
                err_set(err, ERR_NOMEM, "the SVG is larger than its buffer");
        } else {
                char *copy = malloc(len + 1);
                char *dot_copy = str_dup(dot);
                if (copy && dot_copy) {
                        memcpy(copy, data, len);
                        copy[len] = 0;
                        free(last_dot);
                        free(last_svg);
                        last_dot = dot_copy;
                        last_svg = copy;
                        last_len = len;
                        copy = dot_copy = NULL;
                }
                free(copy);
                free(dot_copy);
                rc = 0;
        }
        gvFreeRenderData(data);
        gvFreeLayout(gvc, g);
        agclose(g);
        return rc;
}

int topology_svg(const char *dot, struct buf *out, struct err *err)
{
        int rc;

        pthread_mutex_lock(&gv_lock);
        if (last_dot && strcmp(last_dot, dot) == 0)
                rc = buf_add(out, last_svg, last_len) < 0
                         ? err_set(err, ERR_NOMEM, "the SVG is larger than its buffer")
                         : 0;
        else
                rc = layout_locked(dot, out, err);
        pthread_mutex_unlock(&gv_lock);
        return rc;
}
