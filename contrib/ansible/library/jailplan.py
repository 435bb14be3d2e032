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
  expect_digest:
    description:
      - The plan digest approved (from an earlier check-mode run's I(plan_digest), or a pull request).
      - Nothing is applied unless the plan made now has this digest.
      - Whatever it is, the module applies exactly the plan it showed (a saved plan, with its digest).
    type: str
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
plan_digest:
  description: The plan's digest (state=present), to approve and pass back as I(expect_digest).
  returned: state=present
  type: str
summary:
  description: The apply's outcome per jail (from C(--progress json)).
  returned: when applied
  type: dict
"""

import json
import os
import tempfile

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


def saved_digest(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f).get("plan_digest", "")


def present(module, p):
    # the plan shown is saved, and exactly that plan is applied: apply of a
    # saved plan checks its digest, its host, the configuration's files and
    # that the jails it touches are as they were (docs/plan-format.md)
    fd, saved = tempfile.mkstemp(prefix="jailplan-ansible-", suffix=".json")
    os.close(fd)
    try:
        plan_cmd = [p["binary"], "plan", "--detailed-exitcode", "-o", saved] + host_options(p)
        if p["prune"]:
            plan_cmd.append("--prune")
        plan_cmd.append(p["config"])
        rc, plan, err = module.run_command(plan_cmd, environ_update={"NO_COLOR": "1"})
        if rc not in (0, 2):
            failure(module, "plan", rc, plan, err)
        digest = saved_digest(saved)
        result = {"changed": rc == 2, "plan": plan, "plan_digest": digest}
        if module._diff:
            result["diff"] = {"prepared": plan}
        if rc == 0 or module.check_mode:
            module.exit_json(**result)
        if p["expect_digest"] and p["expect_digest"] != digest:
            module.fail_json(msg="jailplan: the plan is now %s, not the approved %s: nothing was applied"
                             % (digest, p["expect_digest"]), plan=plan, plan_digest=digest)
        apply_cmd = ([p["binary"], "apply", "--auto-approve", "--progress", "json", "--expect-digest", digest]
                     + host_options(p) + run_options(p) + [saved])
        rc, out, err = module.run_command(apply_cmd, environ_update={"NO_COLOR": "1"})
    finally:
        os.unlink(saved)
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
            expect_digest=dict(type="str"),
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
