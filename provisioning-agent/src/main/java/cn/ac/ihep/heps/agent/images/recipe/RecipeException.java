package cn.ac.ihep.heps.agent.images.recipe;

import java.util.List;
import java.util.stream.Collectors;

/** The recipes have problems; every one found is listed, not only the first. */
public class RecipeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient List<RecipeProblem> problems;

    public RecipeException(List<RecipeProblem> problems) {
        super(problems.stream().map(RecipeProblem::toString).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<RecipeProblem> problems() {
        return problems;
    }
}
