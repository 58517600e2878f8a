"""The test bed's desktops: every ACTIVE server on heps-vm-network gets a live desktop at its own
fixed address, as a booted guest would have one (README.md, "Desktops").

Nova's fake driver boots nothing, so this daemon plays the guests. About once a second it lists
every server (admin cloud, all projects) and reconciles what runs with what Nova says:

- ACTIVE with an address on heps-vm-network: the guest "boots". A network namespace hv-<8 hex>
  with a veth in heps-br0 holds the VM's address, behind a packet filter that enforces the
  security groups of the VM's Neutron port on what comes in, as Neutron's firewall driver
  would on a compute host (nftables, table inet heps_security_groups in the namespace, renewed
  when the groups, their rules or their members change); the guest's disk is a state directory
  ($HEPS_OPENSTACK_HOME/desktops/<server id>/); at first boot the cloud-config's write_files
  land on that disk and its enrollment step runs inside the namespace. A Linux guest runs Xvfb,
  the identity painter (heps_desktop_painter.py) and, once /etc/heps/vncpasswd exists, x11vnc
  on 5900. A guest whose image has os_type=windows runs xrdp on 3389 instead; when its user data
  enrolls it, it joins the Samba AD test bed's domain with the computer account the agent
  pre-staged (heps_windows_guest.py) and then signs its users in through sssd and xrdp-sesman.
- anything else (SHUTOFF, SHELVED_OFFLOADED, ERROR, ...) or gone: the guest's processes, its
  namespace and its host route go; the disk stays until Nova no longer knows the server.
- a server on the QEMU host (heps-compute-qemu) is a real guest that libvirt plugged into
  heps-br0 and that configured its own address from its config drive: it gets no played desktop,
  only the host route to its address while it is ACTIVE (and the metadata service).

Everything it starts is found again through pid files and namespace names, so a restarted
daemon adopts what still runs and rebuilds what does not. It also serves the metadata service
on 169.254.169.254:80 for the VM network.

usage: heps_desktops.py run            the daemon (dev/openstack/up starts it)
       heps_desktops.py teardown-all   stop every desktop, remove its namespace (dev/openstack/down)
"""
import base64
import binascii
import calendar
import gzip
import hashlib
import http.server
import ipaddress
import json
import logging
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import yaml

HOME = os.environ.get("HEPS_OPENSTACK_HOME", "/var/lib/heps-openstack")
DESKTOPS = os.path.join(HOME, "desktops")
LOG_DIR = os.path.join(HOME, "log")
LIB = os.path.dirname(os.path.abspath(__file__))
PAINTER = os.path.join(LIB, "heps_desktop_painter.py")
WINDOWS_GUEST = os.path.join(LIB, "heps_windows_guest.py")
with open(PAINTER) as _painter:
    PAINTER_SOURCE = _painter.read()   # what this daemon's guests run, whatever replaces the file later
GUEST_BIN = os.path.join(LIB, "guest-bin")   # what a guest script finds first on its PATH
CLOUDS_YAML = os.environ.get("OS_CLIENT_CONFIG_FILE", os.path.join(HOME, "clouds.yaml"))
ADMIN_CLOUD = "heps-dev-admin"

NETWORK_NAME = "heps-vm-network"
SUBNET = ipaddress.ip_network("10.42.0.0/20")
GATEWAY = "10.42.0.1"
METADATA_ADDRESS = "169.254.169.254"
BRIDGE = "heps-br0"
QEMU_HOST = "heps-compute-qemu"   # its guests are real (dev/openstack/lib/configure.sh)

POLL_INTERVAL = 1.0          # s between Nova polls
SECURITY_GROUP_INTERVAL = 2.0  # s between reads of Neutron's ports and security group rules
FULL_LIST_INTERVAL = 60      # s between full server lists; the polls between ask what changed
HTTP_TIMEOUT = 10            # s for one Keystone, Nova or Glance request
COMMAND_TIMEOUT = 10         # s for one ip, openssl, ... command
XVFB_READY_TIMEOUT = 10      # s for Xvfb to accept clients
STOP_GRACE = 3               # s between TERM and KILL
ENROLL_TIMEOUT = 15 * 60     # s: the script tries for 10 min (60 x 10 s) before giving up
RESTART_BACKOFF = 5          # s: a process that keeps dying is restarted at most this often
ROUTE_SWEEP_INTERVAL = 60    # s between checks for host routes nobody owns
DISPLAY_BASE = 100           # Xvfb displays :100, :101, ... (lower ones are left to people)
SCREEN = "1920x1080x24"
VNC_PORT = 5900
RDP_PORT = 3389
ENROLL_COMMAND = "/usr/local/sbin/heps-enroll"
GUEST_PATH = GUEST_BIN + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
PROCESSES = ("xvfb", "painter", "enroll", "x11vnc", "xrdp", "sssd", "sesman")   # what a guest may run
NFT_TABLE = "heps_security_groups"   # the guest's packet filter, in its namespace
JOIN_RETRY = 60              # s between attempts at a domain join that failed
SERVER_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")

log = logging.getLogger("heps-desktops")


def printable(text):
    """A server name or request path as it may appear in the log: quoted, control characters escaped."""
    return json.dumps(str(text), ensure_ascii=True)


def identity_colour(server_id):
    """rrggbb: each channel 0x40 + (byte & 0x7f) of sha256(server id); the painter uses the same."""
    b0, b1, b2 = hashlib.sha256(server_id.encode("utf-8")).digest()[:3]
    return "%02x%02x%02x" % (0x40 + (b0 & 0x7F), 0x40 + (b1 & 0x7F), 0x40 + (b2 & 0x7F))


def command(argv, timeout=COMMAND_TIMEOUT, check=True, env=None, input=None):
    """Runs a short command (input: bytes for its stdin); its output on failure becomes the exception's message."""
    result = subprocess.run(argv, stdin=subprocess.DEVNULL if input is None else None, input=input,
                            capture_output=True, timeout=timeout, env=env)
    if check and result.returncode != 0:
        raise RuntimeError("%s failed (exit %d): %s" % (" ".join(argv[:6]), result.returncode,
                                                         result.stderr.decode(errors="replace").strip()[:300]))
    return result


def ip_json(*args):
    return json.loads(command(["ip", "-j", *args]).stdout or b"[]")


# --- processes, found again through "<pid> <kernel start time>" pid files (as dev/lib/pidfile.sh)

