// The core lint (core_lint.h) run over the real tree, and rule tables pinning what the scanner finds and skips.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "base/result.h"
#include "core_lint.h"

#ifndef QZ_SOURCE_DIR
#error "QZ_SOURCE_DIR must name the repository root"
#endif

namespace qz::lint {
namespace {

std::string describe(const std::vector<Finding>& findings) {
  std::string text;
  for (const Finding& finding : findings) text += "  " + format_finding(finding) + "\n";
  return text;
}

// --- The real tree -----------------------------------------------------------------------------------------------

TEST(CoreLint, CoreSourcesAndTargetsFollowTheRules) {
  const TreeReport report = lint_tree(QZ_SOURCE_DIR);
  EXPECT_TRUE(report.findings.empty()) << report.findings.size() << " finding(s) in the deterministic core:\n"
                                       << describe(report.findings);
}

TEST(CoreLint, ScansEveryCoreModulePresent) {
  const TreeReport report = lint_tree(QZ_SOURCE_DIR);
  for (const char* expected : {"src/base/CMakeLists.txt", "src/base/decimal.cpp", "src/ledger/ledger.h",
                               "src/ledger/CMakeLists.txt", "src/engine/engine.h", "src/engine/CMakeLists.txt"}) {
    EXPECT_NE(std::find(report.files.begin(), report.files.end(), expected), report.files.end())
        << expected << " was not scanned";
  }
  for (const std::string& file : report.files) {
    EXPECT_EQ(file.find("src/journal/"), std::string::npos) << "an edge module was scanned: " << file;
  }
}

// --- Source rules, one line per case -----------------------------------------------------------------------------

struct SourceCase {
  const char* source;
  const char* found;  // the token or include expected; nullptr = nothing
};

std::vector<std::string> found_in(const char* path, const char* source) {
  std::vector<std::string> found;
  for (const Finding& finding : lint_source(path, source)) found.push_back(finding.what);
  return found;
}

TEST(CoreLint, SourceRuleTable) {
  const SourceCase cases[] = {
      // floating point
      {"double rate = 0;", "double"},
      {"float ratio;", "float"},
      {"auto x = static_cast<double>(y);", "double"},
      {"int doubled = 2;", nullptr},
      // randomness
      {"int r = rand();", "rand"},
      {"int r = std::rand ();", "rand"},
      {"srand(1);", "srand"},
      {"std::random_device device;", "random_device"},
      {"int strand(int);", nullptr},
      {"int brand = 0;", nullptr},
      {"prng.rand();", nullptr},
      // clocks
      {"auto t = std::chrono::system_clock::now();", "system_clock"},
      {"auto t = std::chrono::steady_clock::now();", "steady_clock"},
      {"auto t = high_resolution_clock::now();", "high_resolution_clock"},
      {"auto t = time(nullptr);", "time"},
      {"auto t = ::time (NULL);", "time"},
      {"clock_gettime(CLOCK_MONOTONIC, &ts);", "clock_gettime"},
      {"uint64_t block_time_ns(); uint64_t time_ns = 0;", nullptr},
      {"x = block.time();", nullptr},
      {"x = header->time();", nullptr},
      {"uint64_t time = 0;", nullptr},
      // environment
      {"const char* home = getenv(\"HOME\");", "getenv"},
      {"const char* home = std::getenv(\"HOME\");", "getenv"},
      // exceptions
      {"throw std::runtime_error(\"no\");", "throw"},
      {"void f() noexcept;", nullptr},
      // threads
      {"std::thread worker(run);", "thread"},
      {"std::jthread worker(run);", "jthread"},
      {"auto f = std::async(run);", "async"},
      {"uint32_t thread = 0; this_thread_id();", nullptr},
      // banned and foreign includes
      {"#include <iostream>", "<iostream>"},
      {"#include <fstream>", "<fstream>"},
      {"#  include <thread>", "<thread>"},
      {"#include <chrono>", "<chrono>"},
      {"#include <random>", "<random>"},
      {"#include <ctime>", "<ctime>"},
      {"#include <sqlite3.h>", "<sqlite3.h>"},
      {"#include <stdint.h>", "<stdint.h>"},
      {"#include <openssl/evp.h>", "<openssl/evp.h>"},
      {"#include \"journal/journal.h\"", "\"journal/journal.h\""},
      {"#include \"local.h\"", "\"local.h\""},
      {"#include <cstdint>\n#include <vector>\n#include \"base/result.h\"\n#include \"ledger/ledger.h\"", nullptr},
      // comments and literals do not count
      {"// a double-entry ledger never uses float or double", nullptr},
      {"/* throw? no: time( comes from the block */ int x;", nullptr},
      {"int x; /* multi\nline double\n*/ int y;", nullptr},
      {"const char* m = \"double entry: throw nothing, read no getenv\";", nullptr},
      {"const char* m = \"escaped \\\" double\";", nullptr},
      {"char c = '\"'; double d;", "double"},
      {"const char* r = R\"x(float \"double\" )\" throw)x\";", nullptr},
      {"// #include <iostream>", nullptr},
      {"/* #include <thread> */", nullptr},
      // digit separators are not character literals
      {"int64_t amount_minor = 1'250'00; double d;", "double"},
      {"int64_t a = 1'000; int64_t b = 2'000;", nullptr},
  };
  for (const SourceCase& c : cases) {
    const std::vector<std::string> found = found_in("src/engine/example.cpp", c.source);
    if (c.found == nullptr) {
      EXPECT_TRUE(found.empty()) << "in: " << c.source << "\nunexpectedly found: " << found.front();
    } else {
      ASSERT_EQ(found.size(), 1u) << "in: " << c.source << "\nexpected exactly: " << c.found;
      EXPECT_EQ(found[0], c.found) << "in: " << c.source;
    }
  }
}

TEST(CoreLint, FindingsNameTheirLine) {
  const std::vector<Finding> findings = lint_source("src/ledger/x.cpp", "int a;\n// double\nint b;\ndouble c;\n");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].line, 4u);
  EXPECT_EQ(format_finding(findings[0]).substr(0, 24), "src/ledger/x.cpp:4: `dou");
}

