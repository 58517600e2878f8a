package cn.ac.ihep.heps.agent.images.recipe;

/**
 * One thing wrong with a recipe, located so an editor can jump to it.
 *
 * @param file the file as the operator names it (relative to the repository root when possible)
 * @param line 1-based line, or 0 when the problem concerns the whole file
 * @param field the field path, e.g. {@code components[2]}, or empty for the whole file
 */
public record RecipeProblem(String file, int line, String field, String message) {

    @Override
    public String toString() {
        return file + (line > 0 ? ":" + line : "") + ": " + message;
    }
}
