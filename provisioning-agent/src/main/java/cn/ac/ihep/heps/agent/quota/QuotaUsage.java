package cn.ac.ihep.heps.agent.quota;

import cn.ac.ihep.heps.agent.experiment.Experiment;
import java.time.Duration;

/**
 * What an experiment holds against its quota: a desktop per member, each with the experiment's
 * GPUs for the whole window.
 */
public record QuotaUsage(int desktops, int gpus, long gpuHours) {

    public static QuotaUsage of(Experiment experiment) {
        int members = experiment.members().size();
        int gpus = members * experiment.desktop().gpus();
        long hours = Duration.between(experiment.startsAt(), experiment.endsAt()).toMinutes();
        // Whole hours, rounded up: a window of 2 h 10 min with a GPU costs 3 GPU-hours.
        long gpuHours = (gpus * hours + 59) / 60;
        return new QuotaUsage(members, gpus, gpuHours);
    }
}
