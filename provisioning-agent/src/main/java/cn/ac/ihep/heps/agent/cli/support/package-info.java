/**
 * What every {@code heps} verb shares: {@code --output table|json} ({@link
 * cn.ac.ihep.heps.agent.cli.support.OutputOptions}), tables ({@link
 * cn.ac.ihep.heps.agent.cli.support.TablePrinter}), progress on stderr ({@link
 * cn.ac.ihep.heps.agent.cli.support.Progress}), and exit codes 0/1/2 with errors that say
 * what to do ({@link cn.ac.ihep.heps.agent.cli.support.ErrorReporting}).
 *
 * <p>A verb throws {@link cn.ac.ihep.heps.agent.cli.support.BadInputException} for bad
 * input (exit 2) and {@link cn.ac.ihep.heps.agent.cli.support.CommandFailedException} when
 * the work failed (exit 1).
 */
package cn.ac.ihep.heps.agent.cli.support;
