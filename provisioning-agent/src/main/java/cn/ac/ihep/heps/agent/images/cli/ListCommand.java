package cn.ac.ihep.heps.agent.images.cli;

import cn.ac.ihep.heps.agent.cli.support.ExitCode;
import cn.ac.ihep.heps.agent.cli.support.Progress;
import cn.ac.ihep.heps.agent.cli.support.TablePrinter;
import cn.ac.ihep.heps.agent.images.catalog.ImageCatalog;
import cn.ac.ihep.heps.agent.images.catalog.ImageVersion;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code heps images list}: the built images of each beamline, newest first, with the current one marked. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = {"List each beamline's built images in Glance, newest first. CURRENT marks the image new desktops",
                "boot: the one promoted (heps_current=true), else the newest."})
class ListCommand extends ImagesVerb {

    @Parameters(paramLabel = "BEAMLINE", arity = "0..*", description = "Beamlines to list (default: all).")
    List<String> named;

    @Override
    Integer execute() {
        List<String> ids = beamlines(library(), named);
        ImageCatalog catalog = new ImageCatalog(cloud());
        List<ImageVersion> versions = new ArrayList<>();
        try (Progress progress = Progress.onStderr()) {
            for (String id : ids) {
                progress.step("reading images of " + id);
                versions.addAll(catalog.versions(id));
            }
        }
        TablePrinter table = new TablePrinter("BEAMLINE", "IMAGE", "NAME", "CREATED", "CURRENT", "HASH", "COMPONENTS");
        output.printer().printList(versions, table, v -> table.row(v.beamline(), v.imageId(), v.name(), v.created(),
                v.current() ? (v.promoted() ? "yes (promoted)" : "yes") : "", shortHash(v.recipeHash()),
                String.join(" ", v.components())
                        + (v.skippedComponents().isEmpty() ? "" : " (skipped: " + String.join(" ", v.skippedComponents()) + ")")));
        return ExitCode.OK;
    }
}
