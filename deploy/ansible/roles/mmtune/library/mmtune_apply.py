#!/usr/bin/python3
# -*- coding: utf-8 -*-
"""Ansible module: apply mmtune advice (or a sysctl.d file) through mmtune's journal."""

DOCUMENTATION = r"""
---
module: mmtune_apply
short_description: Apply mmtune advice through its journal, idempotently
description:
  - Asks C(mmtune apply FILE --json) what would change (each knob's current and requested value,
    and the sysctl.d file C(--persist) writes). Nothing to change reports C(changed=false).
  - In check mode it only reports what would change; with C(--diff) it shows old and new values.
  - Otherwise it runs C(mmtune apply FILE --yes --json): every change goes through mmtune's journal
    (all or nothing), stays, and C(mmtune restore --applied) takes it back. The journal is where
    C(MMTUNE_STATE_DIR) says (the task's environment), or mmtune's default.
options:
  file:
    description: An advice JSON (mmtune advise --json), a tune JSON, or a sysctl.d file, on the host.
    required: true
    type: path
  persist:
    description: Also write the sysctl.d file so the values survive a reboot.
    type: bool
    default: true
  sysctl_file:
    description: The sysctl.d file C(--persist) writes.
    type: path
    default: /etc/sysctl.d/90-mmtune.conf
  lock_wait:
    description: Seconds to wait for another mmtune that holds the host (its host lock) before
      applying; 0 fails at once (exit 3).
    type: int
    default: 300
  binary:
    description: The mmtune binary.
    type: str
    default: mmtune
"""

RETURN = r"""
settings:
  description: Each knob with its path, current and requested value, and whether it changes.
  returned: always
  type: list
applied:
  description: What was applied (knob, old, new); empty in check mode or when nothing changed.
  returned: always
  type: list
"""

import json

from ansible.module_utils.basic import AnsibleModule


def mmtune_apply(module, yes):
    params = module.params
    command = [params["binary"], "apply", params["file"], "--json"]
    if params["persist"]:
        command += ["--persist", "--sysctl-file", params["sysctl_file"]]
    if yes:
        command.append("--yes")
        if params["lock_wait"] > 0:
            command.append("--wait=%ds" % params["lock_wait"])
    rc, out, err = module.run_command(command)
    if rc != 0:
        module.fail_json(msg="mmtune apply failed (exit %d): %s" % (rc, err.strip()),
                         rc=rc, stdout=out, stderr=err, cmd=command)
    return json.loads(out)


def diff_of(plan):
    changing = [s for s in plan["settings"] if s["changes"]]
    diff = [{
        "before_header": "running kernel",
        "after_header": "after mmtune apply",
        "before": "".join("%s = %s\n" % (s["knob"], s["current"]) for s in changing),
        "after": "".join("%s = %s\n" % (s["knob"], s["requested"]) for s in changing),
    }]
    persist = plan.get("persist")
    if persist and persist["changes"]:
        diff.append({"before_header": persist["file"], "after_header": persist["file"],
                     "before": persist["before"], "after": persist["after"]})
    return diff


def main():
    module = AnsibleModule(
        argument_spec=dict(
            file=dict(type="path", required=True),
            persist=dict(type="bool", default=True),
            sysctl_file=dict(type="path", default="/etc/sysctl.d/90-mmtune.conf"),
            lock_wait=dict(type="int", default=300),
            binary=dict(type="str", default="mmtune"),
        ),
        supports_check_mode=True,
    )
    plan = mmtune_apply(module, yes=False)
    result = dict(changed=plan["changes"], settings=plan["settings"], notes=plan["notes"],
                  applied=[], diff=diff_of(plan))
    if plan["changes"] and not module.check_mode:
        done = mmtune_apply(module, yes=True)
        result["applied"] = done.get("applied", [])
        result["journal"] = done.get("journal")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
