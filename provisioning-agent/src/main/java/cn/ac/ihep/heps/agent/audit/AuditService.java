package cn.ac.ihep.heps.agent.audit;

import cn.ac.ihep.heps.agent.desktop.Desktop;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.Database;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import java.util.Optional;

/** Reads the audit log by filter, for {@code heps audit list} and {@code GET /v1/audit}. */
public final class AuditService {

    /** A page holds this many entries unless the caller asks for another number. */
    public static final int DEFAULT_PAGE = 100;

    private final Database database;
    private final DesktopRepository desktops;
    private final AuditLog audit;

    public AuditService(Database database, DesktopRepository desktops, AuditLog audit) {
        this.database = database;
        this.desktops = desktops;
        this.audit = audit;
    }

    /**
     * The audit subject of a desktop given as {@code <proposal>/<owner>} (whether or not it still
     * exists: the log outlives desktops), a server id or a server name; empty when it names none.
     */
    public Optional<String> subjectOf(String desktop) {
        Optional<Desktop> found = database.inTransaction(c -> desktops.findByReference(c, desktop));
        if (found.isPresent()) {
            return Optional.of(found.get().auditSubject());
        }
        int slash = desktop.indexOf('/');
        return slash > 0 && slash < desktop.length() - 1 && desktop.indexOf('/', slash + 1) < 0
                ? Optional.of("desktop/" + desktop) : Optional.empty();
    }

    public AuditLog.Page find(AuditLog.Query query) {
        return database.inTransaction(c -> audit.find(c, query));
    }
}
