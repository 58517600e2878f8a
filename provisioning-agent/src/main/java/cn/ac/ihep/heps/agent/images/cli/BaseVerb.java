package cn.ac.ihep.heps.agent.images.cli;

import cn.ac.ihep.heps.agent.cli.support.BadInputException;
import cn.ac.ihep.heps.agent.cli.support.CommandFailedException;
import cn.ac.ihep.heps.agent.cli.support.Progress;
import cn.ac.ihep.heps.agent.images.base.BaseImageBuildException;
import cn.ac.ihep.heps.agent.images.base.BaseImageBuilder;
import cn.ac.ihep.heps.agent.images.base.BuiltBaseImage;
import cn.ac.ihep.heps.agent.images.recipe.BaseImageParser;
import cn.ac.ihep.heps.agent.images.recipe.BaseImageRecipe;
import cn.ac.ihep.heps.agent.images.recipe.NameSuggester;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** What the {@code heps images base} verbs share: the named recipes and the cache they are built into. */
abstract class BaseVerb extends ImagesVerb {

    @Parameters(paramLabel = "NAME", arity = "0..*", description = "Base images (default: all in images/base).")
    List<String> named;

    @Option(names = "--cache", paramLabel = "DIR",
            description = "Where built images are kept (default: $HEPS_BASE_IMAGE_CACHE, else ~/.cache/heps/base-images).")
    Path cacheDir;

    BaseImageBuilder builder() {
        return new BaseImageBuilder(cacheDir != null ? cacheDir : BaseImageBuilder.defaultCacheDir());
    }

    /** The image of {@code recipe} from the cache, or built into it, with the build's stages as progress. */
    static BuiltBaseImage build(BaseImageBuilder builder, BaseImageRecipe recipe, boolean rebuild, Progress progress) {
        try {
            return builder.build(recipe, rebuild, line -> progress.step(recipe.name() + ": " + line));
        } catch (BaseImageBuildException e) {
            throw new CommandFailedException(e.getMessage(), e);
        }
    }

    /** The named recipes (checked, with a suggestion for a misspelt name), or all of them when none is named. */
    List<BaseImageRecipe> recipes() {
        List<BaseImageRecipe> all = new BaseImageParser().loadAll(imagesDir);
        if (all.isEmpty()) {
            throw new BadInputException("No base image recipes in " + imagesDir.resolve(BaseImageParser.BASE_DIR));
        }
        if (named == null || named.isEmpty()) {
            return all;
        }
        List<String> available = all.stream().map(BaseImageRecipe::name).toList();
        List<String> unknown = named.stream().filter(name -> !available.contains(name))
                .map(name -> "no base image '" + name + "' in " + imagesDir.resolve(BaseImageParser.BASE_DIR)
                        + NameSuggester.hint(name, available)).toList();
        if (!unknown.isEmpty()) {
            throw new BadInputException("Unknown base image", unknown);
        }
        return all.stream().filter(recipe -> named.contains(recipe.name())).toList();
    }

    static String megabytes(long bytes) {
        return (bytes + (1 << 19)) / (1 << 20) + " MiB";
    }
}
