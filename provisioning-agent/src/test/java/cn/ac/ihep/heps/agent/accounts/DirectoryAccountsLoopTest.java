package cn.ac.ihep.heps.agent.accounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.mockito.Mockito.mock;

import cn.ac.ihep.heps.agent.agent.AgentContext;
import cn.ac.ihep.heps.agent.agent.ReconcileLoop;
import cn.ac.ihep.heps.agent.config.AgentConfiguration;
import cn.ac.ihep.heps.agent.firewall.ReadySecurityGroup;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import com.unboundid.ldap.sdk.SearchResultEntry;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's loop runs directory accounts after each reconcile pass, built from the agent's
 * configuration, and a failing desktop pass does not keep the accounts from being made. The
 * cloud is a bare mock here: this test is about the wiring, the desktop tests drive the cloud.
 */
class DirectoryAccountsLoopTest {
    private AccountsTestBed bed;

    @BeforeEach
    void setUp() throws Exception {
        bed = new AccountsTestBed(DirectoryAccountsLoopTest.class);
    }

    @AfterEach
    void tearDown() throws Exception {
        bed.close();
    }

    @Test
    void theReconcileLoopMakesTheAccounts() throws Exception {
        Map<String, String> values = new HashMap<>();
        values.put("database-url", bed.db.url());
        values.put("database-user", "postgres");
        values.put("agent-id", "loop-test");
        values.put("ldap-url", bed.ldap.url());
        values.put("ldap-bind-dn", bed.ldap.bindDn());
        values.put("ldap-bind-password", bed.ldap.bindPassword());
        values.put("ldap-people-dn", bed.ldap.userBaseDn());
        values.put("ldap-groups-dn", bed.ldap.groupBaseDn());
        values.put("ad-url", bed.ad.url().toString());
        values.put("ad-bind-dn", bed.ad.bindDn());
        values.put("ad-bind-password", bed.ad.bindPassword());
        values.put("ad-users-dn", bed.adUsers);
        values.put("ad-groups-dn", bed.adGroups);
        values.put("ad-ca-file", bed.ad.caFile().toString());
        values.put("account-uid-range", AccountsTestBed.UIDS.toString());
        values.put("guacd-cidrs", ReadySecurityGroup.ACCESS.guacdNetworks().get(0).toString());
        CloudProvider cloud = mock(CloudProvider.class);
        ReadySecurityGroup.existsIn(cloud);
        AgentContext context = new AgentContext(AgentConfiguration.of(values), c -> cloud, Clock.systemUTC());
        String uma = bed.user("uma");
        bed.experiment("P-L-" + bed.suffix, "exp-loop-" + bed.suffix, uma);

        try (ReconcileLoop loop = new ReconcileLoop(context.reconciler("http://127.0.0.1:8640"),
                context.directoryAccounts(), context.configuration().accountCheckInterval())) {
            loop.start(Duration.ofMillis(200));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (bed.adAccount(uma) == null && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
        }
        SearchResultEntry ldapAccount = bed.ldapAccount(uma);
        assertNotNull(ldapAccount, "the loop made the LDAP account");
        assertNotNull(bed.adAccount(uma), "the loop made the AD account");
        assertEquals(ldapAccount.getAttributeValueAsInteger("uidNumber"),
                bed.adAccount(uma).getAttributeValueAsInteger("uidNumber"));
        assertEquals("loop-test", bed.db.database().inTransaction(c -> new cn.ac.ihep.heps.agent.store.AuditLog()
                .recent(c, "account:" + uma, 1)).get(0).actor());
    }
}
