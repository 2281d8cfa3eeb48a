#include "pkg/yaml/ytree.h"

#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "pkg/yaml/diag.h"
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

/*
 * The keys of a large mapping, hashed: open addressing over a power-of-two table of slots that
 * hold a key's position + 1 (0 = empty), at most half full. Maps below YKEYS_MIN keys have no
 * hash and are searched in order, which is faster for the small maps most documents hold.
 */
struct ykeys {
        size_t mask; /* slots - 1 */
        size_t *slot;
};

#define YKEYS_MIN 16

static void ykeys_free(struct ykeys *h)
{
        if (h)
                free(h->slot);
        free(h);
}

static size_t hash_str(const char *s)
{
        size_t h = 1469598103934665603u; /* FNV-1a */

        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 1099511628211u;
        return h;
}

/* The slot of `key` in `n`'s hash: the one that holds it, or the empty one where it would go. */
static size_t *ykeys_find(const struct ynode *n, const char *key)
{
        const struct ykeys *h = n->hash;
        size_t i = hash_str(key) & h->mask;

        while (h->slot[i] && strcmp(n->keys[h->slot[i] - 1], key) != 0)
                i = (i + 1) & h->mask;
        return &h->slot[i];
}

/* (Re)build `n`'s hash with room for `want` keys, from keys[0..len). */
static int ykeys_build(struct ynode *n, size_t want)
{
        size_t slots = 64;
        size_t *slot;

        while (slots < 2 * want)
                slots *= 2;
        slot = calloc(slots, sizeof(*slot));
        if (!slot)
                return -1;
        if (!n->hash)
                n->hash = calloc(1, sizeof(*n->hash));
        if (!n->hash) {
                free(slot);
                return -1;
        }
        free(n->hash->slot);
        n->hash->slot = slot;
        n->hash->mask = slots - 1;
        for (size_t i = 0; i < n->len; i++)
                *ykeys_find(n, n->keys[i]) = i + 1;
        return 0;
}

/* Add keys[i] (the key about to be appended) to `n`'s hash, building it when the map grows
 * large. Keys are checked for duplicates before they get here. */
static int index_key(struct ynode *n, size_t i)
{
        if (i + 1 < YKEYS_MIN)
                return 0;
        if ((!n->hash || 2 * (i + 1) > n->hash->mask + 1) && ykeys_build(n, 2 * (i + 1)) < 0)
                return -1;
        *ykeys_find(n, n->keys[i]) = i + 1;
        return 0;
}