def start_time_of(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return None if fields[0] == "Z" else fields[19]


def live_pid(pid_file):
    try:
        with open(pid_file) as f:
            pid, started = f.read().split()[:2]
        pid = int(pid)
    except (OSError, ValueError):
        return None
    return pid if start_time_of(pid) == started else None


def age_of(pid):
    """Seconds since the process started."""
    try:
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return uptime - int(start_time_of(pid) or 0) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return 0.0


def kill_all(pids, children=()):
    """TERM, then KILL what is left after STOP_GRACE. Each process leads its own group."""
    pids = set(pids)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            for target in (-pid, pid):
                try:
                    os.kill(target, sig)
                except OSError:
                    pass
        deadline = time.monotonic() + STOP_GRACE
        while time.monotonic() < deadline:
            for child in children:
                child.poll()   # reap our own, or they linger as zombies
            pids = {pid for pid in pids if start_time_of(pid) is not None}
            if not pids:
                return
            time.sleep(0.05)
    if pids:
        log.error("processes %s survived KILL", sorted(pids))


def netns_pids(netns):
    result = command(["ip", "netns", "pids", netns], check=False)
    return [int(p) for p in result.stdout.split()] if result.returncode == 0 else []


# --- the cloud, over plain HTTP (one token, refreshed before it expires)

class CloudError(Exception):
    pass


class Cloud:
    def __init__(self, clouds_yaml, name):
        with open(clouds_yaml) as f:
            cloud = yaml.safe_load(f)["clouds"][name]
        self.auth = cloud["auth"]
        self.region = cloud.get("region_name", "RegionOne")
        self.interface = cloud.get("interface", "public")
        self.token = None
        self.expires = 0.0
        self.endpoints = {}
        self.os_types = {}

    def _authenticate(self):
        a = self.auth
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": a["username"], "password": a["password"],
                "domain": {"name": a.get("user_domain_name", "Default")}}}},
            "scope": {"project": {"name": a["project_name"],
                                  "domain": {"name": a.get("project_domain_name", "Default")}}}}}
        request = urllib.request.Request(a["auth_url"].rstrip("/") + "/auth/tokens", method="POST",
                                         data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
                token = response.headers["X-Subject-Token"]
                data = json.load(response)["token"]
        except (OSError, ValueError, KeyError) as e:
            raise CloudError("Keystone: %s" % e) from None
        endpoints = {}
        for service in data.get("catalog", []):
            for endpoint in service["endpoints"]:
                if endpoint["interface"] == self.interface and \
                        endpoint.get("region_id", endpoint.get("region")) == self.region:
                    endpoints[service["type"]] = endpoint["url"].rstrip("/")
        self.token, self.endpoints = token, endpoints
        # Renewed ten minutes before Keystone's expiry (an hour by default), on the monotonic clock.
        try:
            remaining = calendar.timegm(time.strptime(data["expires_at"][:19], "%Y-%m-%dT%H:%M:%S")) - time.time()
        except (KeyError, ValueError):
            remaining = 3600
        self.expires = time.monotonic() + max(60.0, remaining - 600)

    def get(self, service, path, headers=None):
        """JSON of a GET; None for 404."""
        for attempt in (1, 2):
            if self.token is None or time.monotonic() > self.expires:
                self._authenticate()
            if service not in self.endpoints:
                raise CloudError("no %s endpoint in the catalog" % service)
            url = path if path.startswith("http") else self.endpoints[service] + path
            request = urllib.request.Request(url, headers={"X-Auth-Token": self.token,
                                                           "Accept": "application/json", **(headers or {})})
            try:
                with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
                    return json.load(response)
            except urllib.error.HTTPError as e:
                if e.code == 401 and attempt == 1:
                    self.token = None
                    continue
                if e.code == 404:
                    return None
                raise CloudError("%s %s: HTTP %d" % (service, path.split("?")[0], e.code)) from None
            except (OSError, ValueError) as e:
                raise CloudError("%s %s: %s" % (service, path.split("?")[0], e)) from None
        raise CloudError("%s %s: refused twice" % (service, path))

    # 2.3 is the first microversion with OS-EXT-SRV-ATTR:user_data and :hostname.
    COMPUTE = {"OpenStack-API-Version": "compute 2.3", "X-OpenStack-Nova-API-Version": "2.3"}

    def servers(self, changes_since=None):
        """Every server of every project; with changes_since (ISO 8601 UTC) only those changed
        since then, deleted ones included (status DELETED)."""
        servers, path = [], "/servers/detail?all_tenants=1"
        if changes_since:
            path += "&changes-since=" + urllib.parse.quote(changes_since)
        while path:
            page = self.get("compute", path, self.COMPUTE) or {}
            servers.extend(page.get("servers", []))
            links = page.get("servers_links", [])
            path = next((link["href"] for link in links if link.get("rel") == "next"), None)
        return servers

    def server_exists(self, server_id):
        return self.get("compute", "/servers/" + server_id, self.COMPUTE) is not None

    def os_type(self, image_id):
        if not image_id:
            return None
        if image_id not in self.os_types:
            image = self.get("image", "/v2/images/" + image_id)
            self.os_types[image_id] = (image or {}).get("os_type")
        return self.os_types[image_id]


class Server:
    """What a desktop needs of a Nova server."""

    def __init__(self, raw):
        self.id = raw["id"]
        self.name = raw.get("name") or ""
        self.hostname = raw.get("OS-EXT-SRV-ATTR:hostname") or ""
        self.host = raw.get("OS-EXT-SRV-ATTR:host") or ""
        self.status = raw.get("status", "")
        self.address = self.mac = None
        for entry in (raw.get("addresses") or {}).get(NETWORK_NAME, []):
            try:
                address = ipaddress.ip_address(entry.get("addr", ""))
            except ValueError:
                continue
            if address in SUBNET and entry.get("OS-EXT-IPS:type", "fixed") == "fixed":
                mac = (entry.get("OS-EXT-IPS-MAC:mac_addr") or "").lower()
                self.address, self.mac = str(address), mac if MAC.match(mac) else None
                break
        image = raw.get("image")
        self.image_id = image.get("id") if isinstance(image, dict) else None
        try:
            self.user_data = base64.b64decode(raw.get("OS-EXT-SRV-ATTR:user_data") or "") or None
        except (binascii.Error, ValueError):
            self.user_data = None


# --- security groups: what Neutron says each guest's port admits, as an nftables ruleset

class SecurityGroups:
    """Neutron's ports on heps-vm-network and every security group rule, read together (admin,
    every project), and the packet filter each guest's port calls for: new inbound connections
    are dropped unless an ingress rule of one of the port's groups admits them; replies to the
    guest's own connections pass (groups are stateful); a port with port security off is not
    filtered. Egress is not filtered here. A rule that names a remote group admits the fixed
    addresses of that group's ports; one this cannot read (an address group, an unknown
    protocol) admits nothing and is logged once."""

    FIELDS_PORTS = ("id", "device_id", "security_groups", "port_security_enabled", "fixed_ips")
    FIELDS_RULES = ("id", "security_group_id", "direction", "ethertype", "protocol", "port_range_min",
                    "port_range_max", "remote_ip_prefix", "remote_group_id", "remote_address_group_id")
    PORTS_PROTOCOLS = {"tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp", "sctp": "sctp", "132": "sctp",
                       "dccp": "dccp", "33": "dccp", "udplite": "udplite", "136": "udplite"}
    ICMP = {"icmp": "icmp", "1": "icmp"}
    ICMPV6 = {"ipv6-icmp": "icmpv6", "icmpv6": "icmpv6", "58": "icmpv6"}

    def __init__(self, cloud):
        self.cloud = cloud
        self.network_id = None
        self.read_at = None            # monotonic time of the last complete read
        self.ports = {}                # server id -> its port on the VM network
        self.rules = {}                # group id -> [rule]
        self.members = {}              # group id -> {4: [address], 6: [address]}
        self.said = set()

    def refresh(self, server_ids):
        """Reads Neutron again when the last read is older than SECURITY_GROUP_INTERVAL, or when a
        live guest's port is not known yet (it was made just before the server went ACTIVE)."""
        due = self.read_at is None or time.monotonic() - self.read_at > SECURITY_GROUP_INTERVAL
        if not due and all(server_id in self.ports for server_id in server_ids):
            return
        if self.network_id is None:
            networks = (self.cloud.get("network", "/v2.0/networks?name=" + NETWORK_NAME + "&fields=id") or {})
            found = networks.get("networks", [])
            if len(found) != 1:
                raise CloudError("Neutron has %d networks named %s" % (len(found), NETWORK_NAME))
            self.network_id = found[0]["id"]
        ports = (self.cloud.get("network", "/v2.0/ports?network_id=%s&%s" % (
            self.network_id, "&".join("fields=" + f for f in self.FIELDS_PORTS))) or {}).get("ports", [])
        rules = (self.cloud.get("network", "/v2.0/security-group-rules?" + "&".join(
            "fields=" + f for f in self.FIELDS_RULES)) or {}).get("security_group_rules", [])
        self.ports, self.rules, self.members = {}, {}, {}
        for port in ports:
            if port.get("device_id"):
                self.ports[port["device_id"]] = port
            for group in port.get("security_groups") or []:
                addresses = self.members.setdefault(group, {4: [], 6: []})
                for fixed in port.get("fixed_ips") or []:
                    try:
                        address = ipaddress.ip_address(fixed.get("ip_address", ""))
                    except ValueError:
                        continue
                    addresses[address.version].append(str(address))
        for rule in rules:
            self.rules.setdefault(rule.get("security_group_id"), []).append(rule)
        self.read_at = time.monotonic()

    def ruleset(self, server_id):
        """(nftables script for the guest's namespace, what it admits in words); with no known
        port, a filter that admits nothing new; None before Neutron has been read once."""
        if self.read_at is None:
            return None
        port = self.ports.get(server_id)
        if port is None:
            return self.script("drop", []), "nothing (no port known yet)"
        if port.get("port_security_enabled") is False:
            return self.script("accept", []), "everything (port security off)"
        lines, words = set(), set()
        for group in port.get("security_groups") or []:
            for rule in self.rules.get(group, []):
                if rule.get("direction") != "ingress":
                    continue
                for line, word in self.translate(rule):
                    lines.add(line)
                    words.add(word)
        return self.script("drop", sorted(lines)), ", ".join(sorted(words)) or "nothing"

    def translate(self, rule):
        """The nftables matches of one ingress rule, with a description: [] when it admits nothing."""
        version = 6 if rule.get("ethertype") == "IPv6" else 4
        family = "ip6" if version == 6 else "ip"
        if rule.get("remote_address_group_id"):
            return self.unreadable(rule, "an address group")
        if rule.get("remote_group_id"):
            sources = sorted(set(self.members.get(rule["remote_group_id"], {}).get(version, [])))
            if not sources:
                return []
            source = "%s saddr { %s }" % (family, ", ".join(sources))
            peer = "members of %s" % rule["remote_group_id"]
        elif rule.get("remote_ip_prefix"):
            try:
                network = ipaddress.ip_network(rule["remote_ip_prefix"], strict=False)
            except ValueError:
                return self.unreadable(rule, "the prefix %s" % printable(rule["remote_ip_prefix"]))
            source, peer = "%s saddr %s" % (family, network), str(network)
        else:
            source, peer = "meta nfproto ipv%d" % version, "anywhere"
        protocol = str(rule.get("protocol") or "").lower()
        low, high = rule.get("port_range_min"), rule.get("port_range_max")
        if not protocol or protocol == "any":
            match, what = "", "any"
        elif protocol in self.PORTS_PROTOCOLS:
            name = self.PORTS_PROTOCOLS[protocol]
            match, what = "meta l4proto %s" % name, name
            if low is not None:
                ports = "%d" % low if high in (None, low) else "%d-%d" % (low, high)
                match += " th dport %s" % ports
                what += " " + ports
        elif protocol in self.ICMP or protocol in self.ICMPV6:
            name = self.ICMP.get(protocol) or self.ICMPV6[protocol]
            match, what = "meta l4proto %s" % ("icmp" if name == "icmp" else "ipv6-icmp"), name
            if low is not None:
                match += " %s type %d" % (name, low)
                what += " type %d" % low
                if high is not None:
                    match += " %s code %d" % (name, high)
                    what += " code %d" % high
        elif protocol.isdigit() and int(protocol) < 256:
            match, what = "meta l4proto %s" % protocol, "protocol " + protocol
        else:
            return self.unreadable(rule, "the protocol %s" % printable(protocol))
        return [(" ".join(part for part in (source, match, "accept") if part), "%s from %s" % (what, peer))]

    def unreadable(self, rule, what):
        if rule.get("id") not in self.said:
            self.said.add(rule.get("id"))
            log.warning("security group rule %s: %s is not enforced by the test bed; it admits nothing",
                        rule.get("id"), what)
        return []

    @staticmethod
    def script(policy, lines):
        """Replaces the table in one transaction: there is never a moment without a filter."""
        body = "".join("        %s\n" % line for line in lines)
        return ("table inet %(t)s\ndelete table inet %(t)s\ntable inet %(t)s {\n    chain input {\n"
                "        type filter hook input priority filter; policy %(p)s;\n"
                "        iif \"lo\" accept\n        ct state established,related accept\n%(b)s    }\n}\n"
                % {"t": NFT_TABLE, "p": policy, "b": body})


# --- the guest's first boot: cloud-config write_files onto its disk

def cloud_config(user_data):
    """The cloud-config as a dict, or None when the user data is something else."""
    if not user_data:
        return None
    if user_data[:2] == b"\x1f\x8b":
        try:
            user_data = gzip.decompress(user_data)
        except OSError:
            return None
    if not user_data.startswith(b"#cloud-config"):
        return None
    try:
        config = yaml.safe_load(user_data.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError):
        return None
    return config if isinstance(config, dict) else None


def file_content(entry):
    content = entry.get("content", "")
    content = content.encode("utf-8") if isinstance(content, str) else bytes(content or b"")
    encoding = str(entry.get("encoding", "")).lower()
    if encoding in ("b64", "base64", "gz+b64", "gzip+base64", "gz+base64", "gzip+b64"):
        content = base64.b64decode(content)
    if encoding.startswith("gz"):
        content = gzip.decompress(content)
    return content


def write_files(config, root):
    """Applies write_files under root, as cloud-init writes them into the guest's filesystem."""
    for entry in config.get("write_files") or []:
        path = str(entry.get("path", ""))
        target = os.path.normpath(os.path.join(root, path.lstrip("/")))
        if not path.startswith("/") or not target.startswith(root + os.sep):
            log.warning("write_files: skipped path %s", printable(path))
            continue
        try:
            mode = int(str(entry.get("permissions", "0644")), 8)
        except ValueError:
            mode = 0o644
        os.makedirs(os.path.dirname(target), exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if entry.get("append") else os.O_TRUNC)
        fd = os.open(target, flags, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(file_content(entry))
        os.chmod(target, mode)


# The values windows.tmpl gives its PowerShell (single-quoted assignments at the top).
PS1_VALUE = re.compile(r"^\$(HepsAgentUrl|HepsEnrollmentToken) = '([^']*)'[ \t]*\r?$", re.M)


def powershell_enrollment(user_data):
    """(agent url, token) from a #ps1_sysnative user data that enrolls; None otherwise."""
    if not user_data or not user_data.startswith(b"#ps1"):
        return None
    values = dict(PS1_VALUE.findall(user_data.decode("utf-8", errors="replace")))
    url, token = values.get("HepsAgentUrl", ""), values.get("HepsEnrollmentToken", "")
    return (url, token) if url and token else None


def has_enrollment(config, root):
    """True when the user data starts the enrollment script that write_files installed: from
    bootcmd (a unit that runs it once written) or, in older user data, from runcmd."""
    for entry in (config.get("bootcmd") or []) + (config.get("runcmd") or []):
        argv = entry if isinstance(entry, list) else shlex.split(str(entry))
        if any(ENROLL_COMMAND in str(arg) for arg in argv):
            return os.path.isfile(os.path.join(root, ENROLL_COMMAND.lstrip("/")))
    return False


# --- one desktop: a guest with its namespace, disk and processes

class Desktop:
    def __init__(self, server_id):
        self.id = server_id
        short = server_id.replace("-", "")[:8]
        self.netns = "hv-" + short
        self.veth = "hvh-" + short          # the host end, in heps-br0; the guest end is eth0
        self.dir = os.path.join(DESKTOPS, server_id)
        self.root = os.path.join(self.dir, "root")
        self.run_dir = os.path.join(self.dir, "run")
        self.log_dir = os.path.join(self.dir, "log")
        self.xauthority = os.path.join(self.dir, "Xauthority")
        self.vncpasswd = os.path.join(self.root, "etc/heps/vncpasswd")
        self.home = os.path.join(self.root, "home", "user")   # the desktop session's home
        self.children = {}           # name -> Popen, for what this daemon started itself
        self.power_off()

    def power_off(self):
        """Forgets everything about the current boot; the disk keeps what a guest keeps."""
        self.address = None
        self.display = None
        self.network_ready = False   # checked in full since this boot was seen
        self.firewall = None         # the packet filter last loaded in this boot
        self.children.clear()
        self.last_start = {}         # name -> monotonic time of the last start
        self.ran = set()             # names that ran in this boot: seen running, or started
        self.active_since = None     # when this boot was first seen ACTIVE
        self.guest = None            # what the first boot found (guest.json)
        self.enrollment_done = False  # the enrollment step ran (or needs not) in this boot
        self.join_tried = None       # monotonic time of the last domain join attempt in this boot
        self.recorded = None

    def record(self, server, os_type):
        """The server as last seen, with the display its X server has, on the disk (for adoption)."""
        value = {"id": server.id, "name": server.name, "address": server.address, "mac": server.mac,
                 "os_type": os_type, "display": self.display}
        if value != self.recorded:
            for d in (self.root, self.run_dir, self.log_dir):
                os.makedirs(d, mode=0o700, exist_ok=True)
            self._write_json("server.json", value)
            self.recorded = value

    def _write_json(self, name, value):
        path = os.path.join(self.dir, name)
        with open(path + ".tmp", "w") as f:
            json.dump(value, f)
        os.replace(path + ".tmp", path)

    def _read_json(self, name):
        try:
            with open(os.path.join(self.dir, name)) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    # --- processes

    def pid_file(self, name):
        return os.path.join(self.run_dir, name + ".pid")

    def pid(self, name):
        child = self.children.get(name)
        if child is not None and child.poll() is not None:
            del self.children[name]
        return live_pid(self.pid_file(name))

    def spawn(self, name, argv, env=None, pass_fds=(), host_network=False):
        """Starts argv inside the guest's namespace (or, host_network, the host's), in its own
        session, output to log/<name>.log."""
        environment = {"PATH": GUEST_PATH, "LANG": "C.UTF-8", "HOME": self.dir, **(env or {})}
        prefix = [] if host_network else ["ip", "netns", "exec", self.netns]
        with open(os.path.join(self.log_dir, name + ".log"), "ab") as output:
            child = subprocess.Popen([*prefix, *argv], stdin=subprocess.DEVNULL,
                                     stdout=output, stderr=subprocess.STDOUT, env=environment,
                                     start_new_session=True, pass_fds=pass_fds)
        with open(self.pid_file(name) + ".tmp", "w") as f:
            f.write("%d %s\n" % (child.pid, start_time_of(child.pid)))
        os.replace(self.pid_file(name) + ".tmp", self.pid_file(name))
        self.children[name] = child
        self.last_start[name] = time.monotonic()
        self.ran.add(name)
        return child

    def may_start(self, name):
        """False while a process that died in this boot waits out its restart backoff."""
        if name not in self.ran:
            return True
        if time.monotonic() - self.last_start.get(name, 0.0) < RESTART_BACKOFF:
            return False
        log.warning("desktop %s: %s exited, starting it again (log %s)", self.id, name,
                    os.path.join(self.log_dir, name + ".log"))
        return True

    def first_start(self, name, what):
        """Logs how long the guest took to offer its desktop; restarts have their own warning."""
        if name not in self.ran:
            log.info("desktop %s: %s (%.1f s after ACTIVE was seen)", self.id, what,
                     time.monotonic() - self.active_since)

    # --- network

    def ensure_network(self, server):
        if self.network_ready and os.path.exists("/run/netns/" + self.netns):
            return
        ns = ["ip", "-n", self.netns]
        if not os.path.exists("/run/netns/" + self.netns):
            command(["ip", "netns", "add", self.netns])
            # A guest has IPv4 only here: no link-local addresses, no router solicitations.
            command(["ip", "netns", "exec", self.netns, "sysctl", "-qw",
                     "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"])
            command(ns + ["link", "set", "lo", "up"])
        links = {link["ifname"]: link for link in ip_json("-n", self.netns, "link", "show")}
        if "eth0" not in links:
            command(["ip", "link", "del", self.veth], check=False)   # a host end without its guest end
            command(["ip", "link", "add", self.veth, "type", "veth", "peer", "name", "eth0", "netns", self.netns])
            links = {link["ifname"]: link for link in ip_json("-n", self.netns, "link", "show")}
        if server.mac and links["eth0"].get("address") != server.mac:
            command(ns + ["link", "set", "eth0", "down"])
            command(ns + ["link", "set", "eth0", "address", server.mac])
        command(["ip", "link", "set", self.veth, "master", BRIDGE, "up"])
        wanted = "%s/%d" % (server.address, SUBNET.prefixlen)
        present = ["%s/%d" % (a["local"], a["prefixlen"])
                   for entry in ip_json("-n", self.netns, "addr", "show", "dev", "eth0")
                   for a in entry.get("addr_info", []) if a.get("family") == "inet"]
        for other in present:
            if other != wanted:
                command(ns + ["addr", "del", other, "dev", "eth0"])
        if wanted not in present:
            # noprefixroute: the guest reaches its gateway and the metadata service, nothing else.
            command(ns + ["addr", "add", wanted, "dev", "eth0", "noprefixroute"])
        command(ns + ["link", "set", "eth0", "up"])
        command(ns + ["route", "replace", GATEWAY, "dev", "eth0", "scope", "link", "src", server.address])
        # The subnet on the link, as DHCP gives a guest: neighbours reach each other through
        # heps-br0 as far as their security groups let them (the filter above).
        command(ns + ["route", "replace", str(SUBNET), "dev", "eth0", "scope", "link", "src", server.address])
        command(ns + ["route", "replace", METADATA_ADDRESS, "via", GATEWAY, "dev", "eth0", "src", server.address])
        command(["ip", "route", "replace", server.address + "/32", "dev", BRIDGE, "src", GATEWAY])
        self.address = server.address
        self.network_ready = True

    def ensure_firewall(self, firewall):
        if firewall is None:
            # Neutron not read since the daemon started: a guest keeps the filter it has (this
            # daemon adopted it), a new one admits nothing until the groups are known.
            if self.firewall is not None or command(["ip", "netns", "exec", self.netns, "nft", "list", "table",
                                                     "inet", NFT_TABLE], check=False).returncode == 0:
                return
            firewall = (SecurityGroups.script("drop", []), "nothing (security groups not read yet)")
        script, admits = firewall
        if script == self.firewall:
            return
        command(["ip", "netns", "exec", self.netns, "nft", "-f", "-"], input=script.encode())
        log.info("desktop %s: security groups admit %s", self.id, admits)
        self.firewall = script

    # --- boot, run, shut down

    def ensure(self, server, os_type, displays_in_use, firewall):
        """One idempotent step towards the running guest; cheap when everything already runs.
        firewall: (nftables script, what it admits) for the guest's port, loaded before anything
        listens; None while Neutron has not been read."""
        if self.active_since is None:
            self.active_since = time.monotonic()
            self.display = self._read_json("server.json").get("display")
            running = [name for name in PROCESSES if self.pid(name) is not None]
            self.ran.update(running)
            log.info("desktop %s %s at %s (%s): %s", self.id, printable(server.name), server.address,
                     "windows" if os_type == "windows" else "linux",
                     "adopted, running " + ", ".join(running) if running else "booting")
        self.record(server, os_type)
        self.ensure_network(server)
        self.ensure_firewall(firewall)
        if os_type == "windows":
            self.ensure_windows(server)
        else:
            self.ensure_linux(server, displays_in_use)
        self.record(server, os_type)

    def first_boot(self, server):
        """cloud-init's per-instance part, once per disk: write_files, and whether to enroll."""
        guest = self.guest or self._read_json("guest.json")
        if guest:
            self.guest = guest
            return guest
        config = cloud_config(server.user_data)
        powershell = powershell_enrollment(server.user_data)
        if powershell is not None:
            # What the guest's script holds; the enrollment step below reads it as the script would.
            etc = os.path.join(self.root, "etc/heps")
            os.makedirs(etc, exist_ok=True)
            fd = os.open(os.path.join(etc, "enrollment.env"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write("HEPS_AGENT_URL=%s\nHEPS_ENROLLMENT_TOKEN=%s\n" % powershell)
            guest = {"cloud_config": False, "powershell": True, "enroll": True}
        elif config is None:
            guest = {"cloud_config": False, "enroll": False}
        else:
            write_files(config, self.root)
            guest = {"cloud_config": True, "enroll": has_enrollment(config, self.root)}
        self._write_json("guest.json", guest)
        self.guest = guest
        return guest

    def ensure_linux(self, server, displays_in_use):
        self.first_boot(server)
        if self.pid("xvfb") is None and self.may_start("xvfb"):
            self.start_xvfb(displays_in_use)
        if self.pid("xvfb") is None:
            return
        if self.pid("painter") is None and self.may_start("painter"):
            # The desktop session's home is on the guest's disk: it survives stop/start and
            # shelve/unshelve, and goes with the server.
            os.makedirs(self.home, mode=0o700, exist_ok=True)
            self.spawn("painter", [sys.executable, PAINTER, server.id, server.name], {**self.x_env(), "HOME": self.home})
        self.ensure_enrollment(server)
        if os.path.isfile(self.vncpasswd) and self.pid("x11vnc") is None and self.may_start("x11vnc"):
            # IPv4 only, no remote control, no external commands: port 5900 is all it offers.
            self.first_start("x11vnc", "x11vnc on %s:%d" % (server.address, VNC_PORT))
            self.spawn("x11vnc", ["x11vnc", "-display", ":%d" % self.display, "-auth", self.xauthority,
                                  "-rfbport", str(VNC_PORT), "-rfbauth", self.vncpasswd, "-forever", "-shared",
                                  "-desktop", server.name, "-noipv6", "-rfbportv6", "-1", "-listen", "0.0.0.0",
                                  "-norc", "-nocmds", "-noremote", "-nolookup"], self.x_env())

    def x_env(self):
        return {"DISPLAY": ":%d" % self.display, "XAUTHORITY": self.xauthority}

    def start_xvfb(self, displays_in_use):
        if self.display is None or self.display in displays_in_use or not display_free(self.display):
            self.display = next(n for n in range(DISPLAY_BASE, DISPLAY_BASE + 10000)
                                if n not in displays_in_use and display_free(n))
        write_xauthority(self.xauthority, self.display)
        ready_read, ready_write = os.pipe()
        try:
            # No GLX: nothing on the identity screen draws with OpenGL, and GLX alone costs an X
            # server about 55 MiB of memory.
            self.spawn("xvfb", ["Xvfb", ":%d" % self.display, "-screen", "0", SCREEN, "-nolisten", "tcp",
                                "-extension", "GLX", "-auth", self.xauthority, "-noreset",
                                "-displayfd", str(ready_write)],
                       pass_fds=(ready_write,))
            os.close(ready_write)
            ready_write = None
            # Xvfb writes "<display>\n" to the fd once it accepts clients, sometimes in two writes;
            # it dies of a closed pipe if we stop listening before the newline.
            answer, deadline = b"", time.monotonic() + XVFB_READY_TIMEOUT
            while not answer.endswith(b"\n") and time.monotonic() < deadline:
                readable, _, _ = select.select([ready_read], [], [], deadline - time.monotonic())
                chunk = os.read(ready_read, 16) if readable else b""
                if not chunk:
                    break
                answer += chunk
            if not answer.endswith(b"\n"):
                log.error("desktop %s: Xvfb :%d did not come up within %d s (log %s)", self.id, self.display,
                          XVFB_READY_TIMEOUT, os.path.join(self.log_dir, "xvfb.log"))
                self.stop_process("xvfb")
                return
            # The root window in the identity colour before anyone can look: the painter's window
            # covers it a moment later, and the corners never show anything else.
            command(["ip", "netns", "exec", self.netns, "xsetroot", "-solid", "#" + identity_colour(self.id)],
                    env={"PATH": GUEST_PATH, **self.x_env()})
        finally:
            os.close(ready_read)
            if ready_write is not None:
                os.close(ready_write)

    def ensure_enrollment(self, server):
        """Runs the guest's enrollment step once per boot until the disk holds a VNC password."""
        if self.enrollment_done:
            return
        pid = self.pid("enroll")
        if pid is None and "enroll" not in self.last_start:
            if os.path.isfile(self.vncpasswd):
                self.enrollment_done = True   # enrolled at an earlier boot: the disk kept the password
            elif not self.guest["enroll"]:
                self.enrollment_done = True
                log.warning("desktop %s: %s: no VNC server", self.id,
                            "user data without a cloud-config" if not self.guest["cloud_config"]
                            else "a cloud-config without the enrollment step " + ENROLL_COMMAND)
            else:
                self.start_enrollment()
            return
        if pid is not None:
            if age_of(pid) > ENROLL_TIMEOUT:
                log.error("desktop %s: enrollment still running after %d s, stopping it", self.id, ENROLL_TIMEOUT)
                self.stop_process("enroll")
            return
        self.enrollment_done = True
        if os.path.isfile(self.vncpasswd):
            log.info("desktop %s: enrolled, VNC password written (%.1f s after ACTIVE was seen)", self.id,
                     time.monotonic() - self.active_since)
        else:
            log.warning("desktop %s: the enrollment step ended without a VNC password (log %s); no VNC "
                        "server until the next boot", self.id, os.path.join(self.log_dir, "enroll.log"))

    def start_enrollment(self):
        # The guest's own /etc/heps over the host's (an empty mount point) in a private mount
        # namespace, so the script reads its token and writes its password on the guest's disk.
        # Its own cloud-init data too, which a played guest has none of: the script then asks the
        # metadata service for its server id, never the host's own cloud-init for the host's.
        os.makedirs("/etc/heps", exist_ok=True)
        os.makedirs("/var/lib/cloud/data", exist_ok=True)
        etc_heps = os.path.join(self.root, "etc/heps")
        cloud_data = os.path.join(self.root, "var/lib/cloud/data")
        os.makedirs(etc_heps, exist_ok=True)
        os.makedirs(cloud_data, exist_ok=True)
        script = os.path.join(self.root, ENROLL_COMMAND.lstrip("/"))
        log.info("desktop %s: running the enrollment step %s", self.id, ENROLL_COMMAND)
        child = self.spawn("enroll", ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                                      'mount --bind "$1" /etc/heps && mount --bind "$3" /var/lib/cloud/data '
                                      '&& exec /bin/sh "$2"', "heps-enroll", etc_heps, script, cloud_data])
        threading.Thread(target=wake_when_done, args=(child,), daemon=True).start()

    # --- a Windows guest: enrollment, domain join, sign-in (README.md, "How a Windows guest joins")

    def ensure_windows(self, server):
        guest = self.first_boot(server)
        if guest.get("powershell"):
            self.ensure_windows_enrollment()
            self.ensure_domain_join()
        if self.joined():
            self.ensure_sssd()
            if self.pid("sssd") is not None:
                self.ensure_sesman(server)
        self.ensure_xrdp(server)

    def heps_etc(self, name):
        return os.path.join(self.root, "etc/heps", name)

    def joined(self):
        return os.path.isfile(self.heps_etc("machine-account.json")) and \
            os.path.isfile(os.path.join(self.dir, "sssd/etc/sssd.conf"))

    def ensure_windows_enrollment(self):
        """Runs the user data's enrollment once per boot until its token is used."""
        if self.enrollment_done:
            return
        pid = self.pid("enroll")
        if pid is None and "enroll" not in self.last_start:
            if not os.path.isfile(self.heps_etc("enrollment.env")):
                self.enrollment_done = True   # enrolled at an earlier boot
                return
            log.info("desktop %s: running the Windows enrollment step", self.id)
            child = self.spawn("enroll", [sys.executable, WINDOWS_GUEST, "enroll", self.dir])
            threading.Thread(target=wake_when_done, args=(child,), daemon=True).start()
            return
        if pid is not None:
            if age_of(pid) > ENROLL_TIMEOUT:
                log.error("desktop %s: enrollment still running after %d s, stopping it", self.id, ENROLL_TIMEOUT)
                self.stop_process("enroll")
            return
        self.enrollment_done = True
        if os.path.isfile(self.heps_etc("domain-join.json")):
            log.info("desktop %s: enrolled, joining the domain (%.1f s after ACTIVE was seen)", self.id,
                     time.monotonic() - self.active_since)
        elif os.path.isfile(self.heps_etc("enrollment.env")):
            log.warning("desktop %s: the enrollment step failed (log %s); tried again at the next boot", self.id,
                        os.path.join(self.log_dir, "enroll.log"))
        else:
            log.info("desktop %s: enrolled without a domain join", self.id)

    def ensure_domain_join(self):
        """Joins once the enrollment left a domain join, as Windows' unsecured join does."""
        if not os.path.isfile(self.heps_etc("domain-join.json")) or self.joined():
            return
        if self.join_tried is not None and time.monotonic() - self.join_tried < JOIN_RETRY:
            return
        self.join_tried = time.monotonic()
        with open(os.path.join(self.log_dir, "join.log"), "ab") as output:
            result = subprocess.run([sys.executable, WINDOWS_GUEST, "join", self.dir], stdin=subprocess.DEVNULL,
                                    stdout=output, stderr=subprocess.STDOUT, timeout=60)
        if result.returncode == 0:
            log.info("desktop %s: joined the domain (%.1f s after ACTIVE was seen)", self.id,
                     time.monotonic() - self.active_since)
        else:
            log.error("desktop %s: the domain join failed (log %s); tried again in %d s", self.id,
                      os.path.join(self.log_dir, "join.log"), JOIN_RETRY)

    def sssd_dirs(self):
        base = os.path.join(self.dir, "sssd")
        modes = {"lib": 0o755, "lib/db": 0o700, "lib/deskprofile": 0o711, "lib/gpo_cache": 0o755, "lib/mc": 0o755,
                 "lib/pipes": 0o755, "lib/pipes/private": 0o750, "lib/pubconf": 0o755, "lib/secrets": 0o700,
                 "log": 0o750, "etc": 0o700}
        for name, mode in modes.items():
            path = os.path.join(base, name)
            os.makedirs(path, exist_ok=True)
            os.chmod(path, mode)
        return os.path.join(base, "etc"), os.path.join(base, "lib"), os.path.join(base, "log")

    def ensure_sssd(self):
        """The guest's sssd: in the host's network namespace (the domain controller listens on
        loopback), with the guest's own configuration, caches and sockets in a private mount
        namespace; only its socket directory is shared with the guest."""
        if self.pid("sssd") is not None or not self.may_start("sssd"):
            return
        etc, lib, logs = self.sssd_dirs()
        self.first_start("sssd", "sssd for the domain")
        self.spawn("sssd", ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                            'mount -t tmpfs tmpfs /run && mount --bind "$1" /etc/sssd && '
                            'mount --bind "$2" /var/lib/sss && mount --bind "$3" /var/log/sssd && '
                            'exec sssd -i --logger=files', "sssd", etc, lib, logs], host_network=True)

    def ensure_sesman(self, server):
        """xrdp-sesman signs users in through PAM (pam_sss) and starts their session (Xvnc and
        the session painter), with the guest's own PAM, NSS, /home and /tmp over the host's."""
        if self.pid("sesman") is not None or not self.may_start("sesman"):
            return
        xrdp = os.path.join(self.dir, "xrdp")
        etc, run = os.path.join(xrdp, "etc"), os.path.join(xrdp, "run")
        pam = os.path.join(xrdp, "pam.d")
        home, tmp = os.path.join(self.root, "home"), os.path.join(self.root, "tmp")
        for path, mode in ((etc, 0o755), (pam, 0o755), (home, 0o755), (tmp, 0o1777),
                           (os.path.join(tmp, ".X11-unix"), 0o1777), (os.path.join(run, "sockdir"), 0o1777)):
            os.makedirs(path, exist_ok=True)
            os.chmod(path, mode)
        write_text(os.path.join(etc, "sesman.ini"), sesman_ini(self.log_dir))
        write_text(os.path.join(etc, "startwm.sh"), startwm(server), 0o755)
        write_text(os.path.join(etc, "reconnectwm.sh"), "#!/bin/sh\n", 0o755)
        write_text(os.path.join(etc, "heps_desktop_painter.py"), PAINTER_SOURCE)
        write_text(os.path.join(pam, "xrdp-sesman"), SESMAN_PAM)
        write_text(os.path.join(xrdp, "nsswitch.conf"), GUEST_NSSWITCH)
        # The mount point is made by systemd-tmpfiles on a booted host; here nothing runs it.
        os.makedirs("/run/xrdp", exist_ok=True)
        self.first_start("sesman", "xrdp-sesman signing users in to the domain")
        self.spawn("sesman", ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                              'mount --bind "$1" /etc/xrdp && mount --bind "$2" /run/xrdp && '
                              'mount --bind "$3" /etc/pam.d && mount --bind "$4" /etc/nsswitch.conf && '
                              'mount --bind "$5" /var/lib/sss && mount --bind "$6" /home && mount --bind "$7" /tmp && '
                              'exec xrdp-sesman --nodaemon --config /etc/xrdp/sesman.ini', "sesman",
                              etc, run, pam, os.path.join(xrdp, "nsswitch.conf"), os.path.join(self.dir, "sssd/lib"),
                              home, tmp])

    def ensure_xrdp(self, server):
        if self.pid("xrdp") is not None or not self.may_start("xrdp"):
            return
        etc, run = os.path.join(self.dir, "xrdp/etc"), os.path.join(self.dir, "xrdp/run")
        os.makedirs(os.path.join(run, "sockdir"), exist_ok=True)
        if not os.path.isfile(os.path.join(etc, "key.pem")):
            os.makedirs(etc, exist_ok=True)
            for name in os.listdir("/etc/xrdp"):   # keyboard maps, read from /etc/xrdp at connect
                if name.startswith("km-") or name == "xrdp_keyboard.ini":
                    shutil.copy(os.path.join("/etc/xrdp", name), etc)
            command(["xrdp-keygen", "xrdp", os.path.join(etc, "rsakeys.ini"), "2048"], timeout=60)
            os.chmod(os.path.join(etc, "rsakeys.ini"), 0o600)   # its directory is readable by the guest's users
            # The guest's own self-signed certificate, made once and kept on its disk.
            common_name = re.sub(r"[^A-Za-z0-9.-]", "-", server.hostname or server.name)[:60] or "heps-desktop"
            command(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
                     "-subj", "/CN=" + common_name, "-keyout", os.path.join(etc, "key.pem.tmp"),
                     "-out", os.path.join(etc, "cert.pem")], timeout=60)
            os.chmod(os.path.join(etc, "key.pem.tmp"), 0o600)
            os.replace(os.path.join(etc, "key.pem.tmp"), os.path.join(etc, "key.pem"))
        with open(os.path.join(etc, "xrdp.ini"), "w") as f:
            f.write(xrdp_ini(server, self.log_dir))
        # xrdp reads /etc/xrdp and writes /run/xrdp/xrdp.pid by fixed paths: each guest gets its
        # own over them in a private mount namespace, so several run at once.
        os.makedirs("/run/xrdp", exist_ok=True)
        self.first_start("xrdp", "xrdp on %s:%d" % (server.address, RDP_PORT))
        self.spawn("xrdp", ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                            'mount --bind "$1" /etc/xrdp && mount --bind "$2" /run/xrdp && '
                            'exec xrdp --nodaemon --config /etc/xrdp/xrdp.ini', "xrdp", etc, run])

    def stop_process(self, name):
        pid = self.pid(name)
        if pid is not None:
            kill_all([pid], self.children.values())
        self.children.pop(name, None)

    def shutdown(self, reason):
        """The guest powers off: its processes, namespace and host route go; its disk stays."""
        pids = set(netns_pids(self.netns)) if os.path.exists("/run/netns/" + self.netns) else set()
        if os.path.isdir(self.run_dir):
            for name in os.listdir(self.run_dir):
                if name.endswith(".pid"):
                    pid = live_pid(os.path.join(self.run_dir, name))
                    if pid is not None:
                        pids.add(pid)
        kill_all(pids, list(self.children.values()))
        was_up = bool(pids) or os.path.exists("/run/netns/" + self.netns)
        if os.path.exists("/run/netns/" + self.netns):
            command(["ip", "netns", "del", self.netns], check=False)   # takes the veth pair with it
        address = self.address or self._read_json("server.json").get("address")
        if address:
            routed = command(["ip", "route", "del", address + "/32", "dev", BRIDGE], check=False)
            was_up = was_up or routed.returncode == 0
        if os.path.isdir(self.run_dir):
            for name in os.listdir(self.run_dir):
                os.unlink(os.path.join(self.run_dir, name))
        if was_up:
            log.info("desktop %s: stopped (%s)", self.id, reason)
        self.power_off()


