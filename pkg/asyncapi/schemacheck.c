#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "pkg/asyncapi/internal.h"
#include "pkg/model/model.h"
#include "pkg/base/banned.h"

#define AVRO_MAX_DEPTH 64

static bool is_str(json_object *o)
{
        return o && json_object_is_type(o, json_type_string);
}

static json_object *get(json_object *o, const char *key)
{
        json_object *v = NULL;

        return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static int avro_bad(char *why, size_t n, const char *fmt, const char *what)
{
        snprintf(why, n, fmt, what);
        return -1;
}

static int avro_check(json_object *s, int depth, char *why, size_t n);

static int avro_fields(json_object *fields, int depth, char *why, size_t n)
{
        if (!json_object_is_type(fields, json_type_array))
                return avro_bad(why, n, "a record needs a 'fields' array%s", "");
        for (size_t i = 0; i < json_object_array_length(fields); i++) {
                json_object *f = json_object_array_get_idx(fields, i);
                if (!json_object_is_type(f, json_type_object) || !is_str(get(f, "name")))
                        return avro_bad(why, n, "every record field needs a 'name'%s", "");
                if (!get(f, "type"))
                        return avro_bad(why, n, "record field '%s' needs a 'type'",
                                        json_object_get_string(get(f, "name")));
                if (avro_check(get(f, "type"), depth + 1, why, n) < 0)
                        return -1;
        }
        return 0;
}

/* The shape of an Avro schema (the spec's "Schema Declaration"); names are not resolved. */
static int avro_check(json_object *s, int depth, char *why, size_t n)
{
        const char *t;

        if (depth > AVRO_MAX_DEPTH)
                return avro_bad(why, n, "nested more than 64 levels%s", "");
        if (is_str(s))
                return *json_object_get_string(s) ? 0 : avro_bad(why, n, "empty type name%s", "");
        if (json_object_is_type(s, json_type_array)) {
                for (size_t i = 0; i < json_object_array_length(s); i++)
                        if (avro_check(json_object_array_get_idx(s, i), depth + 1, why, n) < 0)
                                return -1;
                return 0;
        }
        if (!json_object_is_type(s, json_type_object))
                return avro_bad(why, n, "a schema is a type name, a union array or an object%s",
                                "");
        if (!get(s, "type"))
                return avro_bad(why, n, "an object schema needs a 'type'%s", "");
        if (!is_str(get(s, "type")))
                return avro_check(get(s, "type"), depth + 1, why, n);
        t = json_object_get_string(get(s, "type"));
        if ((!strcmp(t, "record") || !strcmp(t, "error") || !strcmp(t, "enum") ||
             !strcmp(t, "fixed")) &&
            !is_str(get(s, "name")))
                return avro_bad(why, n, "a %s needs a 'name'", t);
        if (!strcmp(t, "record") || !strcmp(t, "error"))
                return avro_fields(get(s, "fields"), depth, why, n);
        if (!strcmp(t, "enum") && !json_object_is_type(get(s, "symbols"), json_type_array))
                return avro_bad(why, n, "an enum needs a 'symbols' array%s", "");
        if (!strcmp(t, "array"))
                return get(s, "items") ? avro_check(get(s, "items"), depth + 1, why, n)
                                       : avro_bad(why, n, "an array needs 'items'%s", "");
        if (!strcmp(t, "map"))
                return get(s, "values") ? avro_check(get(s, "values"), depth + 1, why, n)
                                        : avro_bad(why, n, "a map needs 'values'%s", "");
        if (!strcmp(t, "fixed") && !json_object_is_type(get(s, "size"), json_type_int))
                return avro_bad(why, n, "a fixed needs an integer 'size'%s", "");
        return 0;
}

/* Protobuf: no parser here, only sanity: balanced braces outside strings and comments, and
 * at least one message, enum or service. */
static int proto_check(const char *t, char *why, size_t n)
{
        long depth = 0;
        bool decl = false;

        for (const char *s = t; *s; s++) {
                if (s[0] == '/' && s[1] == '/') {
                        s += strcspn(s, "\n") - 1;
                        if (!*s)
                                break;
                } else if (s[0] == '/' && s[1] == '*') {
                        const char *e = strstr(s + 2, "*/");
                        if (!e)
                                return avro_bad(why, n, "unterminated comment%s", "");
                        s = e + 1;
                } else if (*s == '"' || *s == '\'') {
                        const char *q = s++;
                        while (*s && *s != *q && *s != '\n')
                                s += (s[0] == '\\' && s[1]) ? 2 : 1;
                        if (*s != *q)
                                return avro_bad(why, n, "unterminated string%s", "");
                } else if (*s == '{' || *s == '}') {
                        depth += *s == '{' ? 1 : -1;
                        if (depth < 0)
                                return avro_bad(why, n, "a '}' without its '{'%s", "");
                } else if (!strncmp(s, "message", 7) || !strncmp(s, "enum", 4) ||
                           !strncmp(s, "service", 7)) {
                        decl = true;
                }
        }
        if (depth)
                return avro_bad(why, n, "unbalanced braces%s", "");
        return decl ? 0 : avro_bad(why, n, "no message, enum or service%s", "");
}

int schema_text_check(enum schema_type type, const char *text, char *why, size_t n)
{
        json_tokener *tok;
        json_object *o;
        int rc;

        if (type == SCHEMA_PROTOBUF)
                return proto_check(text, why, n);
        tok = json_tokener_new_ex(AVRO_MAX_DEPTH * 2);
        if (!tok)
                return avro_bad(why, n, "out of memory%s", "");
        o = json_tokener_parse_ex(tok, text, (int)strlen(text));
        if (!o || json_tokener_get_error(tok) != json_tokener_success ||
            (size_t)json_tokener_get_parse_end(tok) < strlen(text)) {
                json_object_put(o);
                json_tokener_free(tok);
                return avro_bad(why, n, "is not one JSON value%s", "");
        }
        json_tokener_free(tok);
        if (type == SCHEMA_AVRO)
                rc = avro_check(o, 0, why, n);
        else if (json_object_is_type(o, json_type_object) ||
                 json_object_is_type(o, json_type_boolean))
                rc = 0;
        else
                rc = avro_bad(why, n, "a JSON Schema is an object (or true/false)%s", "");
        json_object_put(o);
        return rc;
}
