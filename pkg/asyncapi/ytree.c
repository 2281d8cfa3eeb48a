#include "pkg/asyncapi/ytree.h"

#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "pkg/asyncapi/diag.h"
#include "pkg/base/buf.h"
#include "pkg/base/str.h"
#include "pkg/base/banned.h"

struct frame {
        struct ynode *node;
        char *key; /* MAP: a key read, waiting for its value */
        int key_line;
};

struct builder {
        const char *file;
        struct diags *d;
        struct frame stack[YTREE_MAX_DEPTH + 1];
        int depth; /* frames in use */
        size_t nodes;
        struct ynode *root;
        int docs;
};

void ynode_free(struct ynode *n)
{
        if (!n)
                return;
        free(n->scalar);
        for (size_t i = 0; i < n->len; i++) {
                if (n->keys)
                        free(n->keys[i]);
                ynode_free(n->items[i]);
        }
        free(n->keys);
        free(n->key_lines);
        free(n->items);
        free(n);
}

static struct ynode *node_new(enum ynode_type t, const yaml_mark_t *m)
{
        struct ynode *n = calloc(1, sizeof(*n));

        if (n) {
                n->type = t;
                n->line = (int)m->line + 1;
                n->col = (int)m->column + 1;
        }
        return n;
}

/* Append child `c` (and for maps its key) to `n`. Takes both on success. */
static int node_add(struct ynode *n, char *key, int key_line, struct ynode *c)
{
        size_t len = n->len + 1;
        struct ynode **items = realloc(n->items, len * sizeof(*items));

        if (!items)
                return -1;
        n->items = items;
        if (n->type == YNODE_MAP) {
                char **keys = realloc(n->keys, len * sizeof(*keys));
                int *lines;
                if (!keys)
                        return -1;
                n->keys = keys;
                lines = realloc(n->key_lines, len * sizeof(*lines));
                if (!lines)
                        return -1;
                n->key_lines = lines;
                n->keys[n->len] = key;
                n->key_lines[n->len] = key_line;
        }
        n->items[n->len++] = c;
        return 0;
}

static int fail(struct builder *b, const yaml_mark_t *m, const char *msg)
{
        return diags_add(b->d, b->file, (int)m->line + 1, (int)m->column + 1, NULL, "%s", msg);
}

/* Put a finished node where it belongs: root, sequence item or mapping value. */
static int attach(struct builder *b, struct ynode *n, const yaml_mark_t *m)
{
        struct frame *f;

        if (++b->nodes > YTREE_MAX_NODES) {
                ynode_free(n);
                return fail(b, m, "document has too many nodes");
        }
        if (b->depth == 0) {
                b->root = n;
                return 0;
        }
        f = &b->stack[b->depth - 1];
        if (f->node->type == YNODE_SEQ) {
                if (node_add(f->node, NULL, 0, n) < 0) {
                        ynode_free(n);
                        return fail(b, m, "out of memory");
                }
                return 0;
        }
        if (!f->key) { /* a key position */
                if (n->type != YNODE_SCALAR) {
                        ynode_free(n);
                        return fail(b, m, "mapping keys must be plain strings");
                }
                if (ynode_index(f->node, n->scalar) >= 0) {
                        diags_add(b->d, b->file, n->line, n->col, NULL, "duplicate key '%s'",
                                  n->scalar);
                        ynode_free(n);
                        return -1;
                }
                f->key = n->scalar;
                f->key_line = n->line;
                n->scalar = NULL;
                ynode_free(n);
                return 0;
        }
        if (node_add(f->node, f->key, f->key_line, n) < 0) {
                ynode_free(n);
                return fail(b, m, "out of memory");
        }
        f->key = NULL;
        return 0;
}

static int on_start(struct builder *b, enum ynode_type t, const yaml_mark_t *m)
{
        struct ynode *n;

        if (b->depth >= YTREE_MAX_DEPTH)
                return fail(b, m, "document nests deeper than 64 levels");
        n = node_new(t, m);
        if (!n)
                return fail(b, m, "out of memory");
        /* attach first (it validates key position), then descend into it */
        if (b->depth > 0 && b->stack[b->depth - 1].node->type == YNODE_MAP &&
            !b->stack[b->depth - 1].key) {
                ynode_free(n);
                return fail(b, m, "mapping keys must be plain strings");
        }
        if (attach(b, n, m) < 0)
                return -1;
        b->stack[b->depth].node = n;
        b->stack[b->depth].key = NULL;
        b->depth++;
        return 0;
}

static int on_scalar(struct builder *b, const yaml_event_t *e)
{
        struct ynode *n = node_new(YNODE_SCALAR, &e->start_mark);

        if (!n)
                return fail(b, &e->start_mark, "out of memory");
        n->scalar = str_ndup((const char *)e->data.scalar.value, e->data.scalar.length);
        n->plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if (!n->scalar) {
                ynode_free(n);
                return fail(b, &e->start_mark, "out of memory");
        }
        return attach(b, n, &e->start_mark);
}

static int on_event(struct builder *b, const yaml_event_t *e)
{
        switch (e->type) {
        case YAML_DOCUMENT_START_EVENT:
                if (++b->docs > 1)
                        return fail(b, &e->start_mark, "more than one YAML document in the file");
                return 0;
        case YAML_ALIAS_EVENT:
                return fail(b, &e->start_mark, "YAML aliases are not supported");
        case YAML_SCALAR_EVENT:
                return on_scalar(b, e);
        case YAML_MAPPING_START_EVENT:
                return on_start(b, YNODE_MAP, &e->start_mark);
        case YAML_SEQUENCE_START_EVENT:
                return on_start(b, YNODE_SEQ, &e->start_mark);
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
                b->depth--;
                return 0;
        default:
                return 0;
        }
}

