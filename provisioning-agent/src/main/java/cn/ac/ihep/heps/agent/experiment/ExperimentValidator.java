package cn.ac.ihep.heps.agent.experiment;

import cn.ac.ihep.heps.agent.idle.IdleLimit;
import cn.ac.ihep.heps.common.cloud.CloudFlavor;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks an experiment input field by field and reports every problem at once. Names must
 * fit Nova tags ({@code heps-owner:<user>} at most 60 characters, no '/' or ','); the
 * beamline must be configured; the flavor must exist and ask for exactly the GPUs requested.
 */
public final class ExperimentValidator {
    /** 48 characters keep {@code heps-owner:} and {@code heps-group:} tags within Nova's 60. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,47}");
    static final Pattern PROPOSAL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    static final int MAX_GPUS = 16;
    /**
     * Members of one experiment at most: a beamtime has tens of users, and every member costs a
     * VM, two directory accounts and a share of each reconcile pass.
     */
    public static final int MAX_MEMBERS = 500;

    private final List<String> beamlines;
    private final CloudProvider cloud;

    public ExperimentValidator(List<String> beamlines, CloudProvider cloud) {
        this.beamlines = List.copyOf(beamlines);
        this.cloud = cloud;
    }

    public static boolean isValidUsername(String username) {
        return username != null && NAME.matcher(username).matches();
    }

    /** Returns the experiment to store, or throws {@link InvalidExperimentException} naming every bad field. */
    public Experiment validate(ExperimentInput input) {
        List<FieldError> errors = new ArrayList<>();
        if (input == null) {
            throw new InvalidExperimentException("The experiment is empty", List.of(new FieldError("", "required")));
        }
        String proposal = input.proposalId();
        if (proposal == null || proposal.isBlank()) {
            errors.add(new FieldError("proposalId", "required"));
        } else if (!PROPOSAL.matcher(proposal).matches()) {
            errors.add(new FieldError("proposalId", "must be 1-64 letters, digits, '.', '_' or '-', not '" + proposal + "'"));
        } else if ((input.group() == null || input.group().isBlank()) && !NAME.matcher(proposal).matches()) {
            errors.add(new FieldError("group", "required when the proposal id is longer than 48 characters"));
        }
        String beamline = input.beamline();
        if (beamline == null || beamline.isBlank()) {
            errors.add(new FieldError("beamline", "required"));
        } else if (!beamlines.contains(beamline)) {
            errors.add(new FieldError("beamline", beamlines.isEmpty()
                    ? "unknown beamline '" + beamline + "': no beamlines are configured (set the agent's 'beamlines' setting)"
                    : "unknown beamline '" + beamline + "'; known beamlines: " + String.join(", ", beamlines)));
        }
        boolean groupGiven = input.group() != null && !input.group().isBlank();
        String group = groupGiven ? input.group() : proposal;
        if (groupGiven && !NAME.matcher(group).matches()) {
            errors.add(new FieldError("group", "must be 1-48 letters, digits, '.', '_' or '-' (it becomes a Nova tag)"));
        }
        Instant startsAt = instant(input.startsAt(), "startsAt", errors);
        Instant endsAt = instant(input.endsAt(), "endsAt", errors);
        if (startsAt != null && endsAt != null && !endsAt.isAfter(startsAt)) {
            errors.add(new FieldError("endsAt", "must be after startsAt"));
        }
        List<String> members = members(input.members(), errors);
        DesktopSpec desktop = desktop(input.desktop(), errors);
        if (!errors.isEmpty()) {
            throw new InvalidExperimentException("The experiment is invalid", errors);
        }
        return new Experiment(0, proposal, beamline, group, startsAt, endsAt, desktop, members, null);
    }

    private static Instant instant(String value, String field, List<FieldError> errors) {
        if (value == null || value.isBlank()) {
            errors.add(new FieldError(field, "required (ISO-8601 with offset, e.g. 2026-11-25T08:00:00Z)"));
            return null;
        }
        try {
            return OffsetDateTime.parse(value.trim()).toInstant();
        } catch (DateTimeParseException e) {
            errors.add(new FieldError(field, "not an ISO-8601 date-time with offset: '" + value + "'"));
            return null;
        }
    }

