package cn.ac.ihep.heps.agent.desktop;

import cn.ac.ihep.heps.agent.accounts.ComputerAccounts;
import cn.ac.ihep.heps.agent.accounts.DomainJoin;
import cn.ac.ihep.heps.agent.reconcile.ServerNaming;
import cn.ac.ihep.heps.common.log.LogSafe;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.Database;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.common.desktop.VncPasswordDerivation;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a desktop VM learns its VNC password. The password is HMAC(site secret, server id)
 * ({@link VncPasswordDerivation}), and Nova assigns the server id only when the boot
 * request is accepted, so it cannot be written into the user data. Instead the agent puts
 * a random one-time enrollment token into the user data (its SHA-256 is stored with the
 * desktop row before the boot request); at first boot the guest reads its own server id
 * from the metadata service and presents both to {@code POST /v1/enrollment}. The agent
 * answers with the password once, when the token matches the desktop recorded for that
 * server id, and optionally only to that desktop's own address.
 *
 * <p>The address check compares the caller with the address the reconcile loop recorded for the
 * desktop. A guest that boots fast can ask before the loop's next pass has seen its address;
 * then the cloud is asked for it once, so the guest is not refused (and made to retry) for
 * the agent's lag.
 *
 * <p>A desktop that joins the domain gets, in the same answer, the one-time password of the
 * computer account the agent pre-staged for it ({@link ComputerAccounts}); the agent forgets it
 * in the same transaction.
 */
public final class EnrollmentService {
    private static final Logger LOG = LoggerFactory.getLogger(EnrollmentService.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Database database;
    private final DesktopRepository desktops;
    private final AuditLog audit;
    private final VncPasswordDerivation passwords;
    private final Optional<ComputerAccounts> computers;
    private final ServerAddresses addresses;
    private final Clock clock;

    public EnrollmentService(Database database, DesktopRepository desktops, AuditLog audit,
            VncPasswordDerivation passwords, Clock clock) {
        this(database, desktops, audit, passwords, Optional.empty(), ServerAddresses.NONE, clock);
    }

    public EnrollmentService(Database database, DesktopRepository desktops, AuditLog audit,
            VncPasswordDerivation passwords, Optional<ComputerAccounts> computers, Clock clock) {
        this(database, desktops, audit, passwords, computers, ServerAddresses.NONE, clock);
    }

    /** {@code addresses}: where a desktop's address comes from before the reconcile loop has recorded it. */
    public EnrollmentService(Database database, DesktopRepository desktops, AuditLog audit,
            VncPasswordDerivation passwords, Optional<ComputerAccounts> computers, ServerAddresses addresses,
            Clock clock) {
        this.database = database;
        this.desktops = desktops;
        this.audit = audit;
        this.passwords = passwords;
        this.computers = computers;
        this.addresses = addresses;
        this.clock = clock;
    }

    /** A fresh token for a new desktop; store {@link #hash} of it, put the token in user data. */
    public static String newToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static String hash(String token) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /** Why an enrollment was refused; never told to the caller in more detail than "refused". */
    public enum Outcome { GRANTED, UNKNOWN_SERVER, BAD_TOKEN, ALREADY_ENROLLED, WRONG_ADDRESS }

    /** What a granted enrollment hands out; {@code domainJoin} is null for a desktop that joins no domain. */
    public record Result(Outcome outcome, String vncPassword, DomainJoin domainJoin) {
        Result(Outcome outcome) {
            this(outcome, null, null);
        }
    }

    /**
     * Checks the token for the server and hands out the password once.
     *
     * @param remoteAddress the caller's address, checked against the desktop's when {@code checkAddress}
     */
    public Result enroll(String serverId, String token, String remoteAddress, boolean checkAddress) {
        Attempt attempt = attempt(serverId, token, remoteAddress, checkAddress, null);
        if (attempt.addressUnknown()) {
            Optional<String> current = currentAddress(serverId);
            if (current.isPresent()) {
                attempt = attempt(serverId, token, remoteAddress, checkAddress, current.get());
            }
        }
        Result result = attempt.result();
        if (result.outcome() != Outcome.GRANTED) {
            LOG.warn("Refused enrollment for server {} from {}: {}", LogSafe.text(serverId), LogSafe.text(remoteAddress),
                    result.outcome());
        } else {
            LOG.info("Server {} fetched its VNC password{}", LogSafe.text(serverId),
                    result.domainJoin() == null ? "" : " and the one-time password of computer "
                            + result.domainJoin().computerName());
        }
        return result;
    }

    /** One try; {@code addressUnknown} when it was refused only because no address is recorded yet. */
    private record Attempt(Result result, boolean addressUnknown) {
        Attempt(Outcome outcome) {
            this(new Result(outcome), false);
        }
    }

    /** The server's address as the cloud has it now; empty when it has none or cannot be asked. */
    private Optional<String> currentAddress(String serverId) {
        try {
            return addresses.fixedAddressOf(serverId);
        } catch (RuntimeException e) {
            LOG.warn("Cannot ask the cloud for the address of server {}: {}", LogSafe.text(serverId),
                    LogSafe.message(e.getMessage()));
            return Optional.empty();
        }
    }

    /** {@code learnedAddress}: the cloud's address for the server, recorded when none is yet (else null). */
    private Attempt attempt(String serverId, String token, String remoteAddress, boolean checkAddress,
            String learnedAddress) {
        Instant now = clock.instant();
        return database.inTransaction(connection -> {
            Optional<DesktopRepository.Enrollment> enrollment = desktops.enrollment(connection, serverId);
            if (enrollment.isEmpty() || enrollment.get().tokenHash() == null) {
                return new Attempt(Outcome.UNKNOWN_SERVER);
            }
            DesktopRepository.Enrollment found = enrollment.get();
            boolean tokenMatches = MessageDigest.isEqual(
                    found.tokenHash().getBytes(StandardCharsets.US_ASCII),
                    hash(token == null ? "" : token).getBytes(StandardCharsets.US_ASCII));
            if (!tokenMatches) {
                return new Attempt(Outcome.BAD_TOKEN);
            }
            if (found.enrolledAt() != null) {
                return new Attempt(Outcome.ALREADY_ENROLLED);
            }
            String address = found.address();
            if (address == null && learnedAddress != null) {
                desktops.update(found.desktopId()).address(learnedAddress).execute(connection, now);
                address = learnedAddress;
            }
            if (checkAddress && (address == null || !address.equals(remoteAddress))) {
                return new Attempt(new Result(Outcome.WRONG_ADDRESS), address == null);
            }
            DomainJoin join = null;
            if (found.joinPassword() != null && computers.isPresent()) {
                join = computers.get().join(found.desktopId(),
                        ServerNaming.computerName(found.proposalId(), found.username()), found.joinPassword())
                        .orElse(null);
                if (join == null) {
                    LOG.warn("The one-time computer password of server {} cannot be opened (another site key?): "
                            + "the guest cannot join the domain; delete the desktop to have it made again",
                            LogSafe.text(serverId));
                }
            }
            // Used once: the sealed one-time password goes with the enrollment.
            desktops.update(found.desktopId()).enrolledAt(now).joinPassword(null).execute(connection, now);
            audit.record(connection, now, "guest:" + serverId, "desktop.enroll", "server/" + serverId,
                    "from=" + remoteAddress + (join == null ? "" : " domain-join=" + join.computerName()));
            return new Attempt(new Result(Outcome.GRANTED, passwords.passwordFor(serverId), join), false);
        });
    }
}
