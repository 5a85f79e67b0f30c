// The core lint: what the deterministic core (src/base, ledger, engine, market, money, rules) must not contain.
//
// DESIGN.md section 1: the core reads no clock, no randomness, no files, no environment, uses no floating point
// and no exceptions, runs on one thread, and depends only on other core modules (base: SHA-256 via OpenSSL).
// This scanner finds the tokens and includes that would break that promise, outside comments and string or
// character literals, and checks that each core CMakeLists.txt declares one CORE library linking only core
// targets. It is deliberately simple (tokens, not a parser): a finding names the file, the line and the rule.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace qz::lint {

struct Finding {
  std::string file;  // relative to the repository root, e.g. "src/engine/engine.cpp"
  size_t line = 0;   // 1-based
  std::string what;  // the token, include or dependency found
  std::string rule;  // why it is banned
};

// "src/engine/engine.cpp:12: `double`: floating point ..."
std::string format_finding(const Finding& finding);

// The modules DESIGN.md calls core, and their CMake targets (qz_<module>).
const std::vector<std::string>& core_modules();

// Replaces comments and the contents of string and character literals (raw strings included) with spaces,
// keeping every newline, so offsets and line numbers stay those of `source`. Digit separators (1'000) stay.
std::string blank_comments_and_literals(std::string_view source);

// Findings in one core source file; `path` is relative to the root and picks the module's include rules.
std::vector<Finding> lint_source(std::string_view path, std::string_view source);

// Findings in the CMakeLists.txt of core module `module`.
std::vector<Finding> lint_cmake(std::string_view path, std::string_view module, std::string_view text);

struct TreeReport {
  std::vector<std::string> files;  // every file scanned, sorted
  std::vector<Finding> findings;
};

// Scans every C++ source and CMakeLists.txt of the core modules present under `root`/src.
TreeReport lint_tree(const std::filesystem::path& root);

}  // namespace qz::lint
