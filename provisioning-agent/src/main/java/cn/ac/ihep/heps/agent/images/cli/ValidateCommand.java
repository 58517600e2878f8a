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
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code heps images validate}: every recipe against the schema, and (with --site) every input set. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Check every component, beamline and base image recipe: known fields, types, component references and",
                "inputs. Errors name the file, line and field. With --site, also check every required input has a value.",
                "Exit codes: 0 valid, 2 problems found."})
class ValidateCommand extends ImagesVerb {

    /** One valid beamline, as printed. */
    record ValidBeamline(String id, String title, String os, boolean gpu, List<String> components, String recipeHash) {
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
        if (siteFile != null) {
            InputResolver resolver = new InputResolver(site);
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
            RecipeFingerprint fingerprint = hasher.fingerprint(beamline, library);
            return new ValidBeamline(beamline.id(), beamline.title(), beamline.os().wireName(), beamline.gpu(),
                    fingerprint.componentVersions(), fingerprint.recipeHash());
        }).toList();
        List<String> baseImages = bases.stream().map(BaseImageBuilder::imageName).toList();
        Validation result = new Validation(true, library.components().size(), beamlines, baseImages, siteFile != null);
        output.printer().printObject(result, out -> {
            TablePrinter table = new TablePrinter("BEAMLINE", "OS", "GPU", "HASH", "COMPONENTS");
            beamlines.forEach(b -> table.row(b.id(), b.os(), b.gpu() ? "yes" : "no", shortHash(b.recipeHash()),
                    String.join(" ", b.components())));
            table.print(out);
            out.println(library.components().size() + " components, " + beamlines.size() + " beamlines and "
                    + baseImages.size() + " base image recipe(s) (" + String.join(", ", baseImages) + ") are valid"
                    + (siteFile != null ? "; every required input has a value" : " (inputs not checked: pass --site)"));
        });
        return ExitCode.OK;
    }
}
