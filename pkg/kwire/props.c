#include "pkg/kwire/props.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/err.h"
#include "pkg/base/str.h"
#include "pkg/model/model.h"
#include "pkg/base/banned.h"

void kprops_init(struct kprops *p)
{
        vec_init(&p->kvs);
}

/* kv_free for vec_release, which calls through void (*)(void *) */
static void kv_free_item(void *x)
{
        kv_free(x);
}

void kprops_release(struct kprops *p)
{
        vec_release(&p->kvs, kv_free_item);
}

static struct kv *find(const struct kprops *p, const char *key)
{
        for (size_t i = 0; i < p->kvs.len; i++) {
                struct kv *kv = p->kvs.items[i];
                if (strcmp(kv->key, key) == 0)
                        return kv;
        }
        return NULL;
}

const char *kprops_get(const struct kprops *p, const char *key)
{
        struct kv *kv = find(p, key);

        return kv ? kv->value : NULL;
}

int kprops_set(struct kprops *p, const char *key, const char *value)
{
        struct kv *kv = find(p, key);
        char *v = strdup(value);

        if (!v)
                return -1;
        if (kv) {
                free(kv->value);
                kv->value = v;
                return 0;
        }
        kv = calloc(1, sizeof(*kv));
        if (kv)
                kv->key = strdup(key);
        if (!kv || !kv->key || vec_push(&p->kvs, kv) < 0) {
                if (kv)
                        free(kv->key);
                free(kv);
                free(v);
                return -1;
        }
        kv->value = v;
        return 0;
}

static char *trim(char *s)
{
        char *end;

        while (isspace((unsigned char)*s))
                s++;
        end = s + strlen(s);
        while (end > s && isspace((unsigned char)end[-1]))
                *--end = '\0';
        return s;
}

/* Parse one line; `no` is its 1-based number. */
static int load_line(struct kprops *p, const char *path, char *line, int no, struct err *err)
{
        char *s = trim(line), *eq;

        if (!*s || *s == '#' || *s == '!')
                return 0;
        eq = strchr(s, '=');
        if (!eq)
                return err_set(err, ERR_INVALID, "%s:%d: expected key=value", path, no);
        *eq = '\0';
        if (!*trim(s))
                return err_set(err, ERR_INVALID, "%s:%d: empty key", path, no);
        if (kprops_set(p, trim(s), trim(eq + 1)) < 0)
                return err_nomem(err);
        return 0;
}

int kprops_load(struct kprops *p, const char *path, struct err *err)
{
        char *text = str_read_file(path, 1u << 20, NULL);
        char *line, *next;
        int no = 1, rc = -1;

        if (!text)
                return err_set(err, ERR_NOT_FOUND, "kafka config '%s': %s", path, strerror(errno));
        for (line = text; line; line = next, no++) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                if (load_line(p, path, line, no, err) < 0)
                        goto out;
        }
        rc = 0;
out:
        free(text);
        return rc;
}