struct ynode *ytree_parse(const char *file, const char *data, size_t len, struct diags *d)
{
        struct builder b = {.file = file, .d = d};
        yaml_parser_t parser;
        yaml_event_t e;
        int done = 0, rc = 0;

        if (!yaml_parser_initialize(&parser)) {
                diags_add(d, file, 0, 0, NULL, "out of memory");
                return NULL;
        }
        yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
        while (!done && rc == 0) {
                if (!yaml_parser_parse(&parser, &e)) {
                        diags_add(d, file, (int)parser.problem_mark.line + 1,
                                  (int)parser.problem_mark.column + 1, NULL, "YAML syntax: %s%s%s",
                                  parser.problem ? parser.problem : "error",
                                  parser.context ? " " : "", parser.context ? parser.context : "");
                        rc = -1;
                        break;
                }
                done = e.type == YAML_STREAM_END_EVENT;
                rc = on_event(&b, &e);
                yaml_event_delete(&e);
        }
        yaml_parser_delete(&parser);
        for (int i = 0; i < b.depth; i++)
                free(b.stack[i].key);
        if (rc < 0) {
                ynode_free(b.root);
                return NULL;
        }
        if (!b.root) {
                yaml_mark_t m = {0, 0, 0};
                b.root = node_new(YNODE_MAP, &m);
        }
        return b.root;
}

int ynode_index(const struct ynode *n, const char *key)
{
        if (!n || n->type != YNODE_MAP)
                return -1;
        for (size_t i = 0; i < n->len; i++)
                if (strcmp(n->keys[i], key) == 0)
                        return (int)i;
        return -1;
}

struct ynode *ynode_get(const struct ynode *n, const char *key)
{
        int i = ynode_index(n, key);

        return i < 0 ? NULL : n->items[i];
}

const char *ynode_str(const struct ynode *n, const char *key)
{
        const struct ynode *v = ynode_get(n, key);

        return v && v->type == YNODE_SCALAR ? v->scalar : NULL;
}

/* A plain scalar that JSON can carry bare: a number, true, false or null. */
static bool bare(const struct ynode *n)
{
        const char *s = n->scalar;
        char *end;

        if (!n->plain)
                return false;
        if (!strcmp(s, "true") || !strcmp(s, "false") || !strcmp(s, "null"))
                return true;
        if (!*s || s[0] == '+' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
                return false;
        strtod(s, &end);
        return *end == '\0' && strspn(s, "0123456789+-.eE") == strlen(s);
}

int ynode_to_json(const struct ynode *n, struct buf *out)
{
        if (n->type == YNODE_SCALAR) {
                if (bare(n))
                        buf_puts(out, n->scalar);
                else if (n->plain && (!strcmp(n->scalar, "~") || !*n->scalar))
                        buf_puts(out, "null");
                else
                        buf_put_quoted(out, n->scalar);
                return out->failed ? -1 : 0;
        }
        buf_putc(out, n->type == YNODE_MAP ? '{' : '[');
        for (size_t i = 0; i < n->len; i++) {
                if (i)
                        buf_putc(out, ',');
                if (n->type == YNODE_MAP) {
                        buf_put_quoted(out, n->keys[i]);
                        buf_putc(out, ':');
                }
                ynode_to_json(n->items[i], out);
        }
        buf_putc(out, n->type == YNODE_MAP ? '}' : ']');
        return out->failed ? -1 : 0;
}

/* A scalar for YAML output: plain when it reads back as the same string, else JSON-quoted
 * (JSON strings are valid YAML double-quoted scalars). */
static void yaml_scalar(struct buf *out, const struct ynode *n)
{
        const char *s = n->scalar;
        bool safe = *s &&
                    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                              "0123456789._/-") == strlen(s) &&
                    s[0] != '-' && s[0] != '.';

        if (n->plain ? (safe || bare(n))
                     : (safe && !bare(n) && strcmp(s, "true") && strcmp(s, "false") &&
                        strcmp(s, "null") && strcmp(s, "yes") && strcmp(s, "no") &&
                        strcmp(s, "on") && strcmp(s, "off")))
                buf_puts(out, s);
        else
                buf_put_quoted(out, s);
}

static void yaml_key(struct buf *out, const char *k)
{
        struct ynode tmp = {.type = YNODE_SCALAR, .scalar = (char *)k, .plain = false};

        yaml_scalar(out, &tmp);
}

int ynode_to_yaml(const struct ynode *n, int indent, struct buf *out)
{
        if (n->type == YNODE_SCALAR || n->len == 0) {
                if (n->type == YNODE_SCALAR)
                        yaml_scalar(out, n);
                else
                        buf_puts(out, n->type == YNODE_MAP ? "{}" : "[]");
                buf_putc(out, '\n');
                return out->failed ? -1 : 0;
        }
        buf_putc(out, '\n');
        for (size_t i = 0; i < n->len; i++) {
                const struct ynode *c = n->items[i];
                buf_printf(out, "%*s", indent, "");
                if (n->type == YNODE_MAP) {
                        yaml_key(out, n->keys[i]);
                        buf_puts(out, ":");
                } else {
                        buf_puts(out, "-");
                }
                if (c->type == YNODE_SCALAR || c->len == 0)
                        buf_putc(out, ' ');
                ynode_to_yaml(c, indent + 2, out);
        }
        return out->failed ? -1 : 0;
}
