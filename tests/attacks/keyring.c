/* Attack: read the host's kernel keyring.
 *
 * Keyrings are per user, not per namespace: uid 0 in a jail without a user
 * namespace of its own shares host root's user keyring. The test puts a
 * key there (description DESC); the jail must neither find it, read it,
 * see it in /proc/keys, nor add keys where host root would find them.
 *
 *   keyring DESC */
#define _GNU_SOURCE
#include <linux/keyctl.h>
#include <sys/syscall.h>

#include "attack.h"

static long keyctl5(int cmd, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5) {
  return syscall(SYS_keyctl, cmd, a2, a3, a4, a5);
}

static const int k_not_found[] = {ENOKEY, EACCES, EPERM, ENOSYS, EKEYREVOKED, EKEYEXPIRED, 0};

static void search(const char* desc, long ring, const char* ring_name) {
  char what[128];
  snprintf(what, sizeof what, "search %s for the host's key", ring_name);
  long key = keyctl5(KEYCTL_SEARCH, (unsigned long)ring, (unsigned long)"user", (unsigned long)desc, 0);
  if (key < 0) {
    expect_denied(what, key, errno, k_not_found);
    return;
  }
  char payload[256] = {0};
  long n = keyctl5(KEYCTL_READ, (unsigned long)key, (unsigned long)payload, sizeof payload - 1, 0);
  if (n >= 0)
    escaped(what, "found key %ld and read it: \"%.*s\"", key, (int)(n < 255 ? n : 255), payload);
  else
    escaped(what, "found key %ld (read: %s)", key, strerror(errno));
}

static void add(long ring, const char* ring_name) {
  char what[128], desc[64];
  snprintf(what, sizeof what, "add_key to %s", ring_name);
  snprintf(desc, sizeof desc, "jailplan-attack-%d", (int)getpid());
  long key = syscall(SYS_add_key, "user", desc, "planted", 7, ring);
  if (key >= 0) {
    keyctl5(KEYCTL_INVALIDATE, (unsigned long)key, 0, 0, 0);
    escaped(what, "added key %ld where host root finds it", key);
  } else {
    expect_denied(what, key, errno, k_not_found);
  }
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc != 2) {
    fprintf(stderr, "usage: keyring DESC\n");
    return 2;
  }
  alarm(20);
  const char* desc = argv[1];
  search(desc, KEY_SPEC_USER_KEYRING, "the user keyring");
  search(desc, KEY_SPEC_USER_SESSION_KEYRING, "the user session keyring");
  search(desc, KEY_SPEC_SESSION_KEYRING, "the session keyring");
  char keys[65536];
  if (read_small("/proc/keys", keys, sizeof keys) < 0)
    contained("/proc/keys", "not readable: %s", strerror(errno));
  else if (strstr(keys, desc) != NULL)
    escaped("/proc/keys", "lists the host's key %s", desc);
  else
    contained("/proc/keys", "the host's key is not listed");
  add(KEY_SPEC_USER_KEYRING, "the user keyring");
  add(KEY_SPEC_USER_SESSION_KEYRING, "the user session keyring");
  return attack_status();
}
