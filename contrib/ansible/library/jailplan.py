#!/usr/bin/python3
# -*- coding: utf-8 -*-
"""Ansible module: converge a host's jails with jailplan."""

DOCUMENTATION = r"""
---
module: jailplan
short_description: Converge a host's jails to a jailplan configuration
description:
  - Runs C(jailplan plan) to find out whether the host's jails differ from
    the configuration, and C(jailplan apply) to make them match.
  - In check mode only the plan is made; C(changed) says whether apply
    would change anything. In diff mode the plan is the diff.
  - With I(state=absent) every jail the configuration declares is
    destroyed, as C(jail -r) does.
options:
  config:
    description: The configuration on the managed host (jail.conf or YAML).
    required: true
    type: path
  state:
    description: C(present) applies the configuration; C(absent) destroys its jails.
    choices: [present, absent]
    default: present
    type: str
  backend:
    description: C(freebsd) or C(linux); default the host's own.
    type: str
  prune:
    description: Also destroy jails jailplan created that are no longer declared.
    type: bool
    default: false
  jobs:
    description: Jails worked on at once.
    type: int
  allow_unenforced:
    description: Linux backend, accept parameters it enforces less strictly than asked.
    type: bool
    default: false
  binary:
    description: The jailplan program.
    type: path
    default: jailplan
"""

EXAMPLES = r"""
- name: The jails of this host
  jailplan:
    config: /usr/local/etc/jailplan/jail.conf
    backend: freebsd
    jobs: 4
"""

RETURN = r"""
plan:
  description: The plan, as jailplan prints it.
  returned: always
  type: str
summary:
  description: The apply's outcome per jail (from C(--progress json)).
  returned: when applied
  type: dict
"""

import json

from ansible.module_utils.basic import AnsibleModule


def host_options(p):
    out = []
    if p["backend"]:
        out += ["--backend", p["backend"]]
    if p["allow_unenforced"]:
        out.append("--allow-unenforced")
    return out


def run_options(p):
    return ["-j", str(p["jobs"])] if p["jobs"] else []


def failure(module, what, rc, out, err):
    # jailplan's own message: the last error lines it printed
    lines = [l for l in (err or out).splitlines() if l.strip()]
    module.fail_json(msg="jailplan %s failed (exit %d): %s" % (what, rc, "\n".join(lines[-10:])),
                     rc=rc, stdout=out, stderr=err)


def present(module, p):
    plan_cmd = [p["binary"], "plan", "--detailed-exitcode"] + host_options(p)
    if p["prune"]:
        plan_cmd.append("--prune")
    plan_cmd.append(p["config"])
    rc, plan, err = module.run_command(plan_cmd, environ_update={"NO_COLOR": "1"})
    if rc not in (0, 2):
        failure(module, "plan", rc, plan, err)
    result = {"changed": rc == 2, "plan": plan}
    if module._diff:
        result["diff"] = {"prepared": plan}
    if rc == 0 or module.check_mode:
        module.exit_json(**result)
    apply_cmd = [p["binary"], "apply", "--auto-approve", "--progress", "json"] + host_options(p) + run_options(p)
    if p["prune"]:
        apply_cmd.append("--prune")
    apply_cmd.append(p["config"])
    rc, out, err = module.run_command(apply_cmd, environ_update={"NO_COLOR": "1"})
    summary = None
    for line in out.splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict) and "summary" in obj:
            summary = obj["summary"]
    if rc != 0:
        failed = [j for j in (summary or {}).get("jails", []) if j.get("status") != "done"]
        detail = "; ".join("%s: %s" % (j["jail"], j.get("error", "")) for j in failed)
        if detail:
            module.fail_json(msg="jailplan apply failed: " + detail, rc=rc, stdout=out, stderr=err, plan=plan)
        failure(module, "apply", rc, out, err)
    result["summary"] = summary
    module.exit_json(**result)


def absent(module, p):
    cmd = [p["binary"], "destroy", "--all", "--auto-approve", "--dry-run"] + host_options(p)
    cmd.append(p["config"])
    rc, out, err = module.run_command(cmd, environ_update={"NO_COLOR": "1"})
    if rc != 0:
        failure(module, "destroy --dry-run", rc, out, err)
    would = "will be destroyed" in out
    result = {"changed": would, "plan": out}
    if module._diff:
        result["diff"] = {"prepared": out}
    if not would or module.check_mode:
        module.exit_json(**result)
    cmd = [p["binary"], "destroy", "--all", "--auto-approve", "--progress", "json"] + host_options(p) + run_options(p)
    cmd.append(p["config"])
    rc, out, err = module.run_command(cmd, environ_update={"NO_COLOR": "1"})
    if rc != 0:
        failure(module, "destroy", rc, out, err)
    module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            config=dict(type="path", required=True),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            backend=dict(type="str", choices=["freebsd", "linux"]),
            prune=dict(type="bool", default=False),
            jobs=dict(type="int"),
            allow_unenforced=dict(type="bool", default=False),
            binary=dict(type="path", default="jailplan"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if p["state"] == "present":
        present(module, p)
    else:
        absent(module, p)


if __name__ == "__main__":
    main()