WAKE = threading.Event()


def wake_when_done(child):
    """Wakes the reconcile loop as soon as a child ends (x11vnc starts right after enrollment)."""
    try:
        child.wait(timeout=ENROLL_TIMEOUT + 60)
    except subprocess.TimeoutExpired:
        pass
    WAKE.set()


def display_free(n):
    """No X server holds display n. The lock file says who does; one of a dead server does not
    count, and neither does a socket without a lock: Xvfb replaces both."""
    try:
        with open("/tmp/.X%d-lock" % n) as f:
            pid = int(f.read().strip())
    except FileNotFoundError:
        return True
    except (OSError, ValueError):
        return False
    return start_time_of(pid) is None


def write_xauthority(path, display):
    """An Xauthority file with one MIT-MAGIC-COOKIE-1 for the display, any host (FamilyWild)."""
    def field(data):
        return len(data).to_bytes(2, "big") + data
    entry = (0xFFFF).to_bytes(2, "big") + field(b"") + field(str(display).encode()) + \
        field(b"MIT-MAGIC-COOKIE-1") + field(os.urandom(16))
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(entry)
    os.replace(path + ".tmp", path)


def write_text(path, text, mode=0o644):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.chmod(path + ".tmp", mode)
    os.replace(path + ".tmp", path)


