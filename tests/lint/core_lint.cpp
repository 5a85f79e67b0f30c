#include "core_lint.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>

namespace qz::lint {

namespace {

bool is_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// open + text + close, built by appending (g++ 12 -Wrestrict misfires on "literal" + std::string at -O2).
std::string enclose(char open, std::string_view text, char close) {
  std::string out(1, open);
  out.append(text);
  out.push_back(close);
  return out;
}

// Blanks text[from, to) except newlines.
void blank(std::string* text, size_t from, size_t to) {
  for (size_t i = from; i < to && i < text->size(); i++) {
    if ((*text)[i] != '\n') (*text)[i] = ' ';
  }
}

// Index just past the literal that opens with `quote` at `open` (escapes honoured; stops at a newline for an
// unterminated literal).
size_t end_of_quoted(std::string_view source, size_t open, char quote) {
  size_t i = open + 1;
  while (i < source.size() && source[i] != quote && source[i] != '\n') i += source[i] == '\\' ? 2 : 1;
  return std::min(i + 1, source.size());
}

// True when the identifier that ends just before `quote_pos` is a raw-string prefix (R, u8R, uR, UR, LR).
bool raw_string_prefix(std::string_view source, size_t quote_pos) {
  size_t start = quote_pos;
  while (start > 0 && is_ident_char(source[start - 1])) start--;
  const std::string_view prefix = source.substr(start, quote_pos - start);
  return prefix == "R" || prefix == "u8R" || prefix == "uR" || prefix == "UR" || prefix == "LR";
}

std::vector<size_t> line_starts(std::string_view text) {
  std::vector<size_t> starts = {0};
  for (size_t i = 0; i < text.size(); i++) {
    if (text[i] == '\n') starts.push_back(i + 1);
  }
  return starts;
}

size_t line_of(const std::vector<size_t>& starts, size_t offset) {
  return static_cast<size_t>(std::upper_bound(starts.begin(), starts.end(), offset) - starts.begin());
}

// Identifiers banned anywhere in the core, and where they count.
enum class Context { anywhere, call, std_member };
struct Banned {
  std::string_view word;
  Context context;
  std::string_view rule;
};

constexpr std::string_view kFloat = "floating point: money is integer minor units";
constexpr std::string_view kRandom = "randomness: the core is deterministic (seeded qz::Prng is the only generator)";
constexpr std::string_view kClock = "clock: the core reads no clock; time comes in the block";
constexpr std::string_view kEnv = "environment: the core reads no environment";
constexpr std::string_view kThrow = "exception: rejections are qz::Result codes, programmer errors QZ_ASSERT";
constexpr std::string_view kThread = "threads: the core is single-threaded";

constexpr std::array kBanned = {
    Banned{"float", Context::anywhere, kFloat},
    Banned{"double", Context::anywhere, kFloat},
    Banned{"rand", Context::call, kRandom},
    Banned{"srand", Context::anywhere, kRandom},
    Banned{"random_device", Context::anywhere, kRandom},
    Banned{"system_clock", Context::anywhere, kClock},
    Banned{"steady_clock", Context::anywhere, kClock},
    Banned{"high_resolution_clock", Context::anywhere, kClock},
    Banned{"time", Context::call, kClock},
    Banned{"clock_gettime", Context::anywhere, kClock},
    Banned{"gettimeofday", Context::anywhere, kClock},
    Banned{"getenv", Context::anywhere, kEnv},
    Banned{"secure_getenv", Context::anywhere, kEnv},
    Banned{"throw", Context::anywhere, kThrow},
    Banned{"thread", Context::std_member, kThread},
    Banned{"jthread", Context::std_member, kThread},
    Banned{"async", Context::std_member, kThread},
};

constexpr std::array<std::string_view, 9> kBannedHeaders = {"fstream", "iostream", "thread",     "chrono", "random",
                                                            "ctime",   "future",   "filesystem", "time.h"};

// Non-standard headers a particular core file may include, with the reason.
struct AllowedInclude {
  std::string_view file;
  std::string_view header_prefix;
};
constexpr std::array kAllowedIncludes = {
    AllowedInclude{"src/base/sha256.cpp", "openssl/"},  // base = SHA-256 via OpenSSL, by design
};

bool preceded_by_member_access(std::string_view code, size_t start) {
  size_t i = start;
  while (i > 0 && is_space(code[i - 1])) i--;
  if (i >= 1 && code[i - 1] == '.') return true;
  return i >= 2 && code[i - 2] == '-' && code[i - 1] == '>';
}

bool preceded_by_std(std::string_view code, size_t start) {
  size_t i = start;
  while (i > 0 && is_space(code[i - 1])) i--;
  if (i < 2 || code[i - 1] != ':' || code[i - 2] != ':') return false;
  i -= 2;
  while (i > 0 && is_space(code[i - 1])) i--;
  return i >= 3 && code.substr(i - 3, 3) == "std" && (i == 3 || !is_ident_char(code[i - 4]));
}

bool followed_by_call(std::string_view code, size_t end) {
  size_t i = end;
  while (i < code.size() && is_space(code[i])) i++;
  return i < code.size() && code[i] == '(';
}

std::string module_of(std::string_view path) {
  // "src/<module>/..."
  if (path.substr(0, 4) != "src/") return "";
  const size_t slash = path.find('/', 4);
  return std::string(path.substr(4, slash == std::string_view::npos ? std::string_view::npos : slash - 4));
}

bool is_core_module(std::string_view module) {
  const auto& modules = core_modules();
  return std::find(modules.begin(), modules.end(), module) != modules.end();
}

void check_include(std::string_view path, size_t line, std::string_view header, bool angle,
                   std::vector<Finding>* findings) {
  const std::string file(path);
  const std::string shown = enclose(angle ? '<' : '"', header, angle ? '>' : '"');
  if (angle) {
    if (std::find(kBannedHeaders.begin(), kBannedHeaders.end(), header) != kBannedHeaders.end()) {
      findings->push_back({file, line, shown, "I/O, clocks, randomness and threads stay out of the core"});
      return;
    }
    if (header.find('/') == std::string_view::npos && header.find('.') == std::string_view::npos) return;
    for (const AllowedInclude& allowed : kAllowedIncludes) {
      if (path == allowed.file && header.substr(0, allowed.header_prefix.size()) == allowed.header_prefix) return;
    }
    findings->push_back({file, line, shown,
                         "the core includes only the C++ standard library (<cstdint>, not <stdint.h>) and core "
                         "headers"});
    return;
  }
  const std::string own = module_of(path);
  const size_t slash = header.find('/');
  const std::string target = slash == std::string_view::npos ? "" : std::string(header.substr(0, slash));
  if (!is_core_module(target)) {
    findings->push_back({file, line, shown, "a core module includes only core headers as \"<module>/<file>.h\""});
  } else if (own == "base" && target != "base") {
    findings->push_back({file, line, shown, "base depends on no other module"});
  }
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string format_finding(const Finding& finding) {
  return finding.file + ":" + std::to_string(finding.line) + ": `" + finding.what + "`: " + finding.rule;
}

const std::vector<std::string>& core_modules() {
  static const std::vector<std::string> modules = {"base", "ledger", "market", "money", "rules", "engine"};
  return modules;
}

std::string blank_comments_and_literals(std::string_view source) {
  std::string out(source);
  size_t i = 0;
  while (i < source.size()) {
    const char c = source[i];
    const char next = i + 1 < source.size() ? source[i + 1] : '\0';
    if (c == '/' && next == '/') {
      size_t end = source.find('\n', i);
      if (end == std::string_view::npos) end = source.size();
      blank(&out, i, end);
      i = end;
    } else if (c == '/' && next == '*') {
      size_t end = source.find("*/", i + 2);
      end = end == std::string_view::npos ? source.size() : end + 2;
      blank(&out, i, end);
      i = end;
    } else if (c == '"' && raw_string_prefix(source, i)) {
      const size_t paren = source.find('(', i);
      if (paren == std::string_view::npos) return out;
      const std::string closing = enclose(')', source.substr(i + 1, paren - i - 1), '"');
      size_t end = source.find(closing, paren);
      end = end == std::string_view::npos ? source.size() : end + closing.size();
      blank(&out, i + 1, end - 1);
      i = end;
    } else if (c == '"' || c == '\'') {
      const size_t end = end_of_quoted(source, i, c);
      blank(&out, i + 1, end - 1);
      i = end;
    } else if (is_digit(c)) {
      // A preprocessing number, digit separators included: 1'250'00, 0x1p-3, 1e+5.
      i++;
      while (i < source.size()) {
        const char d = source[i];
        const char prev = source[i - 1];
        if (is_ident_char(d) || d == '.' || (d == '\'' && i + 1 < source.size() && is_ident_char(source[i + 1])) ||
            ((d == '+' || d == '-') && (prev == 'e' || prev == 'E' || prev == 'p' || prev == 'P'))) {
          i++;
        } else {
          break;
        }
      }
    } else if (is_ident_char(c)) {
      while (i < source.size() && is_ident_char(source[i])) i++;
    } else {
      i++;
    }
  }
  return out;
}

std::vector<Finding> lint_source(std::string_view path, std::string_view source) {
  std::vector<Finding> findings;
  const std::string code = blank_comments_and_literals(source);
  const std::vector<size_t> starts = line_starts(code);

  // Banned identifiers.
  size_t i = 0;
  while (i < code.size()) {
    if (!is_ident_char(code[i])) {
      i++;
      continue;
    }
    const size_t start = i;
    while (i < code.size() && is_ident_char(code[i])) i++;
    if (is_digit(code[start])) continue;
    const std::string_view word = std::string_view(code).substr(start, i - start);
    for (const Banned& banned : kBanned) {
      if (word != banned.word) continue;
      const bool counts =
          banned.context == Context::anywhere ||
          (banned.context == Context::call && followed_by_call(code, i) && !preceded_by_member_access(code, start)) ||
          (banned.context == Context::std_member && preceded_by_std(code, start));
      if (counts) {
        findings.push_back({std::string(path), line_of(starts, start), std::string(word), std::string(banned.rule)});
      }
    }
  }

  // Includes: found in the blanked text (so commented-out ones do not count), read from the original.
  for (size_t s = 0; s < starts.size(); s++) {
    const size_t begin = starts[s];
    const size_t end = s + 1 < starts.size() ? starts[s + 1] : code.size();
    const std::string_view line = std::string_view(code).substr(begin, end - begin);
    size_t p = line.find_first_not_of(" \t");
    if (p == std::string_view::npos || line[p] != '#') continue;
    p = line.find_first_not_of(" \t", p + 1);
    if (p == std::string_view::npos || line.substr(p, 7) != "include") continue;
    p = line.find_first_of("<\"", p + 7);
    if (p == std::string_view::npos) continue;
    const bool angle = line[p] == '<';
    const std::string_view original = source.substr(begin, end - begin);
    const size_t close = original.find(angle ? '>' : '"', p + 1);
    if (close == std::string_view::npos) continue;
    check_include(path, s + 1, original.substr(p + 1, close - p - 1), angle, &findings);
  }
  return findings;
}

std::vector<Finding> lint_cmake(std::string_view path, std::string_view module, std::string_view text) {
  std::vector<Finding> findings;
  const std::string file(path);
  // Drop comments, keeping line numbers.
  std::string code(text);
  for (size_t i = 0; i < code.size(); i++) {
    if (code[i] == '#') {
      while (i < code.size() && code[i] != '\n') code[i++] = ' ';
    }
  }
  const std::vector<size_t> starts = line_starts(code);
  std::string own_target = "qz_";
  own_target.append(module);
  int libraries = 0;

  size_t i = 0;
  while (i < code.size()) {
    if (!is_ident_char(code[i])) {
      i++;
      continue;
    }
    const size_t start = i;
    while (i < code.size() && is_ident_char(code[i])) i++;
    std::string command(code.substr(start, i - start));
    std::transform(command.begin(), command.end(), command.begin(),
                   [](char ch) { return static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch); });
    size_t open = i;
    while (open < code.size() && is_space(code[open])) open++;
    if (open >= code.size() || code[open] != '(') continue;
    const size_t close = code.find(')', open);
    const std::string_view args_text =
        std::string_view(code).substr(open + 1, (close == std::string::npos ? code.size() : close) - open - 1);
    i = close == std::string::npos ? code.size() : close + 1;
    const size_t line = line_of(starts, start);

    std::vector<std::string> args;
    std::istringstream words{std::string(args_text)};
    for (std::string word; words >> word;) args.push_back(word);

    if (command == "qz_library") {
      libraries++;
      if (args.empty() || args[0] != own_target) {
        findings.push_back({file, line, args.empty() ? "qz_library()" : args[0],
                            "a core module declares exactly its own library, " + own_target});
      }
      if (std::find(args.begin(), args.end(), "CORE") == args.end()) {
        findings.push_back({file, line, own_target + " without CORE",
                            "core libraries are declared CORE (they get the conversion warnings)"});
      }
      bool in_deps = false;
      for (size_t a = 1; a < args.size(); a++) {
        if (args[a] == "DEPS" || args[a] == "SOURCES" || args[a] == "CORE") {
          in_deps = args[a] == "DEPS";
          continue;
        }
        if (!in_deps) continue;
        const std::string& dep = args[a];
        const bool core_dep = dep.substr(0, 3) == "qz_" && is_core_module(dep.substr(3));
        if (module == "base") {
          if (dep != "OpenSSL::Crypto") {
            findings.push_back({file, line, dep, "base links nothing but OpenSSL::Crypto (for SHA-256)"});
          }
        } else if (!core_dep) {
          findings.push_back({file, line, dep, "a core library links only core libraries"});
        }
      }
    } else if (command == "target_link_libraries" || command == "link_libraries" || command == "add_library" ||
               command == "add_executable" || command == "find_package" || command == "pkg_check_modules") {
      findings.push_back({file, line, command + "()",
                          "a core CMakeLists declares its library only with qz_library(... CORE ... DEPS <core>)"});
    }
  }
  if (libraries != 1) {
    findings.push_back({file, 1, std::to_string(libraries) + " qz_library calls",
                        "a core module declares exactly one library, " + own_target});
  }
  return findings;
}

TreeReport lint_tree(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  TreeReport report;
  for (const std::string& module : core_modules()) {
    const fs::path dir = root / "src" / module;
    if (!fs::is_directory(dir)) continue;
    std::vector<fs::path> files;
    for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      const std::string relative = fs::relative(file, root).generic_string();
      const std::string ext = file.extension().string();
      std::vector<Finding> found;
      if (file.filename() == "CMakeLists.txt") {
        found = lint_cmake(relative, module, read_file(file));
      } else if (ext == ".h" || ext == ".hpp" || ext == ".cpp" || ext == ".cc" || ext == ".inc") {
        found = lint_source(relative, read_file(file));
      } else {
        continue;
      }
      report.files.push_back(relative);
      report.findings.insert(report.findings.end(), found.begin(), found.end());
    }
  }
  return report;
}

}  // namespace qz::lint
