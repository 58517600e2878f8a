package cn.ac.ihep.heps.agent.images.recipe;

/**
 * A component left out of a beamline's image because an input only the site can provide is not
 * set (an installer the site has not put in its artifact store, a licence server it has not named).
 *
 * @param component the component's name
 * @param input the first unset site-provided input
 * @param reason what is missing and how to set it, for operators
 */
public record SkippedComponent(String component, String input, String reason) {

    static SkippedComponent of(Component component, InputDeclaration input) {
        return new SkippedComponent(component.name(), input.name(), "input " + input.name()
                + (input.description().isBlank() ? "" : " (" + input.description() + ")") + " is not set; set inputs."
                + component.name() + "." + input.name() + " in the site file to install it");
    }

    /** {@code avizo: skipped, input installer_url (...) is not set; set ... to install it}. */
    public String describe() {
        return component + ": skipped, " + reason;
    }
}
