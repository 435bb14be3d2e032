#pragma once
/// Small text helpers every layer uses: splitting on blanks as jail(8) and
/// fstab(5) do, strunvis(3)'s escapes, and argv shown to people.

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jailplan {

/// The lines of a text one at a time, without their newline (a last line
/// without one too), each with where it starts:
/// `for (Lines l(text); l.next();) use(l.line, l.offset);`
class Lines {
 public:
  explicit Lines(std::string_view text) : m_text(text) {}
  bool next() {
    if (m_pos >= m_text.size()) return false;
    const std::size_t eol = std::min(m_text.find('\n', m_pos), m_text.size());
    offset = m_pos;
    line = m_text.substr(m_pos, eol - m_pos);
    m_pos = eol + 1;
    return true;
  }
  std::string_view line;   ///< the current line
  std::size_t offset = 0;  ///< where it starts in the text

 private:
  std::string_view m_text;
  std::size_t m_pos = 0;
};

/// Words separated by blanks (spaces, tabs, newlines), as jail(8) splits
/// a command and fstab(5) a line.
std::vector<std::string> split_blanks(std::string_view text);

/// strunvis(3) for the escapes fstab files use: `\040` (three octal
/// digits) is that byte, a backslash before any other character is that
/// character.
std::string unvis(std::string_view text);

/// strunvis(3) exactly, for text strvis(3) made with any flags: `\ooo`
/// (one to three octal digits), `\xhh`, `\n \t \r \b \a \v \f \s \E`,
/// `\^X` and `\M-X` / `\M^X` (meta), `\$` and backslash-newline (nothing),
/// and a backslash before any other graphic character for that character.
/// nullopt when it is not such text (a lone backslash at the end, `\M`
/// without `-` or `^`, a backslash before a blank or a control byte).
std::optional<std::string> strunvis(std::string_view text);

/// An argv for people: words joined by spaces, quoted for sh(1) when they
/// need it.
std::string format_argv(const std::vector<std::string>& argv);

/// `name` as one path component that cannot leave its directory: letters,
/// digits and `_ - . + , @ : = ~` stay as they are (so ordinary names are
/// their own file names); every other byte, `%`, and a leading `.` become
/// `%XX`. The result never contains `/` or NUL and is never `.`, `..`, ""
/// or hidden; it may be longer than a file name can be (callers check).
std::string encode_path_component(std::string_view name);
/// The inverse of encode_path_component; nullopt for text it cannot have made.
std::optional<std::string> decode_path_component(std::string_view text);

}  // namespace jailplan
