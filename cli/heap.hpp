#pragma once
/// The command-line process's heap, set up for what jailplan does with it:
/// a compilation allocates tens of MiB in a burst and the process exits
/// soon after. On the virtual machines jailplan is measured on, the first
/// touch of each 4 KiB page costs ~10 µs — at 10,000 jails that was more
/// than the parsing itself. Growing the heap in large steps backed by
/// transparent huge pages makes it one fault per 2 MiB.

namespace jailplan {

/// Grows malloc's heap by a large step now (address space only; pages are
/// still paid for when touched) and advises it as huge pages. Harmless
/// when the kernel declines, when transparent huge pages are off, or
/// under a sanitizer's malloc.
void prepare_heap();

}  // namespace jailplan
