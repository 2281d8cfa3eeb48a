#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/asyncapi/asyncapi.h"
#include "pkg/asyncapi/export.h"
#include "pkg/base/strmap.h"
#include "pkg/base/vec.h"
#include "pkg/model/model.h"

#define D "acme.pay"
#define T D "._public.payments"

static struct product *observed(const char *ref_name)
{
        struct product *p = product_new();
        struct subject *v = subject_new(
            T "-value", SCHEMA_AVRO,
            "{\"type\":\"record\",\"name\":\"P\",\"namespace\":\"acme.pay\",\"fields\":[{\"name\":"
            "\"m\",\"type\":\"acme.pay.Money\"}]}");
        struct subject *m =
            subject_new(D "._public.Money", SCHEMA_AVRO,
                        "{\"type\":\"record\",\"name\":\"Money\",\"namespace\":"
                        "\"acme.pay\",\"fields\":[{\"name\":\"u\",\"type\":\"long\"}]}");

        p->domain = strdup(D);
        p->principal = strdup("User:" D);
        vec_push(&p->topics, topic_new(T, 1, 1));
        subject_add_ref(v, ref_name, D "._public.Money", 1);
        vec_push(&p->subjects, v);
        vec_push(&p->subjects, m);
        product_sort(p);
        return p;
}

static void write_file(const char *dir, const char *name, const char *text)
{
        char path[512];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "w");
        cr_assert_not_null(f, "%s", path);
        fputs(text, f);
        fclose(f);
}

Test(exportrefs, export_writes_referenced_schemas_as_files_that_read_back)
{
        struct product *have = observed("acme.pay.Money"), *back;
        struct strmap files;
        const char *why = NULL;
        char *doc = asyncapi_export(have), dir[] = "/tmp/specmesh-exportrefs-XXXXXX", sub[600];
        struct diags d;
        const struct subject *s;
        const struct schema_ref *r;

        cr_assert(strstr(doc, "payload: {$ref: \"schema/" T "-value.avsc\"}"), "%s", doc);
        strmap_init(&files, EXPORT_FILES_MAX);
        cr_assert_eq(asyncapi_export_files(have, &files, &why), 0);
        cr_assert_eq(files.len, 2);
        cr_assert_str_eq(files.items[0].key, "schema/acme.pay.Money.avsc");
        cr_assert_str_eq(files.items[1].key, "schema/" T "-value.avsc");
        cr_assert_not_null(mkdtemp(dir));
        snprintf(sub, sizeof(sub), "%s/schema", dir);
        mkdir(sub, 0755);
        write_file(dir, "asyncapi.yaml", doc);
        for (size_t i = 0; i < files.len; i++)
                write_file(dir, files.items[i].key, files.items[i].value);
        snprintf(sub, sizeof(sub), "%s/asyncapi.yaml", dir);
        diags_init(&d);
        back = asyncapi_load_file(sub, NULL, &d);
        cr_assert_not_null(back, "%zu diagnostics", d.items.len);
        s = product_subject(back, T "-value");
        cr_assert_not_null(s);
        cr_assert_eq(s->refs.len, 1);
        r = s->refs.items[0];
        cr_assert_str_eq(r->name, "acme.pay.Money");
        cr_assert_str_eq(r->subject, D "._public.Money");
        cr_assert_not_null(product_subject(back, D "._public.Money"));
        for (size_t i = 0; i < files.len; i++) {
                snprintf(sub, sizeof(sub), "%s/%s", dir, files.items[i].key);
                unlink(sub);
        }
        snprintf(sub, sizeof(sub), "%s/asyncapi.yaml", dir);
        unlink(sub);
        snprintf(sub, sizeof(sub), "%s/schema", dir);
        rmdir(sub);
        rmdir(dir);
        diags_release(&d);
        product_free(back);
        strmap_release(&files);
        free(doc);
        product_free(have);
}

Test(exportrefs, a_hostile_reference_name_from_the_registry_is_refused)
{
        struct product *have = observed("../../../etc/cron.d/x");
        struct strmap files;
        const char *why = NULL;

        strmap_init(&files, EXPORT_FILES_MAX);
        cr_assert_eq(asyncapi_export_files(have, &files, &why), -1);
        cr_assert_not_null(why);
        cr_assert_eq(files.len, 0);
        strmap_release(&files);
        product_free(have);
}

Test(exportrefs, more_files_than_the_cap_is_refused_with_a_reason)
{
        struct product *have = observed("acme.pay.Money");
        struct strmap files;
        const char *why = NULL;

        strmap_init(&files, 1); /* the export needs two */
        cr_assert_eq(asyncapi_export_files(have, &files, &why), -1);
        cr_assert_str_eq(why, "more schema files than an export writes");
        strmap_release(&files);
        product_free(have);
}
