package cn.ac.ihep.heps.bench.gpu;

/**
 * What one run of {@link IdleReclaimRun} produced; GPU figures in GPU-minutes.
 *
 * @param gpuMinutesHeld GPUs held by desktops (running or waking)
 * @param gpuMinutesInUse of those, held by a desktop that is waking, runs a GPU job, or whose
 *     user is connected and sent input in the last 15 minutes
 * @param gpuMinutesConnectedUnused of the rest (held idle), held while a connection was open
 *     (tabs left open, long breaks)
 * @param sessionsRefused connections the user wanted whose first attempt found no GPU for the
 *     desktop (a new desktop not yet placed, or a shelved one that could not wake)
 * @param sessionsLost of those, the connections that never got the desktop
 * @param shelvedWhileConnected shelves of a desktop with a connection open at that moment:
 *     must be 0
 */
record IdleResult(int desktops, int desktopsNeverPlaced, long gpuMinutesHeld, long gpuMinutesInUse,
        long gpuMinutesConnectedUnused, int sessions, int sessionsRefused, int sessionsLost, int wakes,
        long wakeWaitMinutes, int shelves, int shelvedWhileConnected, int jobs, int jobsInterrupted,
        int forcedDisconnects) {

    long gpuMinutesIdle() {
        return gpuMinutesHeld - gpuMinutesInUse;
    }

    IdleResult plus(IdleResult o) {
        return new IdleResult(desktops + o.desktops, desktopsNeverPlaced + o.desktopsNeverPlaced,
                gpuMinutesHeld + o.gpuMinutesHeld, gpuMinutesInUse + o.gpuMinutesInUse,
                gpuMinutesConnectedUnused + o.gpuMinutesConnectedUnused, sessions + o.sessions,
                sessionsRefused + o.sessionsRefused, sessionsLost + o.sessionsLost, wakes + o.wakes,
                wakeWaitMinutes + o.wakeWaitMinutes, shelves + o.shelves,
                shelvedWhileConnected + o.shelvedWhileConnected, jobs + o.jobs, jobsInterrupted + o.jobsInterrupted,
                forcedDisconnects + o.forcedDisconnects);
    }
}
