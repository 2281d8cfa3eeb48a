#include "pkg/catalog/catalog.h"

#include <criterion/criterion.h>
#include <string.h>

#include "pkg/yaml/diag.h"
#include "pkg/base/buf.h"

static void load(struct catalog *c, const char *path)
{
        struct diags d;

        catalog_init(c);
        diags_init(&d);
        cr_assert_eq(catalog_add_file(c, path, &d), 0, "%s", path);
        diags_release(&d);
        catalog_sort(c);
}

Test(render, hostile_html_is_text)
{
        struct catalog c;
        struct buf out;

        load(&c, FIXTURES_DIR "/catalog/hostile.yaml");
        buf_init(&out, 1u << 22);
        cr_assert_eq(catalog_render_html(&c, "\"><script>x</script>", "<svg onload=1>", &out), 0);
        /* nothing from the spec (nor the query) became an element */
        cr_assert_null(strstr(out.data, "<script"));
        cr_assert_null(strstr(out.data, "<img"));
        cr_assert_null(strstr(out.data, "<iframe"));
        cr_assert_null(strstr(out.data, "<svg"));
        cr_assert_null(strstr(out.data, "<b>"));
        cr_assert_not_null(strstr(out.data, "&lt;svg onload=1&gt;"));
        buf_reset(&out);
        cr_assert_eq(catalog_render_html(&c, NULL, NULL, &out), 0);
        cr_assert_null(strstr(out.data, "<script"));
        cr_assert_null(strstr(out.data, "<img"));
        cr_assert_null(strstr(out.data, "<iframe"));
        cr_assert_null(strstr(out.data, "<b>"));
        cr_assert_null(strstr(out.data, "</pre><script"));
        cr_assert_not_null(
            strstr(out.data,
                   "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quoted&quot; &#39;single&#39;"));
        cr_assert_not_null(strstr(out.data, "&lt;/title&gt;&lt;script&gt;"));
        /* a hostile tag is a percent-encoded link and escaped text */
        cr_assert_not_null(
            strstr(out.data, "href=\"?tag=%22%3E%3Cscript%3Ealert%283%29%3C%2Fscript%3E\""));
        cr_assert_not_null(strstr(out.data, "?tag=ok%20tag"));
        /* the private topic is not on the page; the protected one with its reader is */
        cr_assert_null(strstr(out.data, "_private"));
        cr_assert_not_null(strstr(out.data, "other.domain"));
        buf_release(&out);
        catalog_release(&c);
}

Test(render, hostile_backstage_names_are_valid)
{
        struct catalog c;
        struct buf out;

        load(&c, FIXTURES_DIR "/catalog/hostile.yaml");
        buf_init(&out, 1u << 22);
        cr_assert_eq(catalog_render_backstage(&c, NULL, NULL, &out), 0);
        cr_assert_not_null(strstr(out.data, "\"kind\":\"Resource\""));
        /* tags become Backstage tags: lower case, [a-z0-9:+#] joined by '-' */
        cr_assert_not_null(strstr(out.data, "\"script-alert-3-script\""));
        cr_assert_not_null(strstr(out.data, "\"ok-tag\""));
        cr_assert_null(strstr(out.data, "_private"));
        buf_release(&out);
        catalog_release(&c);
}