TEST(CoreLint, BlankingKeepsOffsetsAndNewlines) {
  const std::string source = "int a; // c\n\"s\" /* x\ny */ 'q'\n";
  const std::string blanked = blank_comments_and_literals(source);
  ASSERT_EQ(blanked.size(), source.size());
  EXPECT_EQ(std::count(blanked.begin(), blanked.end(), '\n'), std::count(source.begin(), source.end(), '\n'));
  EXPECT_EQ(blanked, "int a;     \n\" \"     \n     ' '\n");
}

TEST(CoreLint, OnlySha256MayIncludeOpenSsl) {
  EXPECT_TRUE(lint_source("src/base/sha256.cpp", "#include <openssl/evp.h>\n").empty());
  EXPECT_EQ(lint_source("src/base/merkle.cpp", "#include <openssl/evp.h>\n").size(), 1u);
  EXPECT_EQ(lint_source("src/engine/engine.cpp", "#include <openssl/sha.h>\n").size(), 1u);
}

TEST(CoreLint, BaseIncludesOnlyBase) {
  EXPECT_TRUE(lint_source("src/base/x.cpp", "#include \"base/bytes.h\"\n").empty());
  EXPECT_EQ(lint_source("src/base/x.cpp", "#include \"ledger/ledger.h\"\n").size(), 1u);
  EXPECT_TRUE(lint_source("src/engine/x.cpp", "#include \"ledger/ledger.h\"\n").empty());
}

// --- CMake rules -------------------------------------------------------------------------------------------------

struct CmakeCase {
  const char* module;
  const char* text;
  size_t findings;
};

