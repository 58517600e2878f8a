package cn.ac.ihep.heps.bench.gpu;

import cn.ac.ihep.heps.agent.gpu.GpuCalendarPlanner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one GPU plan costs the reconcile pass: {@link GpuCalendarPlanner#plan} for
 * {@code known} future desktops of a synthetic 80 %-load trace on the simulation's 56-GPU
 * cluster, with the hosts half full of desktops that end over the next days.
 *
 * <p>{@code java -jar bench/target/benchmarks.jar GpuCalendarPlanBenchmark -f1 -wi 2 -i 3 -w 2s -r 2s}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class GpuCalendarPlanBenchmark {

    /** Desktops the agent knows of and has not booted yet. */
    @Param({"100", "1000", "3000"})
    int known;

    private final GpuCalendarPlanner planner = new GpuCalendarPlanner();
    private List<GpuCalendarPlanner.Host> hosts;
    private List<GpuCalendarPlanner.Occupied> occupied;
    private List<GpuCalendarPlanner.Wanted> wanted;
    private long now;

    @Setup
    public void setUp() {
        GpuCluster cluster = GpuCluster.of(GpuPlacementSimulation.RESOURCE_CLASS, 6, 4);
        hosts = cluster.hosts().stream().map(h -> new GpuCalendarPlanner.Host(h.name(), h.gpus())).toList();
        List<DesktopRequest> trace = BeamtimeTrace.generate(1, 0.8, cluster.totalGpus(), 365);
        now = 24L * 30;
        occupied = new ArrayList<>();
        int[] free = cluster.hosts().stream().mapToInt(GpuCluster.Host::gpus).toArray();
        int h = 0;
        wanted = new ArrayList<>();
        for (DesktopRequest d : trace) {
            if (d.start() < now && d.end() > now && free[h] >= d.gpus() && free[h] > cluster.hosts().get(h).gpus() / 2) {
                occupied.add(new GpuCalendarPlanner.Occupied(cluster.hosts().get(h).name(), d.gpus(), d.end()));
                free[h] -= d.gpus();
                h = (h + 1) % free.length;
            } else if (d.start() >= now && wanted.size() < known) {
                wanted.add(new GpuCalendarPlanner.Wanted(Integer.toString(d.id()), d.start(), d.end(), d.gpus()));
            }
        }
        if (wanted.size() < known) {
            throw new IllegalStateException("the trace has only " + wanted.size() + " future desktops");
        }
    }

    @Benchmark
    public Map<String, GpuCalendarPlanner.Slot> plan() {
        return planner.plan(hosts, occupied, wanted, now);
    }
}
