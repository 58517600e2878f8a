package cn.ac.ihep.heps.agent.images.cli;

import cn.ac.ihep.heps.agent.cli.support.ExitCode;
import cn.ac.ihep.heps.agent.cli.support.Progress;
import cn.ac.ihep.heps.agent.cli.support.TablePrinter;
import cn.ac.ihep.heps.agent.images.base.BaseImageBuilder;
import cn.ac.ihep.heps.agent.images.base.BaseImageKey;
import cn.ac.ihep.heps.agent.images.base.BuiltBaseImage;
import cn.ac.ihep.heps.agent.images.recipe.BaseImageRecipe;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code heps images base build}: a base image's qcow2, from the cache when its recipe is unchanged. */
@Command(name = "build", mixinStandardHelpOptions = true,
        description = {"Build each named base image (default: all in images/base) into the cache with mmdebstrap,",
                "or reuse the cached one when the recipe and its package list are unchanged. Needs root and",
                "mmdebstrap, e2fsprogs, fdisk and qemu-utils; packages come only from the recipe's mirrors."})
class BaseBuildCommand extends BaseVerb {

    @Option(names = "--rebuild", description = "Build again even when the cache has the image (e.g. to take security updates).")
    boolean rebuild;

    /** One row of the result. */
    record Result(String name, String key, String file, long sizeBytes, boolean cached, long seconds) {
    }

    @Override
    Integer execute() {
        List<BaseImageRecipe> recipes = recipes();
        BaseImageBuilder builder = builder();
        List<Result> results = new ArrayList<>();
        try (Progress progress = Progress.onStderr()) {
            for (BaseImageRecipe recipe : recipes) {
                BuiltBaseImage image = build(builder, recipe, rebuild, progress);
                results.add(new Result(image.name(), image.key(), image.qcow2().toString(), image.sizeBytes(), image.cached(),
                        image.elapsed().toSeconds()));
            }
        }
        TablePrinter table = new TablePrinter("IMAGE", "KEY", "FILE", "SIZE", "RESULT");
        output.printer().printList(results, table, result -> table.row(result.name(), BaseImageKey.shortForm(result.key()),
                result.file(), megabytes(result.sizeBytes()), describe(result)));
        return ExitCode.OK;
    }

    static String describe(Result result) {
        return result.cached() ? "cached (same recipe and packages)" : "built in " + result.seconds() + " s";
    }
}
