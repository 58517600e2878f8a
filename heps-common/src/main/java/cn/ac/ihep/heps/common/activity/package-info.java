/**
 * The activity report between the VM resolver (which holds the Guacamole sessions) and the
 * provisioning agent (which shelves idle desktops): one shape for both sides of
 * {@code POST /v1/desktop-activity}.
 */
package cn.ac.ihep.heps.common.activity;
