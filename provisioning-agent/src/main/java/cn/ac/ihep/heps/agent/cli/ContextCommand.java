package cn.ac.ihep.heps.agent.cli;

import cn.ac.ihep.heps.agent.agent.AgentContext;
import cn.ac.ihep.heps.agent.cli.support.BadInputException;
import cn.ac.ihep.heps.agent.cli.support.CommandFailedException;
import cn.ac.ihep.heps.agent.config.ConfigurationException;
import cn.ac.ihep.heps.agent.desktop.DesktopRequestRefused;
import cn.ac.ihep.heps.agent.experiment.InvalidExperimentException;
import cn.ac.ihep.heps.agent.store.StoreException;
import cn.ac.ihep.heps.common.cloud.CloudException;
import cn.ac.ihep.heps.common.cloud.CloudUnavailableException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Base of verbs that need the agent's parts. Turns the agent's failures into the CLI's:
 * configuration problems are bad input (exit 2), cloud and database failures exit 1 with
 * a hint.
 */
abstract class ContextCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    AgentContext context() {
        return ((HepsCommand) spec.root().userObject()).context();
    }

    @Override
    public final Integer call() throws Exception {
        try {
            return execute();
        } catch (ConfigurationException e) {
            throw new BadInputException(e.getMessage());
        } catch (InvalidExperimentException e) {
            // A refused experiment or member, a quota among them: bad input, every field named.
            throw new BadInputException(e.getMessage(), e.errors().stream().map(Object::toString).toList());
        } catch (DesktopRequestRefused e) {
            // Not now (the desktop's state) is a failure; everything else is what was asked.
            if (e.reason() == DesktopRequestRefused.Reason.CONFLICT) {
                throw new CommandFailedException(e.getMessage(), e);
            }
            throw new BadInputException(e.getMessage(), e.errors().stream().map(Object::toString).toList());
        } catch (CloudUnavailableException e) {
            throw new CommandFailedException("OpenStack is unreachable: " + e.getMessage()
                    + " (check OS_CLOUD / clouds.yaml, and for the local test bed run dev/openstack/up)", e);
        } catch (CloudException e) {
            throw new CommandFailedException("OpenStack refused: " + e.getMessage(), e);
        } catch (StoreException e) {
            throw new CommandFailedException(e.getMessage(), e);
        }
    }

    abstract Integer execute() throws Exception;
}
