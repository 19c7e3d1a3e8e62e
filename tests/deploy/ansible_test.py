#!/usr/bin/env python3
"""The Ansible role in deploy/ansible, run by ansible-playbook against three hosts: one over SSH
to an sshd this test starts on 127.0.0.1, two with ansible_connection=local. All three are this
machine, each with its own results, journal and sysctl.d file.

  1. check mode with --diff: each host runs `mmtune tune` and shows what applying a sysctl.d file
     would change (vm.swappiness old -> new); nothing changes on the host.
  2. apply mode (mmtune_apply=true): the value is applied through mmtune's journal with --persist.
  3. the same again: changed=0 on every host.
  4. baseline, then check, on the SSH host: the check's JSON, HTML and JUnit are fetched.
  5. a run over its per-host timeout is killed; the role runs `mmtune restore` and fails the host.
At the end `mmtune restore --applied` takes everything back and vm.swappiness is as it was.
Without swap on the host, vm.swappiness changes nothing the kernel does, so applying it here is
harmless; the test holds the test suite's host-settings lock throughout.

Usage: ansible_test.py MMTUNE SOURCE_DIR. Exit 77 (skipped) when ansible-playbook or sshd is
missing, or when not root (applying a sysctl needs root).
"""
import fcntl
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77
SWAPPINESS = "/proc/sys/vm/swappiness"
HOSTS = ["ssh-host", "local-a", "local-b"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sshd(work):
    """An sshd on 127.0.0.1 that lets root in with a key made here; returns (process, port, key)."""
    for name in ("host_key", "client_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", f"{work}/{name}"], check=True)
    shutil.copy(f"{work}/client_key.pub", f"{work}/authorized_keys")
    port = free_port()
    with open(f"{work}/sshd_config", "w") as config:
        config.write(f"""Port {port}
ListenAddress 127.0.0.1
HostKey {work}/host_key
PidFile {work}/sshd.pid
AuthorizedKeysFile {work}/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp /usr/lib/openssh/sftp-server
LogLevel ERROR
""")
    process = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", f"{work}/sshd_config"],
                               stderr=open(f"{work}/sshd.log", "w"))
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port, f"{work}/client_key"
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("sshd did not start: " + open(f"{work}/sshd.log").read())
            time.sleep(0.05)


def write_inventory(work, port, key, mmtune, source):
    per_host = work + "/hosts/{{ inventory_hostname }}"
    with open(f"{work}/inventory.ini", "w") as inventory:
        inventory.write(f"""[mmtune]
ssh-host ansible_host=127.0.0.1 ansible_port={port} ansible_user=root ansible_ssh_private_key_file={key} ansible_python_interpreter=/usr/bin/python3
local-a ansible_connection=local ansible_python_interpreter={sys.executable}
local-b ansible_connection=local ansible_python_interpreter={sys.executable}

[mmtune:vars]
ansible_become=false
ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'
mmtune_binary={mmtune}
mmtune_profile={source}/tests/data/profiles/ci-tiny.json
mmtune_throttle=1
mmtune_timeout=120
mmtune_results_dir={work}/results
mmtune_remote_results_dir={per_host}/results
mmtune_state_dir={per_host}/state
mmtune_sysctl_file={per_host}/90-mmtune.conf
mmtune_textfile_dir={per_host}/textfile
mmtune_apply_file={work}/swappiness.conf
""")
    for host in HOSTS:
        for sub in ("state", "textfile"):
            os.makedirs(f"{work}/hosts/{host}/{sub}")


RECAP = re.compile(r"^(\S+)\s*: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+"
                   r"skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+)", re.M)


def playbook(work, source, title, *args, expect_rc=0):
    env = dict(os.environ, ANSIBLE_CONFIG=f"{source}/deploy/ansible/ansible.cfg",
               ANSIBLE_ROLES_PATH=f"{source}/deploy/ansible/roles", ANSIBLE_PIPELINING="true",
               ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_SSH_CONTROL_PATH_DIR=f"{work}/cp",
               ANSIBLE_LOCAL_TEMP=f"{work}/tmp", ANSIBLE_RETRY_FILES_ENABLED="false")
    started = time.monotonic()
    result = subprocess.run(["ansible-playbook", "-i", f"{work}/inventory.ini",
                             f"{source}/deploy/ansible/playbook.yml", "-e", "mmtune_serial=100%", *args],
                            capture_output=True, text=True, env=env)
    elapsed = time.monotonic() - started
    with open(f"{work}/{title.replace(' ', '-')}.log", "w") as log:
        log.write(result.stdout + result.stderr)
    recap = {m[0]: dict(zip(("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored"),
                            map(int, m[1:]))) for m in RECAP.findall(result.stdout)}
    print(f"== {title}: ansible-playbook {' '.join(args)} ({elapsed:.1f} s)")
    for line in result.stdout.splitlines():
        if RECAP.match(line):
            print("   " + line.strip())
    if result.returncode != expect_rc:
        print(result.stdout[-6000:], result.stderr[-3000:])
        raise AssertionError(f"{title}: exit {result.returncode}, expected {expect_rc}")
    return result.stdout, recap


def swappiness():
    return open(SWAPPINESS).read().strip()


