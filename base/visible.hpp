#pragma once
/// Text from input (a value, a name, a file name) as it may reach a
/// terminal: nothing in it can move the cursor, clear the screen, retitle
/// the window, reorder what follows or start a new line.

#include <string>
#include <string_view>

namespace jailplan {

/// `text` with every control character written visibly: `\t`, `\n`, `\r`
/// and `\xHH` for the other C0 bytes and DEL (ESC is `\x1b`, so an escape
/// sequence shows as text), `\u0085`-style for C1 controls and for the
/// characters that reorder or break lines (U+2028, U+2029, the bidi
/// embeddings, overrides and isolates), and `\xHH` for each byte that is
/// not part of well-formed UTF-8. Everything else, backslashes included,
/// is itself; ordinary text is unchanged.
std::string visible(std::string_view text);
/// visible() keeping tabs, for a source line shown with a caret under it.
std::string visible_keeping_tabs(std::string_view text);

/// Whether visible(text) would change it.
bool needs_escape(std::string_view text);

}  // namespace jailplan
