/*
 * Hostile input around the reader (docs/security.md): schema $refs that try to leave the
 * document's folder or block the reader, manifests that try to read files, schemas that are
 * not schemas, unknown keys, and values that must never be changed on the way.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/asyncapi/asyncapi.h"
#include "pkg/model/model.h"

static char dir[64];

static void put(const char *name, const char *text, size_t len)
{
        char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "wb");
        cr_assert_not_null(f, "%s", path);
        fwrite(text, 1, len, f);
        fclose(f);
}

static void put_s(const char *name, const char *text)
{
        put(name, text, strlen(text));
}

static void setup(void)
{
        char path[256];

        strcpy(dir, "/tmp/specmesh-hostile-XXXXXX");
        cr_assert_not_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/sub", dir);
        mkdir(path, 0700);
        snprintf(path, sizeof(path), "%s/dir.avsc", dir);
        mkdir(path, 0700);
        put_s("sub/ok.avsc", "\"string\"");
        put_s("../specmesh-outside.avsc", "\"string\"");
        snprintf(path, sizeof(path), "%s/fifo.avsc", dir);
        cr_assert_eq(mkfifo(path, 0600), 0);
        snprintf(path, sizeof(path), "%s/passwd.avsc", dir);
        cr_assert_eq(symlink("/etc/passwd", path), 0);
        snprintf(path, sizeof(path), "%s/inside-link.avsc", dir);
        cr_assert_eq(symlink("sub/ok.avsc", path), 0);
        snprintf(path, sizeof(path), "%s/etc", dir);
        cr_assert_eq(symlink("/etc", path), 0);
        snprintf(path, sizeof(path), "%s/null.avsc", dir);
        cr_assert_eq(symlink("/dev/zero", path), 0);
}

static void teardown(void)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s' /tmp/specmesh-outside.avsc", dir);
        cr_expect_eq(system(cmd), 0);
}

/* Load a 2.6 document whose one message payload $refs `ref`; the first diagnostic. */
static char *with_ref(const char *ref, bool *ok)
{
        char doc[512], path[256];
        struct diags d;
        struct product *p;
        char *msg;

        snprintf(doc, sizeof(doc),
                 "asyncapi: 2.6.0\nid: urn:a:b\nchannels:\n  _public/x:\n    publish:\n"
                 "      message:\n        payload: {$ref: '%s'}\n",
                 ref);
        snprintf(path, sizeof(path), "%s/api.yaml", dir);
        put_s("api.yaml", doc);
        diags_init(&d);
        p = asyncapi_load_file(path, NULL, &d);
        *ok = p != NULL;
        msg = strdup(d.items.len ? ((struct diag *)d.items.items[0])->msg : "");
        product_free(p);
        diags_release(&d);
        return msg;
}

static void refused(const char *ref, const char *why)
{
        bool ok;
        char *msg = with_ref(ref, &ok);

        cr_expect_not(ok, "$ref %s accepted", ref);
        cr_expect(strstr(msg, why), "$ref %s: '%s' not in '%s'", ref, why, msg);
        free(msg);
}

TestSuite(hostile, .init = setup, .fini = teardown, .timeout = 20);

Test(hostile, refs_stay_inside_the_documents_folder)
{
        bool ok;
        char *msg = with_ref("sub/ok.avsc", &ok);

        cr_assert(ok, "%s", msg);
        free(msg);
        msg = with_ref("/sub/ok.avsc", &ok);
        cr_assert(ok, "a leading / is relative to the document: %s", msg);
        free(msg);
        refused("../specmesh-outside.avsc", "'..'");
        refused("sub/../../specmesh-outside.avsc", "'..'");
        refused("/../specmesh-outside.avsc", "'..'");
        refused("passwd.avsc", "symbolic link");
        refused("inside-link.avsc", "symbolic link");
        refused("etc/passwd.avsc", "symbolic link");
        refused("null.avsc", "symbolic link");
        refused("/etc/passwd.avsc", "symbolic link");
        refused("/nowhere/passwd.avsc", "No such file");
        refused("dir.avsc", "not a regular file");
}

Test(hostile, a_fifo_is_refused_without_blocking)
{
        refused("fifo.avsc", "not a regular file");
}

Test(hostile, schema_bytes_are_checked_not_truncated)
{
        put("nul.avsc", "\"str\0ing\"", 9);
        refused("nul.avsc", "NUL byte");
        put_s("latin1.avsc", "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"\xe9\"]}");
        refused("latin1.avsc", "not UTF-8");
        put_s("overlong.avsc", "\"\xc0\xaf\"");
        refused("overlong.avsc", "not UTF-8");
}

Test(hostile, invalid_schemas_are_reported_at_validate_time)
{
        put_s("bad1.avsc", "{\"type\": \"record\", \"name\": \"R\"}");
        refused("bad1.avsc", "fields");
        put_s("bad2.avsc", "{\"type\": \"record\", \"fields\": []}");
        refused("bad2.avsc", "name");
        put_s("bad3.avsc", "{not json");
        refused("bad3.avsc", "JSON");
        put_s("bad4.avsc", "\"a\" \"b\"");
        refused("bad4.avsc", "JSON");
        put_s("bad5.avsc", "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"f\"}]}");
        refused("bad5.avsc", "type");
        put_s("bad.json", "[1, 2]");
        refused("bad.json", "JSON Schema");
        put_s("bad2.json", "{\"type\": ");
        refused("bad2.json", "JSON");
        put_s("bad.proto", "syntax = \"proto3\";\nmessage M { int32 a = 1;\n");
        refused("bad.proto", "braces");
        put_s("bad2.proto", "syntax = \"proto3;\n");
        refused("bad2.proto", "string");
        put_s("good.proto", "syntax = \"proto3\";\n// }\nmessage M { string a = 1; }\n");
        bool ok;
        char *msg = with_ref("good.proto", &ok);
        cr_assert(ok, "%s", msg);
        free(msg);
}

Test(hostile, a_manifest_never_reads_files)
{
        const char *dp = "kind: DataProduct\nspec:\n  asyncapi:\n    asyncapi: 2.6.0\n"
                         "    id: urn:a:b\n    channels:\n      _public/x:\n        publish:\n"
                         "          message:\n            payload: {$ref: 'sub/ok.avsc'}\n";
        char path[256];
        struct diags d;
        struct product *p;

        put_s("dp.yaml", dp);
        snprintf(path, sizeof(path), "%s/dp.yaml", dir);
        diags_init(&d);
        p = asyncapi_load_file(path, NULL, &d);
        cr_assert_null(p, "the file next to the manifest was read");
        cr_assert(strstr(((struct diag *)d.items.items[0])->msg, "not in spec.schemas"));
        product_free(p);
        diags_release(&d);
}