TEST(CoreLint, CmakeRuleTable) {
  const CmakeCase cases[] = {
      {"base", "qz_library(qz_base CORE SOURCES a.cpp DEPS OpenSSL::Crypto)", 0},
      {"ledger", "qz_library(qz_ledger CORE SOURCES ledger.cpp requests.cpp DEPS qz_base)", 0},
      {"engine", "# a comment naming qz_journal\nqz_library(qz_engine CORE\n  SOURCES e.cpp\n  DEPS qz_ledger)", 0},
      {"base", "qz_library(qz_base CORE SOURCES a.cpp DEPS qz_ledger)", 1},            // base depends on nothing
      {"ledger", "qz_library(qz_ledger CORE SOURCES l.cpp DEPS qz_journal)", 1},       // an edge
      {"ledger", "qz_library(qz_ledger CORE SOURCES l.cpp DEPS OpenSSL::Crypto)", 1},  // only base may
      {"engine", "qz_library(qz_engine CORE SOURCES e.cpp DEPS SQLite::SQLite3)", 1},
      {"engine", "qz_library(qz_engine SOURCES e.cpp DEPS qz_ledger)", 1},      // not CORE
      {"engine", "qz_library(qz_other CORE SOURCES e.cpp DEPS qz_ledger)", 1},  // wrong name
      {"engine", "qz_library(qz_engine CORE SOURCES e.cpp)\ntarget_link_libraries(qz_engine PUBLIC qz_journal)", 1},
      {"engine", "qz_library(qz_engine CORE SOURCES e.cpp)\nfind_package(SQLite3)", 1},
      {"engine", "", 1},  // no library at all
  };
  for (const CmakeCase& c : cases) {
    const std::vector<Finding> findings = lint_cmake("src/x/CMakeLists.txt", c.module, c.text);
    EXPECT_EQ(findings.size(), c.findings) << "module " << c.module << ":\n" << c.text << "\n" << describe(findings);
  }
}

// --- docs/result-codes.md lists exactly the codes of base/result.h ----------------------------------------------

TEST(ResultCodesDoc, ListsEveryCodeWithItsNumberAndMessage) {
  std::ifstream in(std::string(QZ_SOURCE_DIR) + "/docs/result-codes.md");
  ASSERT_TRUE(in) << "docs/result-codes.md is missing";
  // Rows of the "All codes" table: | number | `name` | message |
  std::map<std::string, std::pair<uint32_t, std::string>> documented;
  bool in_table = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("## ", 0) == 0) in_table = line == "## All codes";
    if (!in_table || line.rfind("| ", 0) != 0) continue;
    std::vector<std::string> cells;
    std::stringstream row(line.substr(1));
    for (std::string cell; std::getline(row, cell, '|');) {
      const size_t first = cell.find_first_not_of(' ');
      const size_t last = cell.find_last_not_of(' ');
      cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
    }
    if (cells.size() < 3 || cells[0].empty() || cells[0].find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    const std::string name = cells[1].size() > 2 ? cells[1].substr(1, cells[1].size() - 2) : cells[1];
    EXPECT_EQ(documented.count(name), 0u) << name << " is listed twice";
    documented[name] = {static_cast<uint32_t>(std::stoul(cells[0])), cells[2]};
  }

  size_t codes = 0;
#define QZ_CHECK_DOCUMENTED(name, number, message)                                     \
  codes++;                                                                             \
  if (documented.count(#name) == 0) {                                                  \
    ADD_FAILURE() << #name " (" << number << ") is missing from docs/result-codes.md"; \
  } else {                                                                             \
    EXPECT_EQ(documented[#name].first, uint32_t{number}) << #name;                     \
    EXPECT_EQ(documented[#name].second, message) << #name;                             \
  }
  QZ_RESULT_CODES(QZ_CHECK_DOCUMENTED)
#undef QZ_CHECK_DOCUMENTED
  EXPECT_EQ(documented.size(), codes) << "docs/result-codes.md lists codes that base/result.h does not have";
}

}  // namespace
}  // namespace qz::lint
