package cn.ac.ihep.heps.common.cloud;

import java.util.Locale;

/** A desktop VM's power and lifecycle state, as the cloud reports it. */
public enum ServerState {
    BUILDING,
    ACTIVE,
    SHUTOFF,
    SUSPENDED,
    PAUSED,
    SHELVED,
    SHELVED_OFFLOADED,
    REBOOTING,
    ERROR,
    DELETED,
    UNKNOWN;

    /** Maps Nova's {@code status} field; anything we do not act on is {@link #UNKNOWN}. */
    public static ServerState fromNovaStatus(String status) {
        if (status == null) {
            return UNKNOWN;
        }
        switch (status.toUpperCase(Locale.ROOT)) {
            case "BUILD":
            case "BUILDING":
                return BUILDING;
            case "ACTIVE":
                return ACTIVE;
            case "SHUTOFF":
            case "STOPPED":
                return SHUTOFF;
            case "SUSPENDED":
                return SUSPENDED;
            case "PAUSED":
                return PAUSED;
            case "SHELVED":
                return SHELVED;
            case "SHELVED_OFFLOADED":
                return SHELVED_OFFLOADED;
            case "REBOOT":
            case "HARD_REBOOT":
                return REBOOTING;
            case "ERROR":
                return ERROR;
            case "DELETED":
            case "SOFT_DELETED":
                return DELETED;
            default:
                return UNKNOWN;
        }
    }
}