# A Windows guest's sign-in: the domain's users through sssd, nothing local; a home made at first login.
SESMAN_PAM = """#%PAM-1.0
# Written by the test bed: the guest signs in the domain's users (sssd) and no one else.
auth     required pam_sss.so
account  required pam_sss.so
password required pam_deny.so
session  required pam_mkhomedir.so skel=/etc/skel umask=0077
session  optional pam_sss.so
"""

GUEST_NSSWITCH = """# Written by the test bed: local files, then the domain (sssd).
passwd: files sss
group:  files sss
shadow: files
hosts:  files
"""


def sesman_ini(log_dir):
    return """; Written by the test bed's desktop daemon at each start.
[Globals]
ListenAddress=127.0.0.1
ListenPort=3350
EnableUserWindowManager=false
DefaultWindowManager=/etc/xrdp/startwm.sh
ReconnectScript=/etc/xrdp/reconnectwm.sh

[Security]
AllowRootLogin=false
MaxLoginRetry=4
AlwaysGroupCheck=false

[Sessions]
X11DisplayOffset=10
MaxSessions=10
KillDisconnected=false
DisconnectedTimeLimit=0
IdleTimeLimit=0
Policy=Default

[Logging]
LogFile=%(log)s
LogLevel=INFO
EnableSyslog=false

[Xvnc]
param=Xvnc
param=-bs
param=-nolisten
param=tcp
param=-localhost
param=-dpi
param=96

[Chansrv]
EnableFuseMount=false
FuseMountName=thinclient_drives

[SessionVariables]
""" % {"log": os.path.join(log_dir, "sesman.log")}


