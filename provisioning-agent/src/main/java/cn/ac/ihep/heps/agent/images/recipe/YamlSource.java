package cn.ac.ihep.heps.agent.images.recipe;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * One recipe file read as a YAML node tree, so every value keeps its line, plus typed accessors
 * that record a {@link RecipeProblem} (file, line, field) instead of failing on the first error.
 */
final class YamlSource {

    private final String file;
    private final List<RecipeProblem> problems;

    YamlSource(String file, List<RecipeProblem> problems) {
        this.file = file;
        this.problems = problems;
    }

    String file() {
        return file;
    }

    /** The document's root node, or empty (with a problem recorded) when the text is not YAML. */
    Optional<Node> parse(String text) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(10);
        try {
            Node root = new Yaml(options).compose(new java.io.StringReader(text));
            if (root == null) {
                problem(null, "", "the file is empty");
            }
            return Optional.ofNullable(root);
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            int line = mark == null ? 0 : mark.getLine() + 1;
            problems.add(new RecipeProblem(file, line, "", "not valid YAML: " + e.getProblem()));
            return Optional.empty();
        } catch (RuntimeException e) {
            problems.add(new RecipeProblem(file, 0, "", "not valid YAML: " + e.getMessage()));
            return Optional.empty();
        }
    }

    void problem(Node at, String field, String message) {
        problems.add(new RecipeProblem(file, line(at), field, message));
    }

    static int line(Node node) {
        return node == null ? 0 : node.getStartMark().getLine() + 1;
    }

    /** A mapping whose keys must all be in {@code known}; an unknown key is reported with the nearest known one. */
    Optional<Fields> mapping(Node node, String path, Collection<String> known) {
        if (!(node instanceof MappingNode mapping)) {
            problem(node, path, (path.isEmpty() ? "the document" : "'" + path + "'") + " must be a mapping of fields");
            return Optional.empty();
        }
        Map<String, NodeTuple> entries = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            if (!(tuple.getKeyNode() instanceof ScalarNode keyNode)) {
                problem(tuple.getKeyNode(), path, "a field name must be a plain word");
                continue;
            }
            String key = keyNode.getValue();
            String fieldPath = join(path, key);
            if (known != null && !known.contains(key)) {
                String advice = NameSuggester.nearest(key, known)
                        .map(k -> "; did you mean '" + join(path, k) + "'?")
                        .orElse(" (known fields: " + String.join(", ", known) + ")");
                problem(keyNode, fieldPath, "field '" + fieldPath + "' is not known" + advice);
                continue;
            }
            if (entries.containsKey(key)) {
                problem(keyNode, fieldPath, "field '" + fieldPath + "' appears twice");
                continue;
            }
            entries.put(key, tuple);
        }
        return Optional.of(new Fields(mapping, path, entries));
    }

    Optional<List<Node>> sequence(Node node, String path) {
        if (!(node instanceof SequenceNode sequence)) {
            problem(node, path, "'" + path + "' must be a list");
            return Optional.empty();
        }
        return Optional.of(sequence.getValue());
    }

    Optional<String> scalar(Node node, String path) {
        if (!(node instanceof ScalarNode scalar) || scalar.getTag().equals(Tag.NULL)) {
            problem(node, path, "'" + path + "' must be a single value");
            return Optional.empty();
        }
        return Optional.of(scalar.getValue());
    }

    static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** The fields of one mapping node. */
    final class Fields {
        private final MappingNode node;
        private final String path;
        private final Map<String, NodeTuple> entries;

        private Fields(MappingNode node, String path, Map<String, NodeTuple> entries) {
            this.node = node;
            this.path = path;
            this.entries = entries;
        }

        MappingNode node() {
            return node;
        }

        Set<String> names() {
            return entries.keySet();
        }

        Optional<Node> value(String key) {
            NodeTuple tuple = entries.get(key);
            return tuple == null ? Optional.empty() : Optional.of(tuple.getValueNode());
        }

        Node keyNode(String key) {
            NodeTuple tuple = entries.get(key);
            return tuple == null ? node : tuple.getKeyNode();
        }

        String path(String key) {
            return join(path, key);
        }

        /** A required field; reported at the mapping's first line when missing. */
        Optional<Node> required(String key) {
            Optional<Node> value = value(key);
            if (value.isEmpty()) {
                problem(node, path(key), "field '" + path(key) + "' is required");
            }
            return value;
        }

        Optional<String> requiredString(String key) {
            return required(key).flatMap(value -> nonBlank(value, path(key)));
        }

        Optional<String> optionalString(String key) {
            return value(key).flatMap(value -> nonBlank(value, path(key)));
        }

        boolean optionalBoolean(String key, boolean defaultValue) {
            Optional<Node> value = value(key);
            if (value.isEmpty()) {
                return defaultValue;
            }
            if (value.get() instanceof ScalarNode scalar && scalar.getTag().equals(Tag.BOOL)) {
                return Boolean.parseBoolean(scalar.getValue());
            }
            problem(value.get(), path(key), "'" + path(key) + "' must be true or false");
            return defaultValue;
        }

        /** A map of plain names to single values (Glance properties, input values). */
        Map<String, String> stringMap(String key) {
            Map<String, String> values = new LinkedHashMap<>();
            value(key).flatMap(value -> mapping(value, path(key), null)).ifPresent(fields -> {
                for (String name : fields.names()) {
                    fields.value(name).flatMap(value -> scalar(value, fields.path(name)))
                            .ifPresent(text -> values.put(name, text));
                }
            });
            return values;
        }

        private Optional<String> nonBlank(Node value, String fieldPath) {
            Optional<String> text = scalar(value, fieldPath);
            if (text.isPresent() && text.get().isBlank()) {
                problem(value, fieldPath, "'" + fieldPath + "' must not be empty");
                return Optional.empty();
            }
            return text;
        }

        List<Node> list(String key, boolean required) {
            Optional<Node> value = required ? required(key) : value(key);
            return value.flatMap(v -> sequence(v, path(key))).orElseGet(ArrayList::new);
        }
    }
}
