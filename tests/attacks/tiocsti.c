/* Attack: type commands into the operator's terminal.
 *
 * A process run by `jailplan exec` from a terminal, or by a hook of an
 * apply run from one, must not reach that terminal's input queue: with
 * TIOCSTI, whatever it pushes there is read by the operator's shell, as
 * host root, once the jail command ends. Tries TIOCSTI on 0, 1, 2 and on
 * /dev/tty (the controlling terminal, whatever the descriptors are). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/ioctl.h>

#include "attack.h"

/* What it would type: harmless, and easy to find in the queue. */
static const char k_payload[] = "#jailplan-tiocsti\n";

static void inject(int fd, const char* what) {
  if (!isatty(fd)) {
    contained(what, "not a terminal");
    return;
  }
  int pushed = 0, err = 0;
  for (const char* c = k_payload; *c != '\0'; ++c) {
    if (ioctl(fd, TIOCSTI, c) != 0) {
      err = errno;
      break;
    }
    ++pushed;
  }
  if (pushed > 0)
    escaped(what, "TIOCSTI pushed %d characters into the terminal's input", pushed);
  else
    contained(what, "TIOCSTI: %s", strerror(err));
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  alarm(20);
  inject(0, "TIOCSTI on fd 0");
  inject(1, "TIOCSTI on fd 1");
  inject(2, "TIOCSTI on fd 2");
  const int tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (tty < 0) {
    contained("TIOCSTI on /dev/tty", "no controlling terminal: %s", strerror(errno));
  } else {
    inject(tty, "TIOCSTI on /dev/tty");
    close(tty);
  }
  return attack_status();
}