def startwm(server):
    """The session: who signed in, in a file in their home and on the screen (the session painter)."""
    title = "".join(c for c in server.name if c.isprintable()).strip() or server.id
    return """#!/bin/sh
# Written by the test bed: what a signed-in Windows session shows.
id > "$HOME/heps-session-id.txt"
exec python3 /etc/xrdp/heps_desktop_painter.py --session %s %s
""" % (shlex.quote(server.id), shlex.quote(title[:60]))


def xrdp_ini(server, log_dir):
    colour = identity_colour(server.id)
    title = "".join(c for c in server.name if c.isprintable()).strip() or server.id
    return """; Written by the test bed's desktop daemon for server %(id)s at each boot.
[Globals]
ini_version=1
fork=true
port=%(port)d
use_vsock=false
tcp_nodelay=true
tcp_keepalive=true
security_layer=tls
crypt_level=high
certificate=/etc/xrdp/cert.pem
key_file=/etc/xrdp/key.pem
ssl_protocols=TLSv1.2, TLSv1.3
autorun=
allow_channels=true
allow_multimon=true
bitmap_cache=true
bitmap_compression=true
bulk_compression=true
max_bpp=32
new_cursors=true
use_fastpath=both
background=%(colour)s
blue=%(colour)s
ls_title=%(title)s
ls_top_window_bg_color=%(colour)s
ls_bg_color=%(colour)s
ls_width=350
ls_height=430
ls_logo_filename=
ls_logo_x_pos=55
ls_logo_y_pos=50
ls_label_x_pos=30
ls_label_width=65
ls_input_x_pos=110
ls_input_width=210
ls_input_y_pos=220
ls_btn_ok_x_pos=142
ls_btn_ok_y_pos=370
ls_btn_ok_width=85
ls_btn_ok_height=30
ls_btn_cancel_x_pos=237
ls_btn_cancel_y_pos=370
ls_btn_cancel_width=85
ls_btn_cancel_height=30

[Logging]
LogFile=%(log)s
LogLevel=INFO
EnableSyslog=false

[Channels]
rdpdr=true
rdpsnd=true
drdynvc=true
cliprdr=true
rail=true
xrdpvr=true
tcutils=true

[Xvnc]
name=Xvnc
lib=libvnc.so
username=ask
password=ask
ip=127.0.0.1
port=-1
""" % {"id": server.id, "port": RDP_PORT, "colour": colour, "title": title[:60],
       "log": os.path.join(log_dir, "xrdp.log")}


