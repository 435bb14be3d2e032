/* Attack: send packets as someone else (a jail given allow.raw_sockets).
 *
 * A FreeBSD jail's raw socket may only send from the jail's own addresses.
 * This sends UDP datagrams built by hand (IP_HDRINCL) to DEST:PORT: one
 * from the jail's own address (the control: it must arrive) and one from
 * each FOREIGN address (another jail's, or nobody's). The verdict is the
 * host's: the test listens at DEST:PORT, and no datagram may arrive from a
 * foreign address. A send the kernel refuses is contained here already.
 *
 *   raw_spoof OWN DEST PORT FOREIGN... */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include "attack.h"

static int send_from(int s, const char* source, const char* dest, int port, const char* payload) {
  unsigned char packet[256];
  memset(packet, 0, sizeof packet);
  struct iphdr* ip = (struct iphdr*)packet;
  struct udphdr* udp = (struct udphdr*)(packet + sizeof *ip);
  const size_t len = strlen(payload);
  memcpy(packet + sizeof *ip + sizeof *udp, payload, len);
  ip->version = 4;
  ip->ihl = 5;
  ip->ttl = 16;
  ip->protocol = IPPROTO_UDP;
  ip->tot_len = htons((unsigned short)(sizeof *ip + sizeof *udp + len));
  inet_pton(AF_INET, source, &ip->saddr);
  inet_pton(AF_INET, dest, &ip->daddr);
  udp->source = htons(40000);
  udp->dest = htons((unsigned short)port);
  udp->len = htons((unsigned short)(sizeof *udp + len));
  udp->check = 0; /* none: IPv4 allows it */
  struct sockaddr_in to;
  memset(&to, 0, sizeof to);
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = ip->daddr;
  int sent = 0, err = 0;
  for (int i = 0; i < 3; ++i) {
    if (sendto(s, packet, sizeof *ip + sizeof *udp + len, 0, (struct sockaddr*)&to, sizeof to) < 0)
      err = errno;
    else
      ++sent;
  }
  if (sent == 0) errno = err;
  return sent;
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 5) {
    fprintf(stderr, "usage: raw_spoof OWN DEST PORT FOREIGN...\n");
    return 2;
  }
  alarm(20);
  const char *own = argv[1], *dest = argv[2];
  const int port = atoi(argv[3]);
  const int s = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
  if (s < 0) {
    setup_problem("raw socket", "%s (is allow.raw_sockets set?)", strerror(errno));
    return attack_status();
  }
  const int on = 1;
  setsockopt(s, IPPROTO_IP, IP_HDRINCL, &on, sizeof on);
  char payload[128];
  snprintf(payload, sizeof payload, "jailplan-raw from %s", own);
  if (send_from(s, own, dest, port, payload) == 0)
    setup_problem("send from the jail's own address", "%s", strerror(errno));
  else
    printf("SENT from the jail's own address %s\n", own);
  for (int i = 4; i < argc; ++i) {
    char what[128];
    snprintf(what, sizeof what, "send from foreign address %s", argv[i]);
    snprintf(payload, sizeof payload, "jailplan-raw from %s", argv[i]);
    if (send_from(s, argv[i], dest, port, payload) == 0)
      contained(what, "the kernel refused: %s", strerror(errno));
    else
      printf("SENT from foreign address %s (the host says whether it arrived)\n", argv[i]);
  }
  close(s);
  return attack_status();
}
