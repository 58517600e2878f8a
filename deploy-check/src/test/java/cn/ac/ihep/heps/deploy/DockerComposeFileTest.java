package cn.ac.ihep.heps.deploy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The repository's docker-compose.yml against the property tables and code of the modules it runs. */
class DockerComposeFileTest {

    private static Path repositoryRoot() {
        Path root = Path.of(System.getProperty("heps.repository.root", "..")).toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(root.resolve("docker-compose.yml")), "no docker-compose.yml in " + root);
        return root;
    }

    @Test
    void everyVariableIsDocumentedEveryRequiredPropertySetAndEverySecretAFile() throws Exception {
        Path root = repositoryRoot();
        List<String> problems = new DeploymentCheck(root, ComposeFile.read(root.resolve("docker-compose.yml")),
                DeploymentCheck.HEPS_SERVICES).run();
        assertTrue(problems.isEmpty(), "docker-compose.yml has problems:\n  - " + String.join("\n  - ", problems));
    }
}
