package cn.ac.ihep.heps.agent.activity;

import cn.ac.ihep.heps.common.activity.ActivityAnswer.DisconnectLimit;
import java.util.Collection;
import java.util.List;

/** The disconnect limit of each desktop, by Nova server id, whose idle policy closes sessions. */
@FunctionalInterface
public interface DisconnectLimits {

    /** Limits for those of {@code serverIds} that have one; the others are left out. */
    List<DisconnectLimit> of(Collection<String> serverIds);
}
