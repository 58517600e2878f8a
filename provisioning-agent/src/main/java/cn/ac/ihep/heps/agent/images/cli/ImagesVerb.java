package cn.ac.ihep.heps.agent.images.cli;

import cn.ac.ihep.heps.agent.cli.HepsCommand;
import cn.ac.ihep.heps.agent.cli.support.BadInputException;
import cn.ac.ihep.heps.agent.cli.support.CommandFailedException;
import cn.ac.ihep.heps.agent.cli.support.OutputOptions;
import cn.ac.ihep.heps.agent.config.ConfigurationException;
import cn.ac.ihep.heps.agent.images.build.BuildFailedException;
import cn.ac.ihep.heps.agent.images.recipe.RecipeException;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLibrary;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLoader;
import cn.ac.ihep.heps.agent.images.recipe.RecipeProblem;
import cn.ac.ihep.heps.agent.images.recipe.SiteConfig;
import cn.ac.ihep.heps.agent.images.recipe.SiteConfigLoader;
import cn.ac.ihep.heps.common.cloud.CloudException;
import cn.ac.ihep.heps.common.cloud.CloudNotFoundException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudUnavailableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What every {@code heps images} verb shares: where the recipes and the site file are, the
 * output format, the cloud, and the mapping of failures to exit codes (recipe problems are bad
 * input, exit 2; cloud and build failures exit 1).
 */
abstract class ImagesVerb implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Option(names = "--images", paramLabel = "DIR", defaultValue = "${env:HEPS_IMAGES_DIR:-images}",
            description = "The recipes directory, with components/ and beamlines/ (default: $HEPS_IMAGES_DIR, else ./images).")
    Path imagesDir;

    @Option(names = "--site", paramLabel = "FILE", defaultValue = "${env:HEPS_IMAGES_SITE}",
            description = "The site file: input values (artifact store URLs and sha256s, licence servers, domain, storage) "
                    + "and build settings (default: $HEPS_IMAGES_SITE).")
    Path siteFile;

    @Override
    public final Integer call() {
        try {
            return execute();
        } catch (RecipeException e) {
            throw new BadInputException(e.problems().size() + " problem(s) in the image recipes",
                    e.problems().stream().map(RecipeProblem::toString).toList());
        } catch (ConfigurationException | IllegalArgumentException e) {
            throw new BadInputException(e.getMessage());
        } catch (BuildFailedException e) {
            throw new CommandFailedException(e.getMessage(), e);
        } catch (CloudUnavailableException e) {
            throw new CommandFailedException("OpenStack is unreachable: " + e.getMessage()
                    + " (check OS_CLOUD / clouds.yaml, and for the local test bed run dev/openstack/up)", e);
        } catch (CloudNotFoundException e) {
            throw new BadInputException(e.getMessage());
        } catch (CloudException e) {
            throw new CommandFailedException("OpenStack refused: " + e.getMessage(), e);
        }
    }

    abstract Integer execute();

    RecipeLibrary library() {
        return new RecipeLoader(imagesDir).load();
    }

    SiteConfig site() {
        if (siteFile == null) {
            return SiteConfig.empty();
        }
        if (!Files.isRegularFile(siteFile)) {
            throw new BadInputException("The site file " + siteFile + " does not exist: pass an existing file with --site or HEPS_IMAGES_SITE");
        }
        return new SiteConfigLoader().load(siteFile);
    }

    CloudProvider cloud() {
        return ((HepsCommand) spec.root().userObject()).context().cloud();
    }

    /** The named beamlines (checked), or all of them when none is named. */
    static List<String> beamlines(RecipeLibrary library, List<String> named) {
        if (named == null || named.isEmpty()) {
            return new ArrayList<>(library.beamlines().keySet());
        }
        List<String> problems = new ArrayList<>();
        for (String id : named) {
            if (library.beamline(id).isEmpty()) {
                problems.add("no beamline '" + id + "' in images/beamlines"
                        + cn.ac.ihep.heps.agent.images.recipe.NameSuggester.hint(id, library.beamlines().keySet()));
            }
        }
        if (!problems.isEmpty()) {
            throw new BadInputException("Unknown beamline", problems);
        }
        return List.copyOf(named);
    }

    static String shortHash(String hash) {
        return hash == null || hash.length() < 12 ? (hash == null ? "-" : hash) : hash.substring(0, 12);
    }
}