def restore_applied(mmtune, work):
    for host in reversed(HOSTS):
        subprocess.run([mmtune, "restore", "--applied", "--state-dir", f"{work}/hosts/{host}/state"],
                       capture_output=True, text=True)


def run_all(mmtune, source, work):
    original = swappiness()
    wanted = str(int(original) - 1 if int(original) > 0 else 1)
    with open(f"{work}/swappiness.conf", "w") as conf:
        conf.write(f"vm.swappiness = {wanted}\n")
    sshd, port, key = start_sshd(work)
    try:
        write_inventory(work, port, key, mmtune, source)

        out, recap = playbook(work, source, "check mode", "--check", "--diff", "-e", "mmtune_apply=true")
        assert set(recap) == set(HOSTS), recap
        assert all(r["failed"] == 0 and r["changed"] >= 1 for r in recap.values()), recap
        assert f"-vm.swappiness = {original}" in out and f"+vm.swappiness = {wanted}" in out, out[-3000:]
        assert swappiness() == original, "check mode changed vm.swappiness"
        assert not any(os.path.exists(f"{work}/hosts/{h}/90-mmtune.conf") for h in HOSTS)
        print(f"   --diff showed vm.swappiness {original} -> {wanted}; nothing changed on the host")

        out, recap = playbook(work, source, "apply mode", "-e", "mmtune_apply=true")
        assert all(r["failed"] == 0 and r["changed"] >= 1 for r in recap.values()), recap
        assert swappiness() == wanted, swappiness()
        for host in HOSTS:
            assert f"vm.swappiness = {wanted}" in open(f"{work}/hosts/{host}/90-mmtune.conf").read()
        print(f"   vm.swappiness is {wanted}; each host's sysctl.d file holds it")

        out, recap = playbook(work, source, "apply again", "-e", "mmtune_apply=true")
        assert all(r["failed"] == 0 and r["changed"] == 0 for r in recap.values()), recap
        print("   changed=0 on every host")

        for host in HOSTS:
            fetched = sorted(os.listdir(f"{work}/results/{host}"))
            assert {"mmtune-tune-ci-tiny.json", "mmtune-tune-ci-tiny.html", "mmtune-tune-ci-tiny.md"} <= set(fetched)
            assert os.path.getsize(f"{work}/hosts/{host}/textfile/mmtune.prom") > 0
        print(f"   fetched to results/<host>/: {', '.join(sorted(os.listdir(f'{work}/results/local-a')))}")

        playbook(work, source, "baseline", "--limit", "ssh-host", "-e", "mmtune_command=baseline")
        playbook(work, source, "check", "--limit", "ssh-host", "-e", "mmtune_command=check",
                 "-e", "mmtune_fail_on_check=false")
        fetched = set(os.listdir(f"{work}/results/ssh-host"))
        assert {"mmtune-baseline.json", "mmtune-check.json", "mmtune-check.xml", "mmtune-check.html"} <= fetched
        junit = open(f"{work}/results/ssh-host/mmtune-check.xml").read()
        assert "<testsuites" in junit and "<testcase" in junit
        check = json.load(open(f"{work}/results/ssh-host/mmtune-check.json"))
        print(f"   fetched the check's JSON ({check['counts']}), HTML and JUnit from ssh-host")

        # tune with the general profile runs for many seconds: over a 3 s limit it is killed.
        out, recap = playbook(work, source, "timeout and restore", "--limit", "local-a", "-e", "mmtune_profile=",
                              "-e", "mmtune_timeout=3", "-e", "mmtune_timeout_signal=KILL", expect_rc=2)
        assert recap["local-a"]["failed"] == 1 and recap["local-a"]["rescued"] == 1, recap
        restored = re.search(r"restored \(killed run\): [^;\"]*", out)
        assert restored, out[-3000:]
        print(f"   the role's `mmtune restore` after the kill: {restored.group(0)}")
        leftovers = subprocess.run([mmtune, "restore", "--state-dir", f"{work}/hosts/local-a/state"],
                                   capture_output=True, text=True).stdout
        assert "nothing to restore" in leftovers, leftovers
    finally:
        restore_applied(mmtune, work)
        sshd.terminate()
        sshd.wait(timeout=10)
    assert swappiness() == original, f"vm.swappiness is {swappiness()}, was {original}"
    print(f"restored: vm.swappiness is {original} again")


def main():
    mmtune, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    for tool in ("ansible-playbook", "/usr/sbin/sshd", "ssh-keygen"):
        if not shutil.which(tool):
            print(f"SKIP: {tool} is not installed (scripts/install-deps.sh installs it)")
            return SKIP
    if os.geteuid() != 0:
        print("SKIP: not root: apply mode writes vm.swappiness")
        return SKIP
    started = time.monotonic()
    # sshd needs its privilege separation directory; make it only when missing, and remove it then.
    made_run_sshd = not os.path.isdir("/run/sshd")
    if made_run_sshd:
        os.makedirs("/run/sshd", mode=0o755)
    lock = open("/tmp/mmtune-host-settings.lock", "a")
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        with tempfile.TemporaryDirectory(prefix="mmtune-ansible-") as work:
            run_all(mmtune, source, work)
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        if made_run_sshd:
            shutil.rmtree("/run/sshd", ignore_errors=True)
    print(f"passed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
