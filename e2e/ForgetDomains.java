// Removes every trace of the given domains from a Kafka cluster, in one JVM (the tests' cleanup;
// e2e/lib.sh e2e_forget_domain runs it with Kafka's own client jars, as a source-file program):
//   the topics whose names start with "DOMAIN.",
//   the ACL bindings on topics, groups and transactional ids whose names start with "DOMAIN."
//     (literal and prefixed), and the cluster bindings of the principal User:DOMAIN,
//   the client quotas of the user DOMAIN.
// Usage: java -cp 'KAFKA_LIB/*' ForgetDomains.java BOOTSTRAP ADMIN-PROPERTIES DOMAIN...
// Prints what it removed; exits 1 when Kafka refused something.
import java.io.FileReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.resource.ResourceType;

public class ForgetDomains {
    static boolean ownedName(String name, List<String> domains) {
        return domains.stream().anyMatch(d -> name.startsWith(d + "."));
    }

    static boolean owned(AclBinding b, List<String> domains) {
        ResourceType t = b.pattern().resourceType();
        if (t == ResourceType.CLUSTER)
            return domains.stream().anyMatch(d -> b.entry().principal().equals("User:" + d));
        return (t == ResourceType.TOPIC || t == ResourceType.GROUP || t == ResourceType.TRANSACTIONAL_ID)
            && ownedName(b.pattern().name(), domains);
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: ForgetDomains BOOTSTRAP ADMIN-PROPERTIES DOMAIN...");
            System.exit(2);
        }
        Properties p = new Properties();
        try (FileReader r = new FileReader(args[1])) {
            p.load(r);
        }
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000");
        List<String> domains = Arrays.asList(args).subList(2, args.length);
        try (Admin admin = Admin.create(p)) {
            List<String> topics = admin.listTopics().names().get(60, TimeUnit.SECONDS).stream()
                .filter(t -> ownedName(t, domains)).sorted().toList();
            if (!topics.isEmpty())
                admin.deleteTopics(topics).all().get(60, TimeUnit.SECONDS);
            Collection<AclBinding> all = admin.describeAcls(AclBindingFilter.ANY).values()
                .get(60, TimeUnit.SECONDS);
            List<AclBindingFilter> acls = all.stream().filter(b -> owned(b, domains))
                .map(AclBinding::toFilter).toList();
            if (!acls.isEmpty())
                admin.deleteAcls(acls).all().get(60, TimeUnit.SECONDS);
            List<ClientQuotaAlteration> quotas = new ArrayList<>();
            for (String d : domains)
                quotas.add(new ClientQuotaAlteration(new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, d)),
                    List.of(new ClientQuotaAlteration.Op("producer_byte_rate", null),
                        new ClientQuotaAlteration.Op("consumer_byte_rate", null),
                        new ClientQuotaAlteration.Op("request_percentage", null))));
            admin.alterClientQuotas(quotas).all().get(60, TimeUnit.SECONDS);
            System.out.printf("forgot %s: %d topics, %d ACL bindings, quotas of %d users%n",
                String.join(" ", domains), topics.size(), acls.size(), domains.size());
        }
    }
}
