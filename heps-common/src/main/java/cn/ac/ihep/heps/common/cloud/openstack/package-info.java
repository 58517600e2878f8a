/**
 * The OpenStack {@link cn.ac.ihep.heps.common.cloud.CloudProvider}; openstack4j types stay in
 * this package.
 *
 * <p>Build one with {@link cn.ac.ihep.heps.common.cloud.openstack.OpenStackCloudProvider#fromEnvironment()}
 * ({@code OS_CLOUD} + clouds.yaml, or {@code OS_*} variables), or pass
 * {@link cn.ac.ihep.heps.common.cloud.openstack.OpenStackCredentials} explicitly (the Guacamole
 * extension reads them from its {@code heps-openstack-*} properties) inside
 * {@link cn.ac.ihep.heps.common.cloud.openstack.OpenStackSettings}, which also holds the compute
 * microversion (default 2.37, allowed 2.26 to 2.46) and the connect and read timeouts.
 *
 * <p>How it talks to OpenStack: one Keystone token shared by every thread, renewed five minutes
 * before it expires and replaced when Keystone revokes it; an openstack4j client per call on
 * that token, with {@code OpenStack-API-Version: compute <version>} on every request; servers are
 * booted through Nova's JSON API at 2.52 so their tags are part of the boot request; Glance image
 * properties and Placement (absent from openstack4j) through their JSON APIs. Failures become
 * {@link cn.ac.ihep.heps.common.cloud.CloudUnavailableException} (unreachable, timed out, 502-504),
 * {@link cn.ac.ihep.heps.common.cloud.CloudNotFoundException} (404) or
 * {@link cn.ac.ihep.heps.common.cloud.CloudException}, with what was being done in the message.
 *
 * <p>Inside a Guacamole extension, bundle {@code openstack4j-core} with
 * {@code openstack4j-okhttp}: core finds the connector with ServiceLoader on its own class
 * loader, so the extension's child-first loader works.
 */
package cn.ac.ihep.heps.common.cloud.openstack;
