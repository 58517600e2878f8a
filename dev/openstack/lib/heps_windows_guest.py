"""What a test-bed Windows guest does at its first boot, played on Linux (README.md, "How a
Windows guest joins the domain"): the parts of the agent's windows.tmpl that matter to the
platform, done the way Windows does them.

- enroll GUEST_DIR: inside the VM's namespace (from its own address), as the PowerShell user
  data does: read the server id from the metadata service, present it with the one-time
  enrollment token to the agent's /v1/enrollment, and keep the domain join it answers with
  (root/etc/heps/domain-join.json, 0600).
- join GUEST_DIR: as Add-Computer's unsecured join does with the pre-staged computer account:
  bind as that computer with the one-time password and change it to a machine password of the
  guest's own (so the one-time password is used once), then write the guest's sssd.conf, whose
  LDAP connection to the domain controller binds as the computer with that machine password.
  Runs in the host's namespace: the Samba AD test bed listens on loopback only.

Neither password is ever printed or passed on a command line.
"""
import base64
import json
import os
import secrets
import string
import subprocess
import sys
import time
import urllib.request

METADATA = "http://169.254.169.254/openstack/latest/meta_data.json"
SAMBA_AD_PROPERTIES = os.path.join(os.environ.get("HEPS_SAMBA_AD_HOME", "/var/lib/heps-samba-ad"),
                                   "test-bed.properties")
ATTEMPTS, PAUSE = 60, 10
TIMEOUT = 10


def private_write(path, text):
    """Writes the file 0600 from the start (it holds a password)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def read_env(path):
    values = {}
    with open(path) as f:
        for line in f:
            name, _, value = line.strip().partition("=")
            if name:
                values[name] = value
    return values


def enroll(guest_dir):
    etc = os.path.join(guest_dir, "root/etc/heps")
    settings = read_env(os.path.join(etc, "enrollment.env"))
    agent, token = settings["HEPS_AGENT_URL"].rstrip("/"), settings["HEPS_ENROLLMENT_TOKEN"]
    for attempt in range(ATTEMPTS):
        try:
            with urllib.request.urlopen(METADATA, timeout=TIMEOUT) as response:
                server_id = json.load(response)["uuid"]
            request = urllib.request.Request(agent + "/v1/enrollment", method="POST",
                                             data=json.dumps({"serverId": server_id, "token": token}).encode(),
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                answer = json.load(response)
            break
        except (OSError, ValueError, KeyError) as e:
            print("enrollment attempt %d: %s" % (attempt + 1, e), file=sys.stderr)
            time.sleep(PAUSE)
    else:
        print("the agent at %s did not answer the enrollment" % agent, file=sys.stderr)
        return 1
    os.unlink(os.path.join(etc, "enrollment.env"))   # the token is used once
    join = answer.get("domainJoin")
    if not join:
        print("the agent handed out no domain join (is ad-domain set?): the guest stays out of the domain",
              file=sys.stderr)
        return 0
    private_write(os.path.join(etc, "domain-join.json"), json.dumps(join))
    print("enrolled: joining %s as %s" % (join["domain"], join["computerName"]))
    return 0


def samba_ad():
    properties = {}
    with open(SAMBA_AD_PROPERTIES) as f:
        for line in f:
            name, _, value = line.strip().partition("=")
            properties[name] = value
    return properties


def unicode_pwd(password):
    return base64.b64encode(('"%s"' % password).encode("utf-16-le")).decode()


def machine_password():
    """120 characters as Windows picks them for a machine account (random, all classes)."""
    alphabet = string.ascii_letters + string.digits + "-_.!+*"
    return "Aa1-" + "".join(secrets.choice(alphabet) for _ in range(116))


def ldap(command, url, ca_file, bind_dn, password, ldif, guest_dir):
    """Runs an OpenLDAP client bound as bind_dn; the password goes through a 0600 file (-y)."""
    secret = os.path.join(guest_dir, "run", "ldap-bind")
    private_write(secret, password)
    try:
        return subprocess.run([command, "-H", url, "-x", "-D", bind_dn, "-y", secret],
                              input=ldif.encode(), capture_output=True, timeout=TIMEOUT,
                              env={"PATH": "/usr/bin:/bin", "LDAPTLS_CACERT": ca_file, "LDAPTLS_REQCERT": "demand"})
    finally:
        os.unlink(secret)


SSSD_CONF = """# Written by the test bed when the guest joined the domain (lib/heps_windows_guest.py).
[sssd]
services = nss, pam
domains = %(domain)s

[nss]
filter_users = root
filter_groups = root

[domain/%(domain)s]
# The domain controller's LDAP over TLS, bound as this computer with its own machine password;
# users sign in with an LDAP bind as themselves. The uidNumber/gidNumber the agent gave each
# account in AD, never numbers derived from SIDs.
id_provider = ldap
auth_provider = ldap
access_provider = permit
chpass_provider = none
ldap_schema = ad
ldap_uri = %(url)s
ldap_tls_cacert = %(ca)s
ldap_tls_reqcert = demand
ldap_search_base = %(base)s
ldap_default_bind_dn = %(dn)s
ldap_default_authtok_type = password
ldap_default_authtok = %(password)s
ldap_id_mapping = false
ldap_user_name = sAMAccountName
ldap_group_name = sAMAccountName
ldap_user_home_directory = unixHomeDirectory
ldap_referrals = false
cache_credentials = false
use_fully_qualified_names = false
"""


def join(guest_dir):
    etc = os.path.join(guest_dir, "root/etc/heps")
    with open(os.path.join(etc, "domain-join.json")) as f:
        join = json.load(f)
    dc = samba_ad()
    dn = "CN=%s,%s" % (join["computerName"], join["organizationalUnit"])
    machine = machine_password()
    change = ("dn: %s\nchangetype: modify\ndelete: unicodePwd\nunicodePwd:: %s\n-\nadd: unicodePwd\n"
              "unicodePwd:: %s\n-\n") % (dn, unicode_pwd(join["password"]), unicode_pwd(machine))
    result = ldap("ldapmodify", dc["url"], dc["ca-file"], dn, join["password"], change, guest_dir)
    if result.returncode != 0:
        print("joining %s as %s failed: ldapmodify exit %d: %s" % (join["domain"], dn, result.returncode,
              result.stderr.decode(errors="replace").strip()[:300]), file=sys.stderr)
        return 1
    private_write(os.path.join(etc, "machine-account.json"), json.dumps({"dn": dn, "password": machine}))
    private_write(os.path.join(guest_dir, "sssd/etc/sssd.conf"), SSSD_CONF % {
        "domain": join["domain"], "url": dc["url"], "ca": dc["ca-file"], "base": dc["base-dn"], "dn": dn,
        "password": machine})
    os.unlink(os.path.join(etc, "domain-join.json"))   # the one-time password is used up
    print("joined %s as %s" % (join["domain"], dn))
    return 0


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("enroll", "join"):
        print("usage: heps_windows_guest.py enroll|join GUEST_DIR", file=sys.stderr)
        return 2
    return enroll(sys.argv[2]) if sys.argv[1] == "enroll" else join(sys.argv[2])


if __name__ == "__main__":
    sys.exit(main())