    private static List<String> members(List<String> input, List<FieldError> errors) {
        if (input == null) {
            return List.of();
        }
        if (input.size() > MAX_MEMBERS) {
            errors.add(new FieldError("members", "at most " + MAX_MEMBERS + " members per experiment, not " + input.size()));
            return List.of();
        }
        List<String> members = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < input.size(); i++) {
            String username = input.get(i);
            if (!isValidUsername(username)) {
                errors.add(new FieldError("members[" + i + "]",
                        "must be a facility username of 1-48 letters, digits, '.', '_' or '-'"));
            } else if (!seen.add(username)) {
                errors.add(new FieldError("members[" + i + "]", "'" + username + "' is listed twice"));
            } else {
                members.add(username);
            }
        }
        return members;
    }

    private DesktopSpec desktop(ExperimentInput.DesktopInput input, List<FieldError> errors) {
        if (input == null) {
            errors.add(new FieldError("desktop", "required: {os, gpus, flavor}"));
            return null;
        }
        String os = input.os() == null ? null : input.os().trim().toLowerCase(Locale.ROOT);
        if (os == null || os.isEmpty()) {
            errors.add(new FieldError("desktop.os", "required: linux or windows"));
        } else if (!os.equals("linux") && !os.equals("windows")) {
            errors.add(new FieldError("desktop.os", "must be linux or windows, not '" + input.os() + "'"));
        }
        int gpus = input.gpus() == null ? 0 : input.gpus();
        if (gpus < 0 || gpus > MAX_GPUS) {
            errors.add(new FieldError("desktop.gpus", "must be between 0 and " + MAX_GPUS));
        }
        String protocol = input.protocol() == null || input.protocol().isBlank()
                ? null : input.protocol().trim().toLowerCase(Locale.ROOT);
        if (protocol != null && !protocol.equals("rdp") && !protocol.equals("vnc")) {
            errors.add(new FieldError("desktop.protocol", "must be rdp or vnc, not '" + input.protocol() + "'"));
        }
        String flavor = input.flavor();
        if (flavor == null || flavor.isBlank()) {
            errors.add(new FieldError("desktop.flavor", "required: a Nova flavor name"));
        } else {
            Optional<CloudFlavor> found = cloud.findFlavor(flavor);
            if (found.isEmpty()) {
                errors.add(new FieldError("desktop.flavor", "unknown flavor '" + flavor
                        + "': no such flavor in OpenStack (see 'openstack flavor list')"));
            } else if (found.get().gpuCount() != gpus) {
                errors.add(new FieldError("desktop.flavor", "flavor '" + flavor + "' gives "
                        + found.get().gpuCount() + " GPU(s) but desktop.gpus is " + gpus
                        + ": pick a flavor whose pci_passthrough:alias asks for " + gpus));
            }
        }
        return new DesktopSpec(os, gpus, flavor, protocol, idle(input.idle(), errors), access(input.access(), errors));
    }

    /** Personal unless the experiment asks, by name, for desktops open to its whole group. */
    private static DesktopAccess access(String value, List<FieldError> errors) {
        if (value == null || value.isBlank()) {
            return DesktopAccess.personal;
        }
        String normalized = value.trim().toLowerCase(Locale.ROOT);
        for (DesktopAccess access : DesktopAccess.values()) {
            if (access.name().equals(normalized)) {
                return access;
            }
        }
        errors.add(new FieldError("desktop.access", "must be personal (each member's desktop opens for that member "
                + "only) or experiment (every member may open every member's desktop), not '" + value + "'"));
        return DesktopAccess.personal;
    }

    /** The idle limits as stored: each normalized to {@code off} or a duration, or null when not given. */
    private static IdleOverride idle(IdleOverride input, List<FieldError> errors) {
        if (input == null || input.isEmpty()) {
            return null;
        }
        return new IdleOverride(limit(input.disconnectAfter(), "desktop.idle.disconnectAfter", errors),
                limit(input.shelveAfter(), "desktop.idle.shelveAfter", errors));
    }

    private static String limit(String value, String field, List<FieldError> errors) {
        if (value == null) {
            return null;
        }
        try {
            return IdleLimit.parse(value).toString();
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError(field, e.getMessage()));
            return null;
        }
    }
}