# --- the metadata service on 169.254.169.254:80

class MetadataHandler(http.server.BaseHTTPRequestHandler):
    server_version = "heps-metadata"
    timeout = 10

    def do_GET(self):
        server = self.server.servers_by_address.get(self.client_address[0])
        path = self.path.split("?")[0].rstrip("/")
        body, kind = None, "application/json"
        if server is not None:
            if path == "/openstack/latest/meta_data.json":
                body = json.dumps({"uuid": server.id, "name": server.name, "hostname": server.hostname}).encode()
            elif path == "/openstack/latest/user_data" and server.user_data:
                body, kind = server.user_data, "application/octet-stream"
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        log.info("metadata: %s %s from %s: %s", self.command, printable(self.path), self.client_address[0],
                 args[1] if len(args) > 1 else "")


class MetadataService(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__((METADATA_ADDRESS, 80), MetadataHandler)
        self.servers_by_address = {}   # replaced whole after every Nova poll; VM network only


# --- the reconcile loop

class Daemon:
    def __init__(self):
        self.cloud = Cloud(CLOUDS_YAML, ADMIN_CLOUD)
        self.security_groups = SecurityGroups(self.cloud)
        self.desktops = {}         # server id -> Desktop, for every desktop that should run
        self.stopping = threading.Event()
        self.metadata = None
        self.cloud_down_since = None
        self.last_route_sweep = 0.0
        self.known = {}            # server id -> Server, as Nova last described it
        self.changes_since = None  # where the next poll starts (None: list everything)
        self.last_full_list = 0.0
        self.said = set()
        self.real_guest_routes = {}   # address -> server id, for real guests ACTIVE at the last pass

    def notice(self, key, level, message, *args):
        if key not in self.said:
            self.said.add(key)
            log.log(level, message, *args)

    def run(self):
        os.makedirs(DESKTOPS, mode=0o700, exist_ok=True)
        log.info("started: polling Nova every %.0f s as %s", POLL_INTERVAL, ADMIN_CLOUD)
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                self.pass_once()
            except Exception:   # one bad pass must not end the desktops' supervision
                log.exception("reconcile pass failed")
            WAKE.wait(max(0.0, POLL_INTERVAL - (time.monotonic() - started)))
            WAKE.clear()
        if self.metadata is not None:
            self.metadata.shutdown()
        log.info("stopped; the desktops keep running and the next start adopts them")

    def ensure_metadata(self):
        if self.metadata is not None:
            return
        try:
            self.metadata = MetadataService()
        except OSError as e:
            self.notice("metadata-bind", logging.ERROR, "metadata service: cannot listen on %s:80 (%s); "
                        "is %s up? (dev/openstack/up)", METADATA_ADDRESS, e, BRIDGE)
            return
        threading.Thread(target=self.metadata.serve_forever, daemon=True).start()
        log.info("metadata service on %s:80", METADATA_ADDRESS)

    def pass_once(self):
        if not os.path.exists("/sys/class/net/" + BRIDGE):
            self.notice("no-bridge", logging.ERROR, "%s is missing: no desktops (dev/openstack/up makes it)", BRIDGE)
            return
        self.said.discard("no-bridge")
        self.ensure_metadata()
        try:
            servers = self.poll_servers()
        except CloudError as e:
            if self.cloud_down_since is None:
                self.cloud_down_since = time.monotonic()
                log.warning("cannot list servers (%s); desktops stay as they are until Nova answers", e)
            return
        if self.cloud_down_since is not None:
            log.info("Nova answers again after %.0f s", time.monotonic() - self.cloud_down_since)
            self.cloud_down_since = None
        if self.metadata is not None:
            self.metadata.servers_by_address = {s.address: s for s in servers if s.address}

        active = [s for s in servers if s.status == "ACTIVE" and s.address]
        real = {s.address for s in active if s.host == QEMU_HOST}
        for address in [a for a in self.real_guest_routes if a not in real]:
            command(["ip", "route", "del", address + "/32", "dev", BRIDGE], check=False)
            log.info("real guest %s at %s: no longer ACTIVE, route removed", self.real_guest_routes.pop(address),
                     address)
        for guest in (s for s in active if s.host == QEMU_HOST):
            try:
                self.route_to_real_guest(guest)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                log.error("real guest %s: %s", guest.id, e)
        wanted = {s.id: s for s in active if s.host != QEMU_HOST}
        by_status = {s.id: s.status for s in servers}
        for server_id, desktop in list(self.desktops.items()):
            server = wanted.get(server_id)
            if server is None or (desktop.address is not None and server.address != desktop.address):
                desktop.shutdown(by_status.get(server_id, "deleted") if server is None else "address changed")
                del self.desktops[server_id]
        self.remove_strays(wanted)

        try:
            if wanted:
                self.security_groups.refresh(wanted)
            self.said.discard("neutron-down")
        except CloudError as e:
            # The filters loaded stay; a guest whose port is not known yet admits nothing new.
            self.notice("neutron-down", logging.WARNING, "cannot read security groups (%s); the guests' filters "
                        "stay as they are until Neutron answers", e)
        namespaces = {}
        for server in wanted.values():
            desktop = self.desktops.get(server.id) or Desktop(server.id)
            if namespaces.setdefault(desktop.netns, server.id) != server.id:
                self.notice("clash-" + server.id, logging.ERROR, "desktop %s: its namespace %s is taken by %s; "
                            "no desktop", server.id, desktop.netns, namespaces[desktop.netns])
                continue
            try:
                os_type = self.cloud.os_type(server.image_id)
            except CloudError as e:
                log.warning("desktop %s: cannot read its image (%s); trying again", server.id, e)
                continue
            self.desktops[server.id] = desktop
            displays = {d.display for d in self.desktops.values() if d is not desktop and d.display is not None}
            try:
                desktop.ensure(server, os_type, displays, self.security_groups.ruleset(server.id))
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
                log.error("desktop %s: %s", server.id, e)
                desktop.network_ready = False   # check everything again next pass

        self.remove_disks({s.id for s in servers})

    def route_to_real_guest(self, server):
        """The host's way to a real guest's address: through heps-br0, where its tap is."""
        if self.real_guest_routes.get(server.address) == server.id:
            return
        command(["ip", "route", "replace", server.address + "/32", "dev", BRIDGE, "src", GATEWAY])
        self.real_guest_routes[server.address] = server.id
        log.info("real guest %s %s at %s: routed through %s", server.id, printable(server.name), server.address,
                 BRIDGE)

    def poll_servers(self):
        """Nova's servers, kept current at little cost to Nova: a full list at start and every
        FULL_LIST_INTERVAL, in between only what changed (changes-since, which reports deletions
        too). Listing every server in detail costs Nova's API tens of milliseconds of CPU per
        server; an empty answer costs one fixed share."""
        started = time.time()
        if self.changes_since is None or time.monotonic() - self.last_full_list > FULL_LIST_INTERVAL:
            raw_servers = self.cloud.servers()
            self.known = {}
            self.last_full_list = time.monotonic()
        else:
            raw_servers = self.cloud.servers(self.changes_since)
        for raw in raw_servers:
            if not SERVER_ID.match(str(raw.get("id", ""))):
                continue
            if raw.get("status") == "DELETED":
                self.known.pop(raw["id"], None)
            else:
                self.known[raw["id"]] = Server(raw)
        # Nova keeps updated_at to the second; overlapping polls only report a change twice.
        self.changes_since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started - 5))
        return list(self.known.values())

    def remove_strays(self, wanted):
        """Namespaces and host routes no live desktop owns: left by a crash or a server that went away."""
        ours = {d.netns for d in self.desktops.values()}
        for netns in os.listdir("/run/netns") if os.path.isdir("/run/netns") else []:
            if netns.startswith("hv-") and netns not in ours:
                owner = next((s for s in wanted.values() if Desktop(s.id).netns == netns), None)
                if owner is not None:
                    continue   # adopted by ensure() in this pass
                stray = next((Desktop(d) for d in os.listdir(DESKTOPS) if Desktop(d).netns == netns), None)
                if stray is None:
                    kill_all(netns_pids(netns))
                    command(["ip", "netns", "del", netns], check=False)
                    log.info("removed namespace %s, which no desktop owns", netns)
                else:
                    stray.shutdown("not ACTIVE")
        if time.monotonic() - self.last_route_sweep > ROUTE_SWEEP_INTERVAL:
            self.last_route_sweep = time.monotonic()
            keep = {d.address for d in self.desktops.values()} | {s.address for s in wanted.values()} \
                | set(self.real_guest_routes)
            for route in ip_json("-4", "route", "show", "dev", BRIDGE):
                destination = route.get("dst", "")
                if destination and "/" not in destination and destination not in keep:
                    command(["ip", "route", "del", destination + "/32", "dev", BRIDGE], check=False)
                    log.info("removed the route to %s, which no desktop owns", destination)

    def remove_disks(self, known):
        for name in os.listdir(DESKTOPS):
            if not SERVER_ID.match(name) or name in known:
                continue
            try:
                if self.cloud.server_exists(name):
                    continue
            except CloudError:
                return
            desktop = self.desktops.pop(name, None) or Desktop(name)
            desktop.shutdown("deleted")
            shutil.rmtree(desktop.dir, ignore_errors=True)
            log.info("desktop %s: server deleted, its disk %s removed", name, desktop.dir)


def teardown_all():
    """Every desktop off and every namespace gone (dev/openstack/down); the disks stay."""
    if os.path.isdir(DESKTOPS):
        for name in os.listdir(DESKTOPS):
            if SERVER_ID.match(name):
                Desktop(name).shutdown("the test bed stops")
    for netns in os.listdir("/run/netns") if os.path.isdir("/run/netns") else []:
        if netns.startswith("hv-"):
            kill_all(netns_pids(netns))
            command(["ip", "netns", "del", netns], check=False)


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in ("run", "teardown-all"):
        print(__doc__.strip().splitlines()[-2:][0], file=sys.stderr)
        return 2
    os.makedirs(LOG_DIR, exist_ok=True)
    handler = logging.FileHandler(os.path.join(LOG_DIR, "heps-desktops.log"))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    if sys.argv[1] == "teardown-all":
        teardown_all()
        return 0
    daemon = Daemon()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: (daemon.stopping.set(), WAKE.set()))
    daemon.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
