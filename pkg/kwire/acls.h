/*
 * ACLs over our own protocol client: DescribeAcls, CreateAcls and DeleteAcls (v1, the first
 * versions with pattern types). librdkafka 2.0.2 cannot express TRANSACTIONAL_ID bindings (it
 * reads them back as UNKNOWN and refuses to create them), and DESIGN §3 needs them; one client
 * for all ACLs keeps observe and apply symmetric. Encoders and decoders are pure.
 */
#ifndef PKG_KWIRE_ACLS_H
#define PKG_KWIRE_ACLS_H

#include <stddef.h>
#include <stdint.h>

struct acl;
struct buf;
struct err;
struct kconn;
struct plan_op;
struct vec;

enum {
        KAFKA_API_DESCRIBE_ACLS = 29,
        KAFKA_API_CREATE_ACLS = 30,
        KAFKA_API_DELETE_ACLS = 31,
};

/* Every ACL binding of the cluster, appended to `out` (struct acl *). */
int kafka_acls_describe(struct kconn *c, struct vec *out, struct err *err);

/* Bindings per CreateAcls / DeleteAcls request: well under the 10,000 records a KRaft controller
 * accepts in one operation. Deletes go in smaller requests: Kafka 4.1's controller matches each
 * delete filter against every ACL of the cluster, so 1000 exact filters against some 15,000 ACLs
 * kept a busy broker past our request timeout (53_faults_scale), every retry again. */
#define ACLS_PER_REQUEST        1000
#define ACLS_PER_DELETE_REQUEST 100

/* Create / delete (exact match) the bindings of `ops`, ACLS_PER_REQUEST (deletes
 * ACLS_PER_DELETE_REQUEST) a request, recording each op's state and error. Returns 0 when every
 * request went through (ops may still have failed); -1 at the first request that did not, the ops
 * of those before it keeping their results. */
int kafka_acls_create(struct kconn *c, struct plan_op **ops, size_t n, struct err *err);
int kafka_acls_delete(struct kconn *c, struct plan_op **ops, size_t n, struct err *err);

void acls_encode_describe_all(struct buf *b, int32_t correlation);
void acls_encode_create(struct buf *b, int32_t correlation, const struct acl *const *acls,
                        size_t n);
void acls_encode_delete(struct buf *b, int32_t correlation, const struct acl *const *acls,
                        size_t n);
int acls_decode_describe(const void *body, size_t len, struct vec *out, struct err *err);

#endif
