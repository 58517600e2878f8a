package cn.ac.ihep.heps.agent.images.recipe;

import java.util.Collection;
import java.util.Optional;

/** Finds the valid name a typo most likely meant (edit distance, with a bound so it never guesses wildly). */
public final class NameSuggester {

    private NameSuggester() {
    }

    public static Optional<String> nearest(String typed, Collection<String> validNames) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : validNames) {
            int distance = distance(typed.toLowerCase(java.util.Locale.ROOT), candidate.toLowerCase(java.util.Locale.ROOT));
            if (distance < bestDistance || distance == bestDistance && best != null && candidate.compareTo(best) < 0) {
                best = candidate;
                bestDistance = distance;
            }
        }
        // A third of the longer name, at least 2: "componets" finds "components", "foo" finds nothing.
        int limit = best == null ? 0 : Math.max(2, Math.max(typed.length(), best.length()) / 3);
        return best != null && bestDistance <= limit ? Optional.of(best) : Optional.empty();
    }

    /** "; did you mean 'x'?" or an empty string. */
    public static String hint(String typed, Collection<String> validNames) {
        return nearest(typed, validNames).map(name -> "; did you mean '" + name + "'?").orElse("");
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