/* Double the room for children (geometric, so appending is amortised constant time). */
static int grow(struct ynode *n)
{
        size_t cap = n->cap ? 2 * n->cap : 4;
        struct ynode **items = realloc(n->items, cap * sizeof(*items));

        if (!items)
                return -1;
        n->items = items;
        if (n->type == YNODE_MAP) {
                char **keys = realloc(n->keys, cap * sizeof(*keys));
                int *lines;
                if (!keys)
                        return -1;
                n->keys = keys;
                lines = realloc(n->key_lines, cap * sizeof(*lines));
                if (!lines)
                        return -1;
                n->key_lines = lines;
        }
        n->cap = cap;
        return 0;
}

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
        ykeys_free(n->hash);
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
        if (n->len == n->cap && grow(n) < 0)
                return -1;
        if (n->type == YNODE_MAP) {
                n->keys[n->len] = key;
                n->key_lines[n->len] = key_line;
                if (index_key(n, n->len) < 0)
                        return -1;
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

/*
 * The first C0 control character in a scalar's `len` bytes other than tab, newline and carriage
 * return, or -1: NUL (C strings would cut the value there), ESC (terminal escapes) and the rest.
 * Raw ones are refused by libyaml's reader; these arrive through escapes ("\0", "\u0000",
 * "\x1b", "\e"), in YAML as in JSON. DEL and C1 (NEL) are printable enough for YAML to emit
 * them and are kept, as written.
 */
static int control_char(const unsigned char *v, size_t len)
{
        for (size_t i = 0; i < len; i++)
                if (v[i] < 0x20 && v[i] != '\t' && v[i] != '\n' && v[i] != '\r')
                        return v[i];
        return -1;
}

/* The path of the scalar being read ("channels.x.tags[1].name"; a key names its map). The
 * frames below the top already hold their open child as their last item. */
static void scalar_path(const struct builder *b, struct buf *out)
{
        for (int i = 0; i < b->depth; i++) {
                const struct frame *f = &b->stack[i];
                bool top = i == b->depth - 1;
                size_t at = top ? f->node->len : f->node->len - 1;

                if (f->node->type == YNODE_SEQ)
                        buf_printf(out, "[%zu]", at);
                else if (top ? f->key != NULL : f->node->len > 0)
                        buf_printf(out, "%s%s", out->len ? "." : "",
                                   top ? f->key : f->node->keys[at]);
        }
}

/* A control character in a scalar: an error naming the line, the column and the field. */
static int control_error(struct builder *b, const yaml_event_t *e, int c)
{
        const struct frame *top = b->depth ? &b->stack[b->depth - 1] : NULL;
        bool is_key = top && top->node->type == YNODE_MAP && !top->key;
        struct buf path;

        buf_init(&path, 4096);
        scalar_path(b, &path);
        diags_add(b->d, b->file, (int)e->start_mark.line + 1, (int)e->start_mark.column + 1,
                  path.len ? path.data : NULL,
                  "%s holds the control character U+%04X (from an escape such as \\u0000 or "
                  "\\x1b): not allowed, a value is never cut or changed",
                  is_key ? "a key" : "a value", (unsigned)c);
        buf_release(&path);
        return -1;
}

static int on_scalar(struct builder *b, const yaml_event_t *e)
{
        int c = control_char(e->data.scalar.value, e->data.scalar.length);
        struct ynode *n;

        if (c >= 0)
                return control_error(b, e, c);
        n = node_new(YNODE_SCALAR, &e->start_mark);
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

/* The leading byte of the UTF-8 sequence that a bad trailing octet at `at` belongs to. */
static size_t lead_byte(const char *data, size_t len, size_t at)
{
        for (int k = 0; k < 3 && at > 0 && at < len && ((unsigned char)data[at] & 0xC0) != 0xC0;
             k++)
                at--;
        return at;
}

/*
 * Report libyaml's error. Reader errors (invalid UTF-8, a NUL or another control character)
 * carry a byte offset instead of a mark, so the line and column are counted from the input.
 */
static void syntax_error(const yaml_parser_t *p, const char *file, const char *data, size_t len,
                         struct diags *d)
{
        int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
        const char *what = p->problem ? p->problem : "error";

        if (p->error == YAML_READER_ERROR) {
                size_t end = p->problem_offset < len ? p->problem_offset : len;
                if (strstr(what, "trailing") || strstr(what, "incomplete"))
                        end = lead_byte(data, len, end);
                line = 1;
                col = 1;
                for (size_t i = 0; i < end; i++) {
                        if (data[i] == '\n') {
                                line++;
                                col = 1;
                        } else if (((unsigned char)data[i] & 0xC0) != 0x80) {
                                col++; /* count characters, not UTF-8 continuation bytes */
                        }
                }
                if (end < len && data[end] == '\0')
                        diags_add(d, file, line, col, NULL, "YAML syntax: NUL byte is not allowed");
                else
                        diags_add(d, file, line, col, NULL, "YAML syntax: %s (byte 0x%02x)", what,
                                  end < len ? (unsigned)(unsigned char)data[end] : 0u);
                return;
        }
        diags_add(d, file, line, col, NULL, "YAML syntax: %s%s%s", what, p->context ? " " : "",
                  p->context ? p->context : "");
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
                        syntax_error(&parser, file, data, len, d);
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
        if (n->hash) {
                size_t at = *ykeys_find(n, key);
                return at ? (int)(at - 1) : -1;
        }
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
