package cn.ac.ihep.heps.agent.images.cli;

import cn.ac.ihep.heps.agent.cli.support.ExitCode;
import cn.ac.ihep.heps.agent.images.catalog.ImageCatalog;
import cn.ac.ihep.heps.agent.images.catalog.ImageVersion;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code heps images promote}: make a chosen image the beamline's current one (e.g. to roll back). */
@Command(name = "promote", mixinStandardHelpOptions = true,
        description = {"Make IMAGE the current image of BEAMLINE: new desktops boot it. It gets heps_current=true and the",
                "beamline's other images lose it. Use it to roll back to an older version. Running desktops are not touched."})
class PromoteCommand extends ImagesVerb {

    @Parameters(index = "0", paramLabel = "BEAMLINE", description = "The beamline.")
    String beamline;

    @Parameters(index = "1", paramLabel = "IMAGE", description = "The Glance image id (see 'heps images list').")
    String imageId;

    @Override
    Integer execute() {
        beamlines(library(), List.of(beamline));
        ImageCatalog catalog = new ImageCatalog(cloud());
        catalog.promote(beamline, imageId);
        ImageVersion current = catalog.versions(beamline).stream().filter(ImageVersion::current).findFirst().orElseThrow();
        output.printer().printObject(current, out -> out.println("Image " + current.imageId() + " (" + current.name()
                + ") is now the current image of " + beamline));
        return ExitCode.OK;
    }
}
