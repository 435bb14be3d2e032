#!/bin/sh
# The Ansible module (contrib/ansible) for real: ansible-core from Debian
# runs tests/ansible/playbook.yml against this host with the Linux backend
# (check mode, diff, apply, idempotence, errors, absent). Needs root,
# ansible-playbook and busybox-static; without them it fails under CI=true
# and is skipped, loudly, elsewhere.
set -eu
binary=$1
source_dir=$2
missing=
[ "$(id -u)" = 0 ] || missing="root"
command -v ansible-playbook >/dev/null 2>&1 || missing="$missing ansible-playbook (ansible-core)"
[ -x /bin/busybox ] || missing="$missing /bin/busybox (busybox-static)"
. "$source_dir/tests/requirements.sh"
require ansible_module "$missing"
work=$(mktemp -d /tmp/jailplan-ansible-XXXXXX)
name="ans$$"
cleanup() {
	JAILPLAN_RUNTIME_DIR="$work/run" JAILPLAN_STATE_DIR="$work/applied" JAILPLAN_LOCK="$work/jailplan.lock" \
		"$binary" destroy --auto-approve --all "$work/jail.conf" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
"$source_dir/scripts/mkroot.sh" "$work/root" >/dev/null
cat > "$work/jail.conf" <<CONF
$name {
    path = "$work/root";
    host.hostname = "$name.ansible.test";
    ip4.addr = 203.0.113.90;
    mount.devfs;
    persist;
}
CONF
printf '%s { path = "%s/root"; persist; no_such_parameter = 1; }\n' "$name" "$work" > "$work/broken.conf"
export ANSIBLE_LIBRARY="$source_dir/contrib/ansible/library"
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false
export ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 ANSIBLE_NOCOLOR=1
ansible-playbook -i localhost, "$source_dir/tests/ansible/playbook.yml" \
	-e "work=$work" -e "binary=$binary" -e "jail_name=$name"
