package cn.ac.ihep.heps.agent.quota;

import cn.ac.ihep.heps.agent.experiment.FieldError;
import cn.ac.ihep.heps.agent.experiment.InvalidExperimentException;
import java.util.List;

/**
 * The change would take an experiment over its quota; nothing was stored. Each field
 * ({@code quota.desktops}, {@code quota.gpus}, {@code quota.gpuHours}) says which quota, its
 * value, where it comes from, and what the experiment would use.
 */
public final class QuotaExceededException extends InvalidExperimentException {
    private static final long serialVersionUID = 1L;

    public QuotaExceededException(String proposalId, List<FieldError> errors) {
        super("The experiment " + proposalId + " would exceed its quota", errors);
    }
}
