package cn.ac.ihep.heps.agent.images.cli;

import cn.ac.ihep.heps.agent.cli.support.ExitCode;
import cn.ac.ihep.heps.agent.cli.support.OutputFormat;
import cn.ac.ihep.heps.agent.cli.support.TablePrinter;
import cn.ac.ihep.heps.agent.images.base.BaseImageBuilder;
import cn.ac.ihep.heps.agent.images.hash.RecipeFingerprint;
import cn.ac.ihep.heps.agent.images.hash.RecipeHasher;
import cn.ac.ihep.heps.agent.images.recipe.BaseImageParser;
import cn.ac.ihep.heps.agent.images.recipe.BaseImageRecipe;
import cn.ac.ihep.heps.agent.images.recipe.BeamlineRecipe;
import cn.ac.ihep.heps.agent.images.recipe.InputResolver;
import cn.ac.ihep.heps.agent.images.recipe.RecipeException;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLibrary;
import cn.ac.ihep.heps.agent.images.recipe.RecipeProblem;
import cn.ac.ihep.heps.agent.images.recipe.SiteConfig;
import cn.ac.ihep.heps.agent.images.recipe.SiteConfigLoader;
import cn.ac.ihep.heps.agent.images.recipe.SkippedComponent;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code heps images validate}: every recipe against the schema, and (with --site) every input set. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Check every component, beamline and base image recipe: known fields, types, component references and",
                "inputs. Errors name the file, line and field. With --site, also check every required input has a value.",
                "Components whose site-provided input (installer, licence server, mirror) is unset are listed as skipped.",
                "Exit codes: 0 valid, 2 problems found."})
class ValidateCommand extends ImagesVerb {

    /** One valid beamline, as printed: {@code components} are those its image gets with this site file. */
    record ValidBeamline(String id, String title, String os, boolean gpu, List<String> components, List<SkippedComponent> skipped,
            String recipeHash) {
    }

    /** The JSON result. */
    record Validation(boolean valid, int components, List<ValidBeamline> beamlines, List<String> baseImages, boolean inputsChecked) {
    }

    /** The JSON result when recipes have problems (the table format reports them on stderr). */
    record Invalid(boolean valid, List<RecipeProblem> problems) {
    }

    @Override
    Integer execute() {
        try {
            return validate();
        } catch (RecipeException e) {
            if (output.format() != OutputFormat.json) {
                throw e;
            }
            // Editors and CI read the problems with their file, line and field from stdout.
            output.printer().printJson(new Invalid(false, e.problems()));
            return ExitCode.BAD_INPUT;
        }
    }

    private Integer validate() {
        RecipeLibrary loaded = null;
        List<BaseImageRecipe> bases;
        List<RecipeProblem> recipeProblems = new ArrayList<>();
        try {
            loaded = library();
        } catch (RecipeException e) {
            recipeProblems.addAll(e.problems());
        }
        try {
            bases = new BaseImageParser().loadAll(imagesDir);
        } catch (RecipeException e) {
            bases = List.of();
            recipeProblems.addAll(e.problems());
        }
        if (!recipeProblems.isEmpty()) {
            throw new RecipeException(recipeProblems);
        }
        RecipeLibrary library = loaded;
        SiteConfig site = site();
        InputResolver resolver = new InputResolver(site);
        if (siteFile != null) {
            List<RecipeProblem> problems = new ArrayList<>(new SiteConfigLoader().unknownInputs(siteFile, site, library));
            for (BeamlineRecipe beamline : library.beamlines().values()) {
                try {
                    resolver.resolve(beamline, library);
                } catch (RecipeException e) {
                    problems.addAll(e.problems());
                }
            }
            if (!problems.isEmpty()) {
                throw new RecipeException(problems);
            }
        }
        RecipeHasher hasher = new RecipeHasher();
        List<ValidBeamline> beamlines = library.beamlines().values().stream().map(beamline -> {
            // Without --site nothing site-provided is set, so the list shows what a build without one would skip.
            List<SkippedComponent> skipped = resolver.skipped(beamline, library);
            RecipeFingerprint fingerprint = hasher.fingerprint(beamline, library,
                    skipped.stream().map(SkippedComponent::component).toList());
            return new ValidBeamline(beamline.id(), beamline.title(), beamline.os().wireName(), beamline.gpu(),
                    fingerprint.componentVersions(), skipped, fingerprint.recipeHash());
        }).toList();
        List<String> baseImages = bases.stream().map(BaseImageBuilder::imageName).toList();
        Validation result = new Validation(true, library.components().size(), beamlines, baseImages, siteFile != null);
        output.printer().printObject(result, out -> {
            TablePrinter table = new TablePrinter("BEAMLINE", "OS", "GPU", "HASH", "COMPONENTS");
            beamlines.forEach(b -> table.row(b.id(), b.os(), b.gpu() ? "yes" : "no", shortHash(b.recipeHash()),
                    String.join(" ", b.components())));
            table.print(out);
            beamlines.forEach(b -> b.skipped().forEach(skip -> out.println(b.id() + ": " + skip.describe())));
            out.println(library.components().size() + " components, " + beamlines.size() + " beamlines and "
                    + baseImages.size() + " base image recipe(s) (" + String.join(", ", baseImages) + ") are valid"
                    + (siteFile != null ? "; every required input has a value" : " (inputs not checked: pass --site)"));
        });
        return ExitCode.OK;
    }
}
