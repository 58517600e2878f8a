package cn.ac.ihep.heps.agent.cli;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar manifest, or "development" when run from classes. */
public class HepsVersion implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = HepsCommand.class.getPackage().getImplementationVersion();
        return new String[] {"heps " + (version == null ? "development" : version)};
    }
}
