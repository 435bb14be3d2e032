#!/bin/sh
# Builds a small jail root from Debian's busybox-static:
#   scripts/mkroot.sh DIR [OVERLAY]
# DIR gets a busybox userland, /etc/passwd and group, and an rc system
# (/etc/rc runs every /etc/rc.d/* script with "start", /etc/rc.shutdown
# runs them with "stop" in reverse order). OVERLAY, a directory, is copied
# over the result. Running it again refreshes the root.
set -eu
dir=${1:?usage: mkroot.sh DIR [OVERLAY]}
overlay=${2:-}
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "mkroot.sh: $busybox is missing (apt-get install busybox-static)" >&2; exit 1; }

if [ -n "$overlay" ]; then overlay=$(cd "$overlay" && pwd); fi
# directories made on the way are closed to other users (0700): jail root
# can plant setuid programs in DIR, which no other host user may reach
parent=$(dirname "$dir")
(umask 077 && mkdir -p "$parent")
mkdir -p "$dir"
# warn when every directory above DIR lets other users through
closed=""
p=$(cd "$parent" && pwd -P)
while :; do
  if [ "$(stat -c %u "$p")" = 0 ] && [ $(( 0$(stat -c %a "$p") & 1 )) = 0 ] &&
     { [ $(( 0$(stat -c %a "$p") & 8 )) = 0 ] || [ "$(stat -c %g "$p")" = 0 ]; }; then
    closed=$p
    break
  fi
  [ "$p" = / ] && break
  p=$(dirname "$p")
done
[ -n "$closed" ] || echo "mkroot.sh: warning: other users can reach $dir (no directory above it is owned by root with mode 0700); jailplan plan will refuse it" >&2
cd "$dir"
mkdir -p bin sbin usr/bin usr/sbin usr/local/bin etc/rc.d dev proc tmp root var/log var/run
chmod 1777 tmp
# replaced by rename: a running jail may be executing the old one
cp "$busybox" bin/.busybox.new && mv -f bin/.busybox.new bin/busybox
# every applet as a link, by busybox itself in one process (needs root for
# chroot); one ln per applet otherwise
if ! chroot . /bin/busybox --install -s 2>/dev/null; then
  for applet in $(bin/busybox --list-full); do
    [ -e "$applet" ] || ln -s /bin/busybox "$applet"
  done
fi
cat > etc/passwd <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
www:x:80:80:web server:/var/www:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat > etc/group <<'GROUP'
root:x:0:
www:x:80:
nogroup:x:65534:
GROUP
cat > etc/rc <<'RC'
#!/bin/sh
# start every service, in name order
for s in /etc/rc.d/*; do [ -x "$s" ] && "$s" start; done
exit 0
RC
cat > etc/rc.shutdown <<'RC'
#!/bin/sh
# stop every service, in reverse name order
for s in $(ls -r /etc/rc.d); do [ -x "/etc/rc.d/$s" ] && "/etc/rc.d/$s" stop; done
exit 0
RC
chmod 755 etc/rc etc/rc.shutdown
if [ -n "$overlay" ]; then
  cp -R "$overlay"/. .
fi
